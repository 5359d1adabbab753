"""Drafts in, contract records out: grounding, checks and repairs, pure logic.

`assemble_incidents` and `assemble_actors` locate every quote (via `extractor.flow.ground`), check
the rules below, and return the records with the issues they met. The same functions serve twice:
  * during the call, `CheckedIncidents` / `CheckedActors` run them as validators: any issue makes
    instructor re-ask, with the issues as the message, so the model is told exactly which quote or
    field was wrong;
  * after the last attempt, the pipeline runs them on the last draft and keeps the issues as
    warnings.

The rule, written once: **an item is dropped only when none of its evidence can be found in the
article** (an incident or attribution whose quotes are all missing, an actor the article never
names, an attribution in an article with no incident left to attach it to). Every other bad field
is repaired from what the tool can compute, or set to null, and the repair is a warning:
  * a quote that is not in the article is removed from the item's evidence (the item keeps the
    quotes that are found); an actor's quote that does not name it is removed, and an actor left
    without evidence takes the first place the article names it;
  * event_type that does not hold the sub_event_type is set from the sub-event type;
  * dates: a day out of range keeps its month (a month out of range, its year), with that
    precision; a reversed range is swapped; a range that starts before publication and ends after
    it is cut at publication. A date still unusable (unreadable, or after publication + 1 day) is
    replaced by what its own words give (`extractor.normalise.timex`, against publication), else by the
    week up to publication (precision week), else (no publication date either) by the year of
    extraction, precision year. Normalisation later resolves dates from the article again;
  * figures the article does not state (as digits or words; 0 only where it says nobody) become
    null; figures out of order are read as a range, low the smallest and high the largest;
  * a second item with an id already used gets a new id; an actor listed twice is merged into the
    first (its mentions join the first's) and references to it follow; an attribution that
    repeats one already listed gives its evidence to the first;
  * an attribution that names an unknown incident is moved to the incident whose evidence lies
    nearest its own; an unknown source becomes null (the article's voice); an unknown or null
    perpetrator becomes the source for kinds claimed and denied (who claims or denies speaks of
    itself), else the one listed actor its evidence names that is neither a monitor, the media,
    civilians, the source nor a target of the incident, else null with kind "unknown"; kind
    "unknown" with a perpetrator keeps the kind and nulls the perpetrator;
  * backed_by and target references to unknown ids are removed.
The free-text `text` fields of dates, places and figures become the article's own words where they
can be found, and null where they cannot. Country codes and places are resolved later, by
normalisation (`extractor.normalise.places`); required fields an answer breaks are given placeholders
before assembly by `extractor.flow.salvage`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationInfo, model_validator

from extractor.flow.draft import DraftActor, DraftActorsAndAttributions, DraftAttribution, DraftFigures, DraftIncidents
from extractor.flow.ground import Aligned, Grounder, normalise
from extractor.normalise.timex import month_end, resolve_expression
from extractor.schema import (
    Actor,
    Attribution,
    ExtractionWarning,
    Figures,
    Incident,
    IncidentDate,
    Location,
    Span,
    warning,
)
from extractor.taxonomy import EVENT_TYPE_OF, UNKNOWN_COUNTRY, AttributionKind, DatePrecision, WarningCode, belongs

QUOTE_NOT_FOUND = "is not in the article"  # the words of its warning (`WarningCode.QUOTE_NOT_FOUND` is counted)
# Actors who report or suffer an incident, never the one the tool infers to be behind it.
NOT_PERPETRATORS = {"monitor", "media", "civilians"}


@dataclass
class Assembled:
    incidents: list[Incident]
    actors: list[Actor]
    attributions: list[Attribution]


def _spans(
    grounder: Grounder, evidence: Sequence[str | int], owner: str, about: str | None, issues: list[ExtractionWarning]
) -> list[Span]:
    """Spans for an item's evidence: passages it quoted (aligned by `extractor.flow.ground`) or numbers
    of sentences it cited (their spans, exact)."""
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()
    for cited in evidence:
        if isinstance(cited, int):
            hit = grounder.sentence(cited)
            if hit is None:
                issues.append(
                    warning(
                        WarningCode.SENTENCE_NOT_SHOWN,
                        f"{owner}: evidence cites sentence {cited}, which is not one of the numbered sentences; cite a number shown",
                        about,
                    )
                )
                continue
        else:
            hit = grounder.align(cited)
            if hit is None:
                issues.append(
                    warning(
                        WarningCode.QUOTE_NOT_FOUND,
                        f'{owner}: evidence "{_short(cited)}" {QUOTE_NOT_FOUND}; copy a passage word for word',
                        about,
                    )
                )
                continue
        if (hit.start, hit.end) in seen:
            continue
        seen.add((hit.start, hit.end))
        spans.append(_span(grounder, hit))
    return spans


def _span(grounder: Grounder, hit: Aligned) -> Span:
    return Span(quote=grounder.raw[hit.start : hit.end], start=hit.start, end=hit.end, alignment=hit.alignment)


def _summary_of(evidence: list[Span]) -> str:
    """A summary for a model not asked for one (`draft.compact`): its first evidence, cut."""
    return _short(" ".join(evidence[0].quote.split()), 160)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NUMBER_WORDS = {
    1: "one|a single",
    2: "two|a couple",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve|a dozen|dozen",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
    16: "sixteen",
    17: "seventeen",
    18: "eighteen",
    19: "nineteen",
    20: "twenty",
}
_NOBODY = re.compile(
    r"\b(?:no ?one|nobody|none|zero|no (?:deaths|dead|casualties|injuries|fatalities|one)|without (?:casualties|injuries))\b",
    re.I,
)


def stated(number: int, text: str) -> bool:
    """Whether `text` states `number` (digits, with or without thousands commas, or words)."""
    if number == 0:
        return bool(_NOBODY.search(text))
    digits = rf"(?<![\d.,])(?:{number:,}|{number})(?![\d]|[.,]\d)"
    words = _NUMBER_WORDS.get(number)
    pattern = digits + (rf"|\b(?:{words})\b" if words else "")
    return re.search(pattern, text, re.I) is not None


def own_words(grounder: Grounder, text: str | None) -> str | None:
    """The article's words for a free-text field, or None when they are not in the article."""
    hit = grounder.align(text) if text else None
    return grounder.raw[hit.start : hit.end] if hit else None


