"""Drafts in, contract records out: grounding and checks, pure logic.

`assemble_incidents` and `assemble_actors` locate every quote (via `extractor.ground`), check
the rules below, repair what can be repaired without guessing and drop what cannot, and return
the issues they met. The same functions serve twice:
  * during the call, `CheckedIncidents` / `CheckedActors` run them as validators: any issue makes
    instructor re-ask, with the issues as the message, so the model is told exactly which quote or
    field was wrong;
  * after the last attempt, the pipeline runs them on the last draft and keeps the issues as
    warnings: nothing ungrounded is ever emitted.

Rules: every evidence quote is found in the article (else the quote is dropped; an incident or
attribution left without evidence is dropped; an actor falls back to its name); an actor's
evidence names it, and its mentions occur in the article; a null perpetrator goes only with kind
"unknown"; sub_event_type
belongs to event_type (else event_type is set from the sub-event type); date.start <= date.end
<= publication + 1 day (a reversed range is swapped; a date after publication drops the
incident); low <= best <= high and every casualty number is stated in the article, as digits or
words, 0 only where it says nobody (else the figures are cleared); every referenced id exists
(else the reference, or an attribution that depends on it, is dropped). The free-text `text`
fields of dates, places and figures become the article's own words where they can be found, and
null where they cannot.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationInfo, model_validator

from extractor.draft import DraftActorsAndAttributions, DraftFigures, DraftIncidents
from extractor.ground import Grounder, normalise
from extractor.schema import Actor, Attribution, Figures, Incident, IncidentDate, Location, Span
from extractor.taxonomy import EVENT_TYPE_OF, belongs


# Warnings about a quote the grounder could not find contain this phrase; `extractor eval` counts them.
QUOTE_NOT_FOUND = "is not in the article"


@dataclass
class Assembled:
    incidents: list[Incident]
    actors: list[Actor]
    attributions: list[Attribution]


def _spans(grounder: Grounder, quotes: list[str], owner: str, issues: list[str]) -> list[Span]:
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()
    for quote in quotes:
        hit = grounder.align(quote)
        if hit is None:
            issues.append(f'{owner}: evidence "{_short(quote)}" {QUOTE_NOT_FOUND}; copy a passage word for word')
            continue
        if (hit.start, hit.end) in seen:
            continue
        seen.add((hit.start, hit.end))
        spans.append(Span(quote=grounder.raw[hit.start : hit.end], start=hit.start, end=hit.end, alignment=hit.alignment))
    return spans


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NUMBER_WORDS = {
    1: "one|a single", 2: "two|a couple", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
    9: "nine", 10: "ten", 11: "eleven", 12: "twelve|a dozen|dozen", 13: "thirteen", 14: "fourteen",
    15: "fifteen", 16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty",
}
_NOBODY = re.compile(
    r"\b(?:no ?one|nobody|none|zero|no (?:deaths|dead|casualties|injuries|fatalities|one)|without (?:casualties|injuries))\b", re.I
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


def _figures(draft: DraftFigures | None, owner: str, grounder: Grounder, issues: list[str]) -> Figures:
    if draft is None:
        return Figures()
    text = own_words(grounder, draft.text)
    given = [v for v in (draft.low, draft.best, draft.high) if v is not None]
    if given != sorted(given):
        issues.append(f"{owner}: low <= best <= high does not hold for {draft.low}/{draft.best}/{draft.high}; the figures were cleared")
        return Figures(text=text)
    unstated = sorted({v for v in given if not stated(v, grounder.text)})
    if unstated:
        issues.append(f"{owner}: the article does not state {unstated}; use null when a figure is not reported. The figures were cleared")
        return Figures(text=text)
    return Figures(low=draft.low, best=draft.best, high=draft.high, text=text)


def _date(draft: Any, owner: str, published: str | None, grounder: Grounder, issues: list[str]) -> IncidentDate | None:
    try:
        start, end = dt.date.fromisoformat(draft.start), dt.date.fromisoformat(draft.end)
    except ValueError:
        issues.append(f"{owner}: date {draft.start}..{draft.end} is not a real calendar date; the incident was dropped")
        return None
    if start > end:
        issues.append(f"{owner}: date.start {start} is after date.end {end}; they were swapped")
        start, end = end, start
    if published:
        latest = dt.date.fromisoformat(published) + dt.timedelta(days=1)
        if end > latest:
            issues.append(f"{owner}: date.end {end} is after the publication date {published} + 1 day; the incident was dropped")
            return None
    return IncidentDate(start=start.isoformat(), end=end.isoformat(), precision=draft.precision, text=own_words(grounder, draft.text))


def assemble_incidents(draft: DraftIncidents, grounder: Grounder, published: str | None) -> tuple[list[Incident], list[str]]:
    """Incidents keyed by the model's own ids (renumbered later), and the issues met."""
    issues: list[str] = []
    incidents: list[Incident] = []
    seen_ids: set[str] = set()
    for item in draft.incidents:
        owner = f"incident {item.id}"
        if item.id in seen_ids:
            issues.append(f"{owner}: the id is used twice; the second incident was dropped")
            continue
        seen_ids.add(item.id)
        evidence = _spans(grounder, item.evidence, owner, issues)
        if not evidence:
            issues.append(f"{owner}: none of its evidence is in the article; the incident was dropped")
            continue
        event_type = item.event_type
        if not belongs(event_type, item.sub_event_type):
            event_type = EVENT_TYPE_OF[item.sub_event_type]
            issues.append(
                f'{owner}: sub_event_type "{item.sub_event_type}" is not a kind of "{item.event_type}"; '
                f'event_type was set to "{event_type}"'
            )
        date = _date(item.date, owner, published, grounder, issues)
        if date is None:
            continue
        loc = item.location
        incidents.append(
            Incident(
                id=item.id,
                summary=item.summary,
                event_type=event_type,
                sub_event_type=item.sub_event_type,
                stage=item.stage,
                primary=item.primary,
                date=date,
                location=Location(
                    name=loc.name, admin1=loc.admin1, country=loc.country,
                    country_code=loc.country_code, precision=loc.precision, text=own_words(grounder, loc.text),
                ),
                fatalities=_figures(item.fatalities, f"{owner} fatalities", grounder, issues),
                injured=_figures(item.injured, f"{owner} injured", grounder, issues),
                targets=list(item.targets),
                weapons=list(item.weapons),
                evidence=evidence,
            )
        )
    return incidents, issues


