"""A 60,000-character article through the pipeline: read in windows, merged, offsets global.

    .venv/bin/python benchmarks/long_article.py [--chars 60000] [--window-chars N] [--base-url URL ...]

The article is built from real texts (the two example articles, then MUC-4 tst3 messages in
name order, from ../shared, read at run time, never copied into the project) joined by blank
lines until it holds --chars characters. Prints the article's size, its sentences and windows,
the seconds, calls and tokens spent, the records found, and whether every span quotes the text
at its offsets. Any failure is printed and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from extractor.articles.load import article_from_text  # noqa: E402


def long_text(chars: int = 60_000, shared: Path = SHARED) -> str:
    """At least `chars` characters of real news, whole texts joined by blank lines."""
    sources = sorted((shared / "articles").glob("*.txt")) + sorted(
        (shared / "dev" / "muc4-tst3" / "articles").glob("*.txt")
    )
    parts, size = [], 0
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if text.startswith(" date "):  # the dateline prefix belongs to a file, not to the middle of an article
            text = text.split(" ", 3)[-1]
        parts.append(text.strip())
        size += len(parts[-1]) + 2
        if size >= chars:
            break
    if size < chars:
        raise SystemExit(f"../shared holds only {size} characters of texts; cannot build {chars}")
    return "\n\n".join(parts)


def long_article(chars: int = 60_000):
    return article_from_text(long_text(chars), f"long-{chars}", "benchmarks/long_article.py", published="2023-01-29")


def main() -> None:
    from extractor.articles.sentences import numbered
    from extractor.flow.pipeline import extract_article
    from extractor.flow.windows import windows_of
    from extractor.llm.client import build_client
    from extractor.runs.article import normalised
    from extractor.settings import resolve

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=60_000)
    parser.add_argument("--window-chars", type=int)
    parser.add_argument("--model"), parser.add_argument("--base-url"), parser.add_argument("--local-model")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "long")
    args = parser.parse_args()
    settings = resolve(
        {
            "model": args.model,
            "base_url": args.base_url,
            "local_model": args.local_model,
            "window_chars": args.window_chars,
            "no_cache": True,
        }
    )
    article = long_article(args.chars)
    sentences = numbered(article.searchable_text)
    windows = windows_of(sentences, settings.window_chars)
    print(
        f"{len(article.text)} characters, {len(sentences)} sentences, {len(windows)} windows of at most "
        f"{settings.window_chars} characters; model {settings.model}"
    )
    started = time.monotonic()
    try:
        document = normalised(extract_article(article, build_client(settings)), article)
    except Exception as exc:  # noqa: BLE001 - report any failure as the result
        print(f"failed after {time.monotonic() - started:.0f} s: {type(exc).__name__}: {exc}")
        raise SystemExit(1) from None
    seconds = time.monotonic() - started
    spans = [s for item in (*document.incidents, *document.actors, *document.attributions) for s in item.evidence]
    exact = all(article.text[s.start : s.end] == s.quote for s in spans)
    usage = document.provenance.usage
    print(
        f"{seconds:.0f} s, {document.provenance.attempts} calls, {usage.prompt_tokens} prompt tokens "
        f"({usage.cached_prompt_tokens} cached) + {usage.completion_tokens} completion tokens"
    )
    print(
        f"{len(document.incidents)} incidents, {len(document.actors)} actors, {len(document.attributions)} attributions; "
        f"{len(spans)} spans, every one quoting the text at its offsets: {exact}; {len(document.warnings)} warnings"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{article.id}.json").write_text(document.model_dump_json(indent=1), encoding="utf-8")
    (args.out / f"{article.id}.stats.json").write_text(
        json.dumps(
            {
                "chars": len(article.text),
                "sentences": len(sentences),
                "windows": len(windows),
                "seconds": round(seconds, 1),
                "calls": document.provenance.attempts,
                "usage": usage.model_dump(),
                "incidents": len(document.incidents),
                "actors": len(document.actors),
                "attributions": len(document.attributions),
                "spans_exact": exact,
            },
            indent=1,
        )
    )
    if not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