def _figures(
    draft: DraftFigures | None, owner: str, about: str, grounder: Grounder, issues: list[ExtractionWarning]
) -> Figures:
    if draft is None:
        return Figures()
    text = own_words(grounder, draft.text)
    figures = {"low": draft.low, "best": draft.best, "high": draft.high}
    unstated = sorted({v for v in figures.values() if v is not None and not stated(v, grounder.text)})
    if unstated:
        issues.append(
            warning(
                WarningCode.FIGURES_NOT_STATED,
                f"{owner}: the article does not state {unstated}; use null when a figure is not reported. "
                "Those figures were set to null",
                about,
            )
        )
        figures = {k: (None if v in unstated else v) for k, v in figures.items()}
    given = [v for v in figures.values() if v is not None]
    if given != sorted(given):
        low, high = min(given), max(given)
        best = figures["best"] if figures["best"] is not None and low <= figures["best"] <= high else None
        issues.append(
            warning(
                WarningCode.FIGURES_OUT_OF_ORDER,
                f"{owner}: low <= best <= high does not hold for {draft.low}/{draft.best}/{draft.high}; "
                f"read as low {low}, best {best}, high {high}",
                about,
            )
        )
        figures = {"low": low, "best": best, "high": high}
    return Figures(**figures, text=text)


def _calendar_date(value: str) -> tuple[dt.date | None, str]:
    """The date a YYYY-MM-DD string means, with the precision it still has: the day, else (day out
    of range) its month, else (month out of range) its year."""
    try:
        return dt.date.fromisoformat(value), "day"
    except ValueError:
        pass
    year, month = int(value[:4]), int(value[5:7])
    if 1 <= year < 9999 and 1 <= month <= 12:  # 9999 has no month end to widen to
        return dt.date(year, month, 1), "month"
    return (dt.date(year, 1, 1), "year") if 1 <= year < 9999 else (None, "")


def _widened(day: dt.date, precision: str, end: bool) -> dt.date:
    if precision == "month":
        return month_end(day) if end else day
    if precision == "year":
        return day.replace(month=12, day=31) if end else day
    return day