def assemble_actors(
    draft: DraftActorsAndAttributions, grounder: Grounder, incidents: list[Incident]
) -> tuple[Assembled, list[str]]:
    """Actors and attributions checked against the text and the incidents kept."""
    incidents = [i.model_copy(deep=True) for i in incidents]  # validators call this once per attempt
    issues: list[str] = []
    actors: list[Actor] = []
    for item in draft.actors:
        owner = f"actor {item.id}"
        if any(a.id == item.id for a in actors):
            issues.append(f"{owner}: the id is used twice; the second actor was dropped")
            continue
        twin = next((a for a in actors if a.name.casefold() == item.name.casefold()), None)
        if twin is not None:
            issues.append(f'{owner}: "{_short(item.name)}" is already listed as {twin.id}; list each actor once. The repeat was dropped')
            continue
        names = [item.name, *item.mentions]
        evidence = []
        for span in _spans(grounder, item.evidence, owner, issues):
            if _names_any(span.quote, names):
                evidence.append(span)
            else:
                issues.append(f'{owner}: evidence "{_short(span.quote)}" does not name "{_short(item.name, 40)}"; quote words that name the actor')
        unfound = [m for m in item.mentions if not grounder.contains(m)]
        if unfound:
            issues.append(f"{owner}: mentions {unfound} are not in the article; they were removed")
        mentions = [m for m in item.mentions if m not in unfound]
        if not evidence:
            evidence = _name_span(grounder, [item.name, *mentions])
        if not evidence:
            issues.append(f'{owner}: "{_short(item.name)}" is not named in the article; the actor was dropped')
            continue
        actors.append(
            Actor(id=item.id, name=item.name, mentions=mentions, kind=item.kind,
                  country_code=item.country_code, backed_by=list(item.backed_by), evidence=evidence)
        )
    actor_ids = {a.id for a in actors}
    for actor in actors:
        unknown = [ref for ref in actor.backed_by if ref not in actor_ids or ref == actor.id]
        if unknown:
            issues.append(f"actor {actor.id}: backed_by names unknown actors {unknown}; they were removed")
            actor.backed_by = [ref for ref in actor.backed_by if ref not in unknown]

    incident_ids = {i.id for i in incidents}
    attributions: list[Attribution] = []
    for number, item in enumerate(draft.attributions, start=1):
        owner = f"attribution {number} (incident {item.incident_id})"
        if item.incident_id not in incident_ids:
            issues.append(f"{owner}: incident_id {item.incident_id} is not one of {sorted(incident_ids)}; dropped")
            continue
        bad_refs = [ref for ref in (item.perpetrator_id, item.source_id) if ref is not None and ref not in actor_ids]
        if bad_refs:
            issues.append(f"{owner}: {bad_refs} are not ids of listed actors; dropped")
            continue
        perpetrator = item.perpetrator_id
        if perpetrator is None and item.kind != "unknown":
            issues.append(f'{owner}: perpetrator_id is null, so kind must be "unknown", not "{item.kind}"; dropped')
            continue
        if item.kind == "unknown" and perpetrator is not None:
            issues.append(f'{owner}: kind "unknown" means no perpetrator is named; perpetrator_id was set to null')
            perpetrator = None
        evidence = _spans(grounder, item.evidence, owner, issues)
        if not evidence:
            issues.append(f"{owner}: none of its evidence is in the article; dropped")
            continue
        attributions.append(
            Attribution(id=f"T{len(attributions) + 1}", incident_id=item.incident_id, perpetrator_id=perpetrator,
                        source_id=item.source_id, kind=item.kind, hedged=item.hedged, evidence=evidence)
        )

    by_id = {i.id: i for i in incidents}
    for target in draft.targets:
        if target.incident_id in by_id and target.actor_id in actor_ids:
            ids = by_id[target.incident_id].target_actor_ids
            if target.actor_id not in ids:
                ids.append(target.actor_id)
        else:
            issues.append(f"target ({target.incident_id}, {target.actor_id}) names an unknown incident or actor; dropped")
    return Assembled(incidents, actors, attributions), issues


