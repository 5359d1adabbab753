"""Stage 1, load: articles read from files, folders, JSON and JSONL (`load`), and their sentences,
numbered, with the offsets every evidence span is computed from (`sentences`)."""