def _date(
    draft: Any, owner: str, about: str, published: str | None, grounder: Grounder, issues: list[ExtractionWarning]
) -> IncidentDate:
    """The incident's date, repaired where it is not a real date up to publication + 1 day."""
    text = own_words(grounder, draft.text)
    given = f"{draft.start}..{draft.end}"
    published_day = dt.date.fromisoformat(published) if published else None
    latest = published_day + dt.timedelta(days=1) if published_day else None
    (start, start_precision), (end, end_precision) = _calendar_date(draft.start), _calendar_date(draft.end)
    if start is not None and end is not None:
        start, end = _widened(start, start_precision, False), _widened(end, end_precision, True)
        if start > end:
            issues.append(
                warning(
                    WarningCode.DATE_REVERSED,
                    f"{owner}: date.start {start} is after date.end {end}; they were swapped",
                    about,
                )
            )
            start, end = end, start
        precision: DatePrecision = draft.precision
        if (start_precision, end_precision) != ("day", "day"):
            precision = "month" if "month" in (start_precision, end_precision) else "year"
            issues.append(
                warning(
                    WarningCode.DATE_NOT_CALENDAR,
                    f"{owner}: date {given} is not a real calendar date; read as {start}..{end}, precision {precision}",
                    about,
                )
            )
        if published_day is not None and latest is not None and end > latest and start <= published_day:
            issues.append(
                warning(
                    WarningCode.DATE_AFTER_PUBLICATION,
                    f"{owner}: date {start}..{end} ends after publication; cut at the publication date {published}",
                    about,
                )
            )
            end = published_day
        if latest is None or end <= latest:
            return IncidentDate(start=start.isoformat(), end=end.isoformat(), precision=precision, text=text)
        problem, code = f"is after the publication date {published} + 1 day", WarningCode.DATE_AFTER_PUBLICATION
    else:
        problem, code = "is not a real calendar date", WarningCode.DATE_NOT_CALENDAR
    # The model's date is unusable: its own words, resolved against publication, else a coarse window.
    words = resolve_expression(text, published_day) if text else None
    if words is not None and (latest is None or words.end <= latest):
        issues.append(
            warning(
                code,
                f'{owner}: date {given} {problem}; resolved from "{words.words}" as {words.start}..{words.end}',
                about,
            )
        )
        return IncidentDate(
            start=words.start.isoformat(), end=words.end.isoformat(), precision=words.precision, text=text
        )
    if published_day is not None:
        week = published_day - dt.timedelta(days=6)
        issues.append(
            warning(
                code,
                f"{owner}: date {given} {problem}; set to the week up to publication, {week}..{published_day}, precision week",
                about,
            )
        )
        return IncidentDate(start=week.isoformat(), end=published_day.isoformat(), precision="week", text=text)
    year = dt.date.today().year
    issues.append(
        warning(
            code,
            f"{owner}: date {given} {problem} and the article has no publication date; set to {year}, precision year",
            about,
        )
    )
    return IncidentDate(start=f"{year}-01-01", end=f"{year}-12-31", precision="year", text=text)


def assemble_incidents(
    draft: DraftIncidents, grounder: Grounder, published: str | None
) -> tuple[list[Incident], list[ExtractionWarning]]:
    """Incidents keyed by the model's own ids (renumbered later), and the issues met."""
    issues: list[ExtractionWarning] = []
    incidents: list[Incident] = []
    seen_ids: set[str] = set()
    for item in draft.incidents:
        owner = f"incident {item.id}"
        evidence = _spans(grounder, item.evidence, owner, item.id, issues)
        if not evidence:
            issues.append(
                warning(
                    WarningCode.INCIDENT_UNGROUNDED,
                    f"{owner}: none of its evidence is in the article; the incident was dropped",
                )
            )
            continue
        item_id = item.id
        if item_id in seen_ids:
            item_id = _free_id("I", seen_ids | {i.id for i in draft.incidents})
            issues.append(
                warning(
                    WarningCode.ID_REUSED, f"{owner}: the id is used twice; the second incident is {item_id}", item_id
                )
            )
        seen_ids.add(item_id)
        event_type = item.event_type
        if not belongs(event_type, item.sub_event_type):
            event_type = EVENT_TYPE_OF[item.sub_event_type]
            issues.append(
                warning(
                    WarningCode.EVENT_TYPE_MISMATCH,
                    f'{owner}: sub_event_type "{item.sub_event_type}" is not a kind of "{item.event_type}"; '
                    f'event_type was set to "{event_type}"',
                    item_id,
                )
            )
        date = _date(item.date, owner, item_id, published, grounder, issues)
        loc = item.location
        incidents.append(
            Incident(
                id=item_id,
                summary=getattr(item, "summary", None) or _summary_of(evidence),
                event_type=event_type,
                sub_event_type=item.sub_event_type,
                stage=item.stage,
                primary=item.primary,
                date=date,
                location=Location(
                    name=loc.name,
                    admin1=loc.admin1,
                    country=loc.country,
                    country_code=getattr(loc, "country_code", None) or UNKNOWN_COUNTRY,
                    precision=loc.precision,
                    text=own_words(grounder, loc.text),
                ),
                fatalities=_figures(item.fatalities, f"{owner} fatalities", item_id, grounder, issues),
                injured=_figures(item.injured, f"{owner} injured", item_id, grounder, issues),
                targets=list(item.targets),
                weapons=list(item.weapons),
                evidence=evidence,
            )
        )
    return incidents, issues


