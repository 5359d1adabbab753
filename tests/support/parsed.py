"""Short hand-written texts parsed as the pipeline parses them, for the logic tests of the event
and attribution stages (no model)."""

from __future__ import annotations

import datetime as dt

from extractor.articles.parse import parse
from extractor.articles.sentences import numbered
from extractor.flow.events import events_of, mentions
from extractor.normalise.timex import resolve_found

PUBLISHED = dt.date(2023, 1, 29)  # a Sunday
# The countries of the few places these texts name (the pipeline asks the gazetteer).
COUNTRIES = {"Syria": "SY", "Iran": "IR", "Isfahan": "IR", "Iraq": "IQ", "Mali": "ML"}


def parsed(text: str):
    """(parse, numbered sentences) of `text`."""
    doc = parse(text)
    return doc, numbered(text, starts=[s.start_char for s in doc.sents])


def events_in(text: str, published: dt.date = PUBLISHED):
    """The events code finds in `text`, dated against `published`."""
    doc, sentences = parsed(text)

    def when(found):
        resolved = resolve_found(found, published)
        return None if resolved is None else (resolved.start, resolved.end)

    return events_of(mentions(doc, sentences), when, COUNTRIES.get, (published - dt.timedelta(days=7), published))