def _names_any(text: str, names: list[str]) -> bool:
    """Whether `text` contains one of `names`, folding case, quotes, dashes and spacing."""
    folded = normalise(text)[0]
    return any(len(name.strip()) >= 2 and normalise(name)[0] in folded for name in names)


def _name_span(grounder: Grounder, names: list[str]) -> list[Span]:
    for name in names:
        start = grounder.text.find(name) if len(name) >= 2 else -1
        if start >= 0:
            return [Span(quote=name, start=start, end=start + len(name), alignment="exact")]
    return []


def renumber(result: Assembled) -> Assembled:
    """Ids as the contract wants them, I1.., A1.., T1.., in order, references remapped."""
    incident_map = {i.id: f"I{n}" for n, i in enumerate(result.incidents, start=1)}
    actor_map = {a.id: f"A{n}" for n, a in enumerate(result.actors, start=1)}
    incidents = [
        i.model_copy(update={"id": incident_map[i.id], "target_actor_ids": [actor_map[a] for a in i.target_actor_ids]})
        for i in result.incidents
    ]
    actors = [a.model_copy(update={"id": actor_map[a.id], "backed_by": [actor_map[b] for b in a.backed_by]}) for a in result.actors]
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
                raise ValueError("\n".join(issues))
        return self


class CheckedActors(DraftActorsAndAttributions):
    @model_validator(mode="after")
    def _checks(self, info: ValidationInfo) -> CheckedActors:
        context = info.context or {}
        if "grounder" in context:
            _, issues = assemble_actors(self, context["grounder"], context.get("incidents", []))
            if issues:
                raise ValueError("\n".join(issues))
        return self