def assemble_actors(
    draft: DraftActorsAndAttributions, grounder: Grounder, incidents: list[Incident]
) -> tuple[Assembled, list[ExtractionWarning]]:
    """Actors and attributions checked against the text and the incidents kept."""
    # validators call this once per attempt, and only the target lists below are changed: copied
    # alone, not the whole incident (a deep copy was a tenth of the client's CPU per request)
    incidents = [i.model_copy(update={"target_actor_ids": list(i.target_actor_ids)}) for i in incidents]
    issues: list[ExtractionWarning] = []
    actors, same_as = _assembled_actors(draft, grounder, issues)
    _keep_known_backers(actors, same_as, issues)
    _add_targets(
        draft, incidents, {a.id for a in actors}, same_as, issues
    )  # first: no target is inferred a perpetrator
    attributions = _assembled_attributions(draft, grounder, incidents, actors, same_as, issues)
    return Assembled(incidents, actors, attributions), issues


def _assembled_actors(
    draft: DraftActorsAndAttributions, grounder: Grounder, issues: list[ExtractionWarning]
) -> tuple[list[Actor], dict[str, str]]:
    """The actors the article names, each once, with ids unique; and what each of the model's
    ids now means (`same_as`: a repeat's id -> the actor it was merged into, a renamed id -> its new id)."""
    actors: list[Actor] = []
    kept_as: dict[str, str] = {}  # the model's id -> the id of the actor kept under it (ids renamed)
    merged_as: dict[str, str] = {}  # the model's id of a repeat -> the actor it was merged into
    for item in draft.actors:
        owner = f"actor {item.id}"
        twin = next((a for a in actors if a.name.casefold() == item.name.casefold()), None)
        if twin is not None:
            issues.append(
                warning(
                    WarningCode.ACTOR_REPEATED,
                    f'{owner}: "{_short(item.name)}" is already listed as {twin.id}; list each actor once. '
                    f"The repeat was merged into {twin.id}",
                    twin.id,
                )
            )
            merged_as.setdefault(item.id, twin.id)
            twin.mentions += [
                m for m in item.mentions if m not in twin.mentions and m != twin.name and grounder.contains(m)
            ]
            continue
        evidence = _actor_evidence(item, grounder, owner, issues)
        unfound = [m for m in item.mentions if not grounder.contains(m)]
        if unfound:
            issues.append(
                warning(
                    WarningCode.MENTIONS_NOT_FOUND,
                    f"{owner}: mentions {unfound} are not in the article; they were removed",
                    item.id,
                )
            )
        mentions = [m for m in item.mentions if m not in unfound]
        if not evidence:
            evidence = _name_span(grounder, [item.name, *mentions])
        if not evidence:
            issues.append(
                warning(
                    WarningCode.ACTOR_NOT_NAMED,
                    f'{owner}: "{_short(item.name)}" is not named in the article; the actor was dropped',
                )
            )
            continue
        actor_id = item.id
        if any(a.id == actor_id for a in actors):
            actor_id = _free_id("A", {a.id for a in actors} | {i.id for i in draft.actors})
            issues.append(
                warning(
                    WarningCode.ID_REUSED, f"{owner}: the id is used twice; the second actor is {actor_id}", actor_id
                )
            )
        kept_as.setdefault(item.id, actor_id)
        actors.append(
            Actor(
                id=actor_id,
                name=item.name,
                mentions=mentions,
                kind=item.kind,
                country_code=item.country_code,
                backed_by=list(item.backed_by),
                evidence=evidence,
            )
        )
    return actors, {**merged_as, **kept_as}  # an id both repeated and kept means the actor kept under it


