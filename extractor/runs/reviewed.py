"""A run as an analyst reviewed it: the run store's documents with their verdicts applied.

What `export`, `gold` and `runs show` read (extractor.results.verdicts holds the logic): the
documents as reviewed with each record's status, the verified documents as gold answers, and the
review's measured quality. Documents stream from the store; only the verdicts are held in memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.errors import InputError
from extractor.results.verdicts import VERIFIED, Quality, Review, quality, review
from extractor.runs.store import RunStore
from extractor.schema import ArticleExtraction

# What gold answers may mark and a verified document never does: left out of the files.
_GOLD_MARKS: dict[str, Any] = {
    "provenance": True,
    "incidents": {"__all__": {"optional", "event_type_any"}},
    "actors": {"__all__": {"optional"}},
    "attributions": {"__all__": {"optional", "kind_any"}},
}


def reviews(store: RunStore, run: str, *, reviewed_only: bool = False) -> Iterator[tuple[str, str, Review]]:
    """(article key, origin, review) of the run's done articles in the order first seen; with
    `reviewed_only`, of those with a verdict, in the order first reviewed."""
    verdicts = store.verdicts(run)
    if reviewed_only:
        for key, made in verdicts.items():
            row = store.done_article(run, key)
            if row is not None:
                yield key, row[1], review(ArticleExtraction.model_validate_json(row[2]), made)
        return
    for key, _, origin, result in store.done_articles(run):
        yield key, origin, review(ArticleExtraction.model_validate_json(result), verdicts.get(key, []))


def reviewed_documents(
    store: RunStore, run: str, *, verified: bool = False, rejected_incidents: bool = False
) -> Iterator[tuple[ArticleExtraction, dict[str, str]]]:
    """Each document as reviewed (fixes applied, added records in, rejected ones out) with its
    records' statuses. `verified`: only the accepted, fixed and added records, of the documents
    that have a verdict. `rejected_incidents`: keep rejected incidents (a table shows their status)."""
    for _, _, r in reviews(store, run, reviewed_only=verified):
        if verified:
            yield r.kept(VERIFIED), r.status
        else:
            yield r.kept(rejected_incidents=rejected_incidents), r.status


def run_quality(store: RunStore, run: str) -> Quality:
    return quality(r for _, _, r in reviews(store, run, reviewed_only=True))


@dataclass
class GoldWritten:
    written: list[Path] = field(default_factory=list)
    unfinished: list[tuple[str, int]] = field(default_factory=list)  # (article id, records unverified)


def write_gold(store: RunStore, run: str, folder: Path) -> GoldWritten:
    """One gold answer per verified document of `run`, as `<article id>.json` in `folder`
    (each written to a .partial and renamed); documents with records still unverified are listed,
    not written. An InputError when no document is verified."""
    out = GoldWritten()
    names: set[str] = set()
    for _, _, r in reviews(store, run, reviewed_only=True):
        gold = r.gold()
        if gold is None:
            out.unfinished.append((r.original.article.id, len(r.unverified)))
            continue
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in gold.article.id) or "article"
        if safe in names:  # two texts under one id
            safe += "-" + (gold.article.sha256 or "")[:8]
        names.add(safe)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{safe}.json"
        partial = target.with_name(target.name + ".partial")
        data = gold.model_dump(mode="json", exclude=_GOLD_MARKS)
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, target)
        out.written.append(target)
    if not out.written:
        waiting = f" ({len(out.unfinished)} reviewed, with records unverified)" if out.unfinished else ""
        raise InputError(
            run,
            f"has no verified document yet{waiting}",
            hint=f"give every record of an article a verdict: extractor review {run} --serve",
        )
    return out
