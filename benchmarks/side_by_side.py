"""Seconds per article of two checkouts of the project, side by side on the same articles.

    .venv/bin/python benchmarks/side_by_side.py --before ../base --after . ARTICLE [ARTICLE ...]

For each article, in turn, each checkout extracts it in a fresh process of this venv's Python
(its own code first on the import path) with the embedded default model, cache off, and reports
the seconds the extraction took inside the process (loading the parser is left out; the model's
weights load on the first request, about two seconds, in both alike). The order of the two alternates from article to article, so a
machine that slows down or speeds up weighs on both alike. Prints each pair and the medians.
The two must not share the machine with another model run: two llama.cpp processes on two cores
run each other fifty times slower.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

_ONE = """
import sys, time, json
sys.path.insert(0, {root!r})
from extractor.articles.load import iter_articles
from extractor.llm.client import build_client
from extractor.settings import resolve
settings = resolve({{"no_cache": True}})
client = build_client(settings)
article = next(iter_articles([{path!r}]))
try:
    from extractor.articles.parse import nlp
    nlp()
except ImportError:
    pass
from extractor.flow.pipeline import extract_article
started = time.monotonic()
document = extract_article(article, client)
print(json.dumps({{"seconds": time.monotonic() - started, "calls": document.provenance.attempts,
                  "incidents": len(document.incidents), "attributions": len(document.attributions)}}))
"""


def run(root: Path, article: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _ONE.format(root=str(root.resolve()), path=str(article.resolve()))],
        capture_output=True,
        text=True,
        cwd=root,
    )
    if done.returncode != 0:
        raise SystemExit(f"error: {root} failed on {article}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout measured first on odd articles")
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("articles", type=Path, nargs="+")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"before": [], "after": []}
    for number, article in enumerate(args.articles):
        order = [("before", args.before), ("after", args.after)]
        if number % 2:
            order.reverse()
        got = {name: run(root, article) for name, root in order}
        for name in times:
            times[name].append(got[name]["seconds"])
        print(
            json.dumps(
                {"article": article.name, **{k: {**v, "seconds": round(v["seconds"], 1)} for k, v in got.items()}}
            )
        )
    print(json.dumps({f"{k}_median_seconds": round(statistics.median(v), 1) for k, v in times.items()}))


if __name__ == "__main__":
    main()