def _actor_evidence(item: DraftActor, grounder: Grounder, owner: str, issues: list[ExtractionWarning]) -> list[Span]:
    """The cited evidence that names the actor: a cited sentence narrowed to the words naming it,
    a quote kept only when it names it."""
    names = [item.name, *item.mentions]
    evidence = []
    by_number = any(isinstance(cited, int) for cited in item.evidence)
    for span in _spans(grounder, item.evidence, owner, item.id, issues):
        mention = _mention_in(grounder, span, names) if by_number else span
        if mention is not None and _names_any(mention.quote, names):
            evidence.append(mention)
        elif by_number:
            issues.append(
                warning(
                    WarningCode.ACTOR_EVIDENCE_UNNAMED,
                    f'{owner}: the sentence cited ("{_short(span.quote, 60)}") does not name "{_short(item.name, 40)}"; '
                    "cite a sentence that names the actor",
                    item.id,
                )
            )
        else:
            issues.append(
                warning(
                    WarningCode.ACTOR_EVIDENCE_UNNAMED,
                    f'{owner}: evidence "{_short(span.quote)}" does not name "{_short(item.name, 40)}"; quote words that name the actor',
                    item.id,
                )
            )
    return evidence


def _keep_known_backers(actors: list[Actor], same_as: dict[str, str], issues: list[ExtractionWarning]) -> None:
    """Each actor's backed_by: references followed to the actor kept, unknown ones removed."""
    actor_ids = {a.id for a in actors}
    for actor in actors:
        backers = [same_as.get(ref, ref) for ref in actor.backed_by]
        unknown = [ref for ref in backers if ref not in actor_ids or ref == actor.id]
        if unknown:
            issues.append(
                warning(
                    WarningCode.BACKER_UNKNOWN,
                    f"actor {actor.id}: backed_by names unknown actors {unknown}; they were removed",
                    actor.id,
                )
            )
        actor.backed_by = list(dict.fromkeys(ref for ref in backers if ref not in unknown))


def _assembled_attributions(
    draft: DraftActorsAndAttributions,
    grounder: Grounder,
    incidents: list[Incident],
    actors: list[Actor],
    same_as: dict[str, str],
    issues: list[ExtractionWarning],
) -> list[Attribution]:
    """The attributions with evidence in the article, each tied to a kept incident, its source and
    perpetrator listed actors (or null), a repeat merged into the first."""
    incident_ids = {i.id for i in incidents}
    actor_ids = {a.id for a in actors}
    attributions: list[Attribution] = []
    seen: dict[tuple, Attribution] = {}
    for number, item in enumerate(draft.attributions, start=1):
        owner = f"attribution {number} (incident {item.incident_id})"
        evidence = _spans(grounder, item.evidence, owner, item.incident_id, issues)
        if not evidence:
            issues.append(
                warning(WarningCode.ATTRIBUTION_UNGROUNDED, f"{owner}: none of its evidence is in the article; dropped")
            )
            continue
        incident_id = item.incident_id
        if not incidents:
            issues.append(
                warning(
                    WarningCode.ATTRIBUTION_WITHOUT_INCIDENT, f"{owner}: there is no incident to attribute; dropped"
                )
            )
            continue
        if incident_id not in incident_ids:
            incident_id = _nearest_incident(evidence, incidents)
            issues.append(
                warning(
                    WarningCode.ATTRIBUTION_INCIDENT_MOVED,
                    f"{owner}: incident_id {item.incident_id} is not one of {sorted(incident_ids)}; "
                    f"moved to {incident_id}, whose evidence is nearest",
                    incident_id,
                )
            )
        source = same_as.get(item.source_id, item.source_id) if item.source_id else None
        if source is not None and source not in actor_ids:
            issues.append(
                warning(
                    WarningCode.SOURCE_UNKNOWN,
                    f"{owner}: source_id {item.source_id} is not the id of a listed actor; set to null (the article's voice)",
                    incident_id,
                )
            )
            source = None
        perpetrator = same_as.get(item.perpetrator_id, item.perpetrator_id) if item.perpetrator_id else None
        perpetrator, kind = _checked_perpetrator(
            item, perpetrator, source, evidence, actors, incidents, owner, incident_id, issues
        )
        key = (incident_id, perpetrator, source, kind)
        if key in seen:
            first = seen[key]
            first.evidence += [span for span in evidence if span not in first.evidence]
            issues.append(
                warning(
                    WarningCode.ATTRIBUTION_REPEATED,
                    f"{owner}: repeats {first.id}; its evidence was merged into {first.id}",
                    first.id,
                )
            )
            continue
        attributions.append(
            Attribution(
                id=f"T{len(attributions) + 1}",
                incident_id=incident_id,
                perpetrator_id=perpetrator,
                source_id=source,
                kind=kind,
                hedged=item.hedged,
                evidence=evidence,
            )
        )
        seen[key] = attributions[-1]
    return attributions


