"""Sentence boundaries: the regular-expression splitter against spaCy's parser, on the gold spans.

    .venv/bin/python benchmarks/sentence_boundaries.py

The numbered sentences are what the model cites and what an incident's evidence is made of, so a
boundary in the wrong place costs twice: a sentence cut inside a quote splits one statement over
two units; two sentences left joined put two events (or a statement and its neighbour) into one.
Measured on every gold span with offsets (the two example articles and ../shared/dev/modern-attrib,
read there, never copied):

  * quotes split: gold evidence quotes that no single unit holds (a boundary inside the quote);
  * units joining two items: units holding evidence of two different gold incidents, or of an
    incident and an attribution of another incident (two events' words in one unit);
  * units: how many sentences each splitter makes, and seconds to split every article.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def pairs() -> list[tuple[Path, Path]]:
    out = []
    golds = {json.loads(p.read_text(encoding="utf-8"))["article"]["id"]: p for p in (SHARED / "gold").glob("*.json")}
    out += [(p, golds[p.stem]) for p in sorted((SHARED / "articles").glob("*.txt")) if p.stem in golds]
    modern = SHARED / "dev" / "modern-attrib"
    out += [(p, modern / "gold" / f"{p.stem}.json") for p in sorted((modern / "articles").glob("*.txt"))]
    return out


def measure(splitter: str) -> dict:
    from extractor.articles.load import iter_articles
    from extractor.articles.parse import parse
    from extractor.articles.sentences import numbered

    quotes = split = units = joined = 0
    seconds = 0.0
    for article_path, gold_path in pairs():
        article = next(iter_articles([str(article_path)]))
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        started = time.perf_counter()
        if splitter == "spacy":
            doc = parse(article.searchable_text)
            sentences = numbered(article.searchable_text, starts=[s.start_char for s in doc.sents])
        else:
            sentences = numbered(article.searchable_text)
        seconds += time.perf_counter() - started
        units += len(sentences)
        owners: dict[int, set[str]] = {}
        for kind in ("incidents", "attributions"):
            for item in gold.get(kind, []):
                incident = item["id"] if kind == "incidents" else item["incident_id"]
                for span in item.get("evidence", []):
                    quotes += 1
                    inside = [s for s in sentences if s.start <= span["start"] and span["end"] <= s.end]
                    split += not inside
                    for s in sentences:
                        if s.start < span["end"] and span["start"] < s.end:
                            owners.setdefault(s.number, set()).add(incident)
        joined += sum(1 for incidents in owners.values() if len(incidents) > 1)
    return {
        "splitter": splitter,
        "quotes": quotes,
        "quotes_split": split,
        "units": units,
        "units_joining_two_incidents": joined,
        "seconds": round(seconds, 2),
    }


def main() -> None:
    from extractor.articles.parse import nlp

    nlp()  # loaded once, outside the timing
    for splitter in ("regex", "spacy"):
        print(json.dumps(measure(splitter)))


if __name__ == "__main__":
    main()
