"""Incident dates resolved from the article's words, for whole documents.

Each incident's date is looked for, in this order, in: its `date.text`, its evidence quotes,
then the sentences around its evidence (nearest to the span). The first expression found
decides (`extractor.normalise.timex` resolves it against the publication date).

An expression relative to another event ("The attack comes roughly 18 hours after the US
carried out airstrikes") is resolved in a second pass, from the other incident's date: the
incident whose evidence lies after "after" is the earlier event, the other one the later. The
anchor is the incident whose evidence lies on the other side of the expression in that
sentence, else the article's first primary incident dated in the first pass.

When the resolved date differs from the model's, the resolved one wins and a warning keeps the
model's: `I2: date 2023-01-20..2023-01-20 from the model replaced by 2023-01-28..2023-01-29
resolved from "hours after"`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from extractor.articles.load import DATE_PREFIX
from extractor.articles.sentences import find_all, sentence_at
from extractor.normalise.timex import Found, Relative, Resolved, find_expressions, ranked, relative, resolve_found
from extractor.schema import ArticleExtraction, Incident, IncidentDate, warning
from extractor.taxonomy import DatePrecision, WarningCode

D = dt.timedelta


@dataclass(frozen=True)
class _Pending:
    """An incident dated relative to another event, found at text[start:end] of the article."""

    relative: Relative
    sentence: tuple[int, int]
    at: tuple[int, int]


def resolve_dates(doc: ArticleExtraction, article_text: str) -> ArticleExtraction:
    """A copy of `doc` with incident dates resolved where the text allows, and warnings."""
    text = _without_date_line(article_text)
    published = dt.date.fromisoformat(doc.article.published) if doc.article.published else None
    resolved: dict[str, Resolved] = {}
    pending: dict[str, _Pending] = {}
    for incident in doc.incidents:
        outcome = _first_pass(incident, text, published)
        if isinstance(outcome, Resolved):
            resolved[incident.id] = outcome
        elif isinstance(outcome, _Pending):
            pending[incident.id] = outcome
    by_id = {i.id: i for i in doc.incidents}
    for incident_id, job in pending.items():
        outcome = _second_pass(by_id[incident_id], job, doc.incidents, resolved, published)
        if outcome is not None:
            resolved[incident_id] = outcome

    warnings = list(doc.warnings)
    incidents = []
    for incident in doc.incidents:
        found = resolved.get(incident.id)
        if found is None:
            incidents.append(incident)
            continue
        old = incident.date
        new = IncidentDate(
            start=found.start.isoformat(),
            end=found.end.isoformat(),
            precision=found.precision,
            text=old.text or found.words,
        )
        if (old.start, old.end, old.precision) != (new.start, new.end, new.precision):
            warnings.append(
                warning(
                    WarningCode.DATE_RESOLVED,
                    f"{incident.id}: date {old.start}..{old.end} from the model replaced by "
                    f'{new.start}..{new.end} resolved from "{found.words}"',
                    incident.id,
                )
            )
        incidents.append(incident.model_copy(update={"date": new}))
    return doc.model_copy(update={"incidents": incidents, "warnings": warnings})


def _first_pass(incident: Incident, text: str, published: dt.date | None) -> Resolved | _Pending | None:
    for phrase, where in _phrases(incident, text):
        for f in ranked(find_expressions(phrase), phrase, where[2] if where else None):
            if f.kind == "relative":
                rel = relative(f)
                located = _locate(f, phrase, where, incident, text)
                if rel is not None and located is not None:
                    return _Pending(rel, *located)
                continue
            outcome = resolve_found(f, published)
            if outcome is not None:
                return outcome
    return None


def _phrases(incident: Incident, text: str) -> list[tuple[str, tuple[int, int, int] | None]]:
    """(phrase, where) to search: `where` is (start of the phrase in the article, end, offset
    of the evidence inside the phrase) when the phrase is a stretch of the article."""
    out: list[tuple[str, tuple[int, int, int] | None]] = []
    if incident.date.text:
        out.append((incident.date.text, None))
    out += [(span.quote, (span.start, span.end, 0)) for span in incident.evidence]
    for span in incident.evidence:
        start, end = sentence_at(text, span.start, span.end)
        out.append((text[start:end], (start, end, span.start - start)))
    return out


def _locate(
    f: Found, phrase: str, where: tuple[int, int, int] | None, incident: Incident, text: str
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The sentence and the article offsets of a relative expression found in `phrase`."""
    if where is not None:
        at = (where[0] + f.start, where[0] + f.end)
    else:  # date.text: find it in the article, nearest the incident's evidence
        spots = find_all(text, f.words)
        if not spots:
            return None
        first = incident.evidence[0].start
        start = min(spots, key=lambda s: abs(s - first))
        at = (start, start + len(f.words))
    return sentence_at(text, *at), at


def _second_pass(
    incident: Incident,
    job: _Pending,
    incidents: list[Incident],
    resolved: dict[str, Resolved],
    published: dt.date | None,
) -> Resolved | None:
    (s_start, s_end), (e_start, e_end) = job.sentence, job.at
    head, tail = (s_start, e_start), (e_end, s_end)
    # Is this incident the one named after "after" (the tail) or the sentence's subject?
    in_tail = _overlap(incident, tail) >= _overlap(incident, head)
    other_side = head if in_tail else tail
    others = [i for i in incidents if i.id != incident.id]
    anchors = sorted((i for i in others if _overlap(i, other_side) > 0), key=lambda i: -_overlap(i, other_side))
    anchors += [i for i in others if i.primary and i.id in resolved and i not in anchors]
    if not anchors:
        return None
    anchor = anchors[0]
    base = resolved.get(anchor.id)
    a_start = base.start if base else dt.date.fromisoformat(anchor.date.start)
    a_end = base.end if base else dt.date.fromisoformat(anchor.date.end)
    low, high = job.relative.days
    earlier = in_tail == job.relative.after  # tail of "after", or subject of "before"
    if earlier:
        start, end = a_start - D(high), a_end - D(low)
    else:
        start, end = a_start + D(low), a_end + D(high)
    if published is not None:
        end = min(end, published)
    if start > end:
        return None
    span = (end - start).days
    precision: DatePrecision = "day" if span <= 2 else "week" if span <= 10 else "month"
    return Resolved(start, end, precision, job.relative.words)


def _overlap(incident: Incident, region: tuple[int, int]) -> int:
    return sum(max(0, min(s.end, region[1]) - max(s.start, region[0])) for s in incident.evidence)


def _without_date_line(text: str) -> str:
    """The ` date YYYY-MM-DD` prefix is metadata, not a time the article mentions: blank it
    (same length, so evidence offsets still index the text)."""
    prefix = DATE_PREFIX.match(text)
    return " " * prefix.end() + text[prefix.end() :] if prefix else text
