"""Writing results: JSON, a JSON array, JSONL, or one file per article in a folder.

JSONL is written line by line as articles finish; files are written to a `.partial` sibling and
renamed into place when the command ends, so an interrupted run never leaves a truncated file
where a complete one is expected (and the cache keeps every finished article).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

from extractor.schema import ArticleExtraction


class Writer:
    """`append=True` writes JSONL lines straight into the file, each flushed as its article
    finishes (runs, whose output must keep every finished line through a kill)."""

    def __init__(self, output: str | None, fmt: str, *, append: bool = False) -> None:
        self.fmt = fmt
        self.count = 0
        self.folder: Path | None = None
        self._pending: list[tuple[int, str]] = []
        self._partial: Path | None = None
        self._target: Path | None = None
        self._stream: IO[str] = sys.stdout
        if output and output != "-":
            path = Path(output)
            if path.is_dir() or output.endswith(os.sep):
                path.mkdir(parents=True, exist_ok=True)
                self.folder = path
            elif append:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._stream = path.open("a", encoding="utf-8")
                self._appending = True
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._target = path
                self._partial = path.with_name(path.name + ".partial")
                self._stream = self._partial.open("w", encoding="utf-8")

    _appending = False

    def add(self, document: ArticleExtraction, index: int | None = None, *, text: str | None = None) -> None:
        """`text`: the document as compact JSON when the caller has made it already (a JSONL line)."""
        self.count += 1
        if self.folder is not None:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in document.article.id)
            final = self.folder / f"{safe}.json"
            partial = final.with_name(final.name + ".partial")
            partial.write_text(document.model_dump_json(indent=2) + "\n", encoding="utf-8")
            os.replace(partial, final)
        elif self.fmt == "jsonl":
            self._stream.write((text or document.model_dump_json()) + "\n")
            self._stream.flush()
        else:
            self._pending.append((self.count if index is None else index, document.model_dump_json(indent=2)))

    def close(self) -> None:
        if self.folder is None and self.fmt == "json" and self._pending:
            texts = [text for _, text in sorted(self._pending)]  # input order, whatever finished first
            if len(texts) == 1:
                self._stream.write(texts[0] + "\n")
            else:
                self._stream.write("[\n" + ",\n".join(texts) + "\n]\n")
        if self._partial is not None and self._target is not None:
            self._stream.close()
            if self.count or self.fmt == "jsonl":
                os.replace(self._partial, self._target)
            else:
                self._partial.unlink()
        elif self._appending:
            self._stream.close()
        else:
            self._stream.flush()


def rewrite_lines(path: Path, lines) -> int:
    """Replace `path` with `lines` (JSON strings), atomically; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")
            count += 1
    os.replace(partial, path)
    return count


def pretty_json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
