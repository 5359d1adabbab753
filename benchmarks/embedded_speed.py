"""Time per article with the embedded model, and the re-asks it needed.

    .venv/bin/python benchmarks/embedded_speed.py [--runs 3] [ARTICLE...]

Each run extracts every article with the cache off, in one process (the model loads once, as in
a CLI run over several files). Prints, per article, the median wall time over the runs and the
number of re-asks per run: LLM calls beyond the one-per-stage minimum.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.articles.load import iter_articles  # noqa: E402
from extractor.flow.pipeline import extract_article  # noqa: E402
from extractor.llm.client import build_client  # noqa: E402
from extractor.settings import resolve  # noqa: E402


def main() -> None:
    import logging

    logging.getLogger("instructor").addHandler(logging.NullHandler())
    logging.getLogger("instructor").propagate = False
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "articles", nargs="*", default=sorted(str(p) for p in (ROOT.parent / "shared" / "articles").glob("*.txt"))
    )
    args = parser.parse_args()
    settings = resolve({"no_cache": True}, {})
    started = time.monotonic()
    client = build_client(settings)
    print(f"model {settings.model}, {settings.threads} threads, max_attempts {settings.max_attempts}")
    seconds: dict[str, list[float]] = {}
    reasks: dict[str, list[int]] = {}
    for run in range(args.runs):
        for article in iter_articles(args.articles):
            t0 = time.monotonic()
            doc = extract_article(article, client)
            elapsed = time.monotonic() - t0
            stages = 2 if doc.incidents else 1
            seconds.setdefault(article.id, []).append(elapsed)
            reasks.setdefault(article.id, []).append(doc.provenance.attempts - stages)
            print(
                f"run {run + 1} {article.id}: {elapsed:.1f} s, {doc.provenance.attempts} calls, "
                f"{doc.provenance.usage.prompt_tokens}+{doc.provenance.usage.completion_tokens} tokens, "
                f"{len(doc.incidents)}/{len(doc.actors)}/{len(doc.attributions)} incidents/actors/attributions, "
                f"{len(doc.warnings)} warnings",
                flush=True,
            )
    print(f"total {time.monotonic() - started:.0f} s")
    for article_id, values in seconds.items():
        print(
            f"{article_id}: median {statistics.median(values):.1f} s over {len(values)} runs "
            f"({', '.join(f'{v:.1f}' for v in values)}); re-asks per run {reasks[article_id]}"
        )


if __name__ == "__main__":
    main()