def _checked_perpetrator(
    item: DraftAttribution,
    perpetrator: str | None,
    source: str | None,
    evidence: list[Span],
    actors: list[Actor],
    incidents: list[Incident],
    owner: str,
    incident_id: str,
    issues: list[ExtractionWarning],
) -> tuple[str | None, AttributionKind]:
    """(perpetrator, kind) of an attribution, repaired as the module's docstring says: kind
    "unknown" names no one; an unknown or null perpetrator becomes the source of a claim or
    denial, else the one listed actor its evidence names that may be one, else null with kind
    "unknown"."""
    kind = item.kind
    actor_ids = {a.id for a in actors}
    if kind == "unknown" and perpetrator is not None:
        issues.append(
            warning(
                WarningCode.PERPETRATOR_WITH_UNKNOWN_KIND,
                f'{owner}: kind "unknown" means no perpetrator is named; perpetrator_id was set to null',
                incident_id,
            )
        )
        return None, kind
    if perpetrator is not None and perpetrator in actor_ids:
        return perpetrator, kind
    if kind == "unknown":
        return None, kind
    what = "null" if item.perpetrator_id is None else f"{item.perpetrator_id}, not the id of a listed actor"
    if kind in ("claimed", "denied") and source is not None:
        issues.append(
            warning(
                WarningCode.PERPETRATOR_INFERRED,
                f"{owner}: perpetrator_id is {what}; set to {source}, who {kind} it",
                incident_id,
                source,
            )
        )
        return source, kind  # who claims or denies it speaks of itself
    targets = set(next((i.target_actor_ids for i in incidents if i.id == incident_id), []))
    named = [
        a.id
        for a in actors
        if a.kind not in NOT_PERPETRATORS
        and a.id != source
        and a.id not in targets
        and any(_names_any(s.quote, [a.name, *a.mentions]) for s in evidence)
    ]
    if len(named) == 1:
        issues.append(
            warning(
                WarningCode.PERPETRATOR_INFERRED,
                f"{owner}: perpetrator_id is {what}; set to {named[0]}, the one listed actor its evidence names",
                incident_id,
                named[0],
            )
        )
        return named[0], kind
    issues.append(
        warning(
            WarningCode.PERPETRATOR_NOT_FOUND,
            f"{owner}: perpetrator_id is {what} and its evidence names no single listed actor; "
            f'kind "{kind}" became "unknown"',
            incident_id,
        )
    )
    return None, "unknown"


def _add_targets(
    draft: DraftActorsAndAttributions,
    incidents: list[Incident],
    actor_ids: set[str],
    same_as: dict[str, str],
    issues: list[ExtractionWarning],
) -> None:
    """The draft's targets onto their incidents (`target_actor_ids`); one naming an unknown
    incident or actor is removed."""
    by_id = {i.id: i for i in incidents}
    for target in draft.targets:
        actor_id = same_as.get(target.actor_id, target.actor_id)
        if target.incident_id in by_id and actor_id in actor_ids:
            ids = by_id[target.incident_id].target_actor_ids
            if actor_id not in ids:
                ids.append(actor_id)
        else:
            issues.append(
                warning(
                    WarningCode.TARGET_UNKNOWN,
                    f"target ({target.incident_id}, {target.actor_id}) names an unknown incident or actor; removed",
                    target.incident_id,
                    actor_id,
                )
            )


def _free_id(prefix: str, used: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"


def _nearest_incident(evidence: list[Span], incidents: list[Incident]) -> str:
    """The incident whose evidence lies nearest (in characters) to `evidence`; overlap is distance 0."""

    def distance(incident: Incident) -> int:
        return min(max(0, a.start - b.end, b.start - a.end) for a in evidence for b in incident.evidence)

    return min(incidents, key=distance).id


def _names_any(text: str, names: list[str]) -> bool:
    """Whether `text` contains one of `names`, folding case, quotes, dashes and spacing."""
    folded = normalise(text)[0]
    return any(len(name.strip()) >= 2 and normalise(name)[0] in folded for name in names)


def _mention_in(grounder: Grounder, sentence: Span, names: list[str]) -> Span | None:
    """The actor's first mention inside a cited sentence, by any of its names: actor evidence
    cited by sentence is narrowed to the words that name the actor."""
    hits = [hit for name in names if (hit := grounder.find_within(name, sentence.start, sentence.end))]
    return _span(grounder, min(hits, key=lambda h: (h.start, -h.end))) if hits else None


def _name_span(grounder: Grounder, names: list[str]) -> list[Span]:
    """The first place the article names the actor: verbatim, else folding case and spacing (a
    name broken across a wrapped line, an upper-case wire text); never a fuzzy guess."""
    for name in names:
        hit = grounder.align(name) if len(name.strip()) >= 2 else None
        if hit is not None and hit.method in ("exact", "normalised"):
            return [_span(grounder, hit)]
    return []


def renumbering(result: Assembled) -> dict[str, str]:
    """The ids `renumber` gives: each record's id now -> its id in the contract's order."""
    return {
        **{i.id: f"I{n}" for n, i in enumerate(result.incidents, start=1)},
        **{a.id: f"A{n}" for n, a in enumerate(result.actors, start=1)},
        **{t.id: f"T{n}" for n, t in enumerate(result.attributions, start=1)},
    }


def renumber(result: Assembled) -> Assembled:
    """Ids as the contract wants them, I1.., A1.., T1.., in order, references remapped."""
    incident_map = {i.id: f"I{n}" for n, i in enumerate(result.incidents, start=1)}
    actor_map = {a.id: f"A{n}" for n, a in enumerate(result.actors, start=1)}
    incidents = [
        i.model_copy(update={"id": incident_map[i.id], "target_actor_ids": [actor_map[a] for a in i.target_actor_ids]})
        for i in result.incidents
    ]
    actors = [
        a.model_copy(update={"id": actor_map[a.id], "backed_by": [actor_map[b] for b in a.backed_by]})
        for a in result.actors
    ]
    attributions = [
        t.model_copy(
            update={
                "id": f"T{n}",
                "incident_id": incident_map[t.incident_id],
                "perpetrator_id": actor_map.get(t.perpetrator_id) if t.perpetrator_id else None,
                "source_id": actor_map.get(t.source_id) if t.source_id else None,
            }
        )
        for n, t in enumerate(result.attributions, start=1)
    ]
    return Assembled(incidents, actors, attributions)


class CheckedIncidents(DraftIncidents):
    """DraftIncidents that fail validation, and so are re-asked, while any check finds an issue."""

    @model_validator(mode="after")
    def _checks(self, info: ValidationInfo) -> CheckedIncidents:
        context = info.context or {}
        if "grounder" in context:
            _, issues = assemble_incidents(self, context["grounder"], context.get("published"))
            if issues:
                raise ValueError("\n".join(issue.message for issue in issues))
        return self


class CheckedActors(DraftActorsAndAttributions):
    @model_validator(mode="after")
    def _checks(self, info: ValidationInfo) -> CheckedActors:
        context = info.context or {}
        if "grounder" in context:
            _, issues = assemble_actors(self, context["grounder"], context.get("incidents", []))
            if issues:
                raise ValueError("\n".join(issue.message for issue in issues))
        return self
