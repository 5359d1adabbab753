"""Long articles in windows: which sentences each call shows, and one record set from all of them.

An article longer than the window budget (`Settings.window_chars`) is shown to the model in
windows of whole sentences, each overlapping the previous one by a few sentences so that an event
told across a window edge is seen whole at least once. Sentence numbers and offsets are the
article's own in every window, so evidence needs no shifting; the windows' records are merged:
  * incidents whose evidence overlaps (the same sentence cited from two windows) are one, the
    first keeping its fields and taking the other's evidence, targets and weapons;
  * actors with the same name, or a name one lists as the other's mention, are one;
  * attributions follow the incidents and actors they point at; those that then repeat one
    another give their evidence to the first.
Pure logic: no I/O, no model.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractor.articles.sentences import Sentence
from extractor.flow.assemble import Assembled
from extractor.schema import Actor, Attribution, ExtractionWarning, Incident, Span, warning
from extractor.taxonomy import WarningCode

OVERLAP_SENTENCES = 3


def windows_of(sentences: Sequence[Sentence], budget: int, overlap: int = OVERLAP_SENTENCES) -> list[list[Sentence]]:
    """Consecutive runs of sentences whose shown text fits `budget` characters, each starting
    `overlap` sentences before the previous one ended (fewer if the window would hold nothing
    new). One window holds the whole article when it fits; a single sentence longer than the
    budget cannot occur (sentences are cut at 600 characters)."""
    windows: list[list[Sentence]] = []
    start = 0
    while start < len(sentences):
        size, end = 0, start
        while end < len(sentences) and (end == start or size + len(sentences[end].shown) + 8 <= budget):
            size += len(sentences[end].shown) + 8  # "[123] " and the line break
            end += 1
        windows.append(list(sentences[start:end]))
        if end >= len(sentences):
            break
        start = max(start + 1, end - overlap)
    return windows


def _overlaps(a: list[Span], b: list[Span]) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a for y in b)


def _names(actor: Actor) -> set[str]:
    return {n.casefold() for n in (actor.name, *actor.mentions)}


def merge_windows(parts: Sequence[Assembled]) -> tuple[Assembled, list[ExtractionWarning], list[dict[str, str]]]:
    """The records of all windows as one set, ids unique (I1.., A1.., T1.. in order of first
    appearance), with a note for every merge, and for each part the ids its records now have."""
    notes: list[ExtractionWarning] = []
    renames: list[dict[str, str]] = []
    incidents: list[Incident] = []
    actors: list[Actor] = []
    attributions: list[Attribution] = []
    for number, part in enumerate(parts, start=1):
        incident_as: dict[str, str] = {}
        for incident in part.incidents:
            twin = next((i for i in incidents if _overlaps(i.evidence, incident.evidence)), None)
            if twin is not None:
                twin.evidence += [s for s in incident.evidence if s not in twin.evidence]
                twin.targets += [t for t in incident.targets if t not in twin.targets]
                twin.weapons += [w for w in incident.weapons if w not in twin.weapons]
                incident_as[incident.id] = twin.id
                notes.append(
                    warning(
                        WarningCode.WINDOW_MERGED,
                        f"window {number}: incident {incident.id} cites sentences of {twin.id} from an earlier window; merged into it",
                        twin.id,
                    )
                )
                continue
            kept = incident.model_copy(deep=True, update={"id": f"I{len(incidents) + 1}", "target_actor_ids": []})
            incidents.append(kept)
            incident_as[incident.id] = kept.id
        actor_as: dict[str, str] = {}
        for actor in part.actors:
            twin = next((a for a in actors if _names(a) & _names(actor)), None)
            if twin is not None:
                twin.mentions += [m for m in (actor.name, *actor.mentions) if m.casefold() not in _names(twin)]
                twin.evidence += [s for s in actor.evidence if s not in twin.evidence]
                actor_as[actor.id] = twin.id
                continue
            kept = actor.model_copy(deep=True, update={"id": f"A{len(actors) + 1}", "backed_by": []})
            actors.append(kept)
            actor_as[actor.id] = kept.id
        by_id = {a.id: a for a in actors}
        for actor in part.actors:  # backers named in this window, under their merged ids
            merged = by_id[actor_as[actor.id]]
            for backer in (actor_as[b] for b in actor.backed_by if b in actor_as):
                if backer != merged.id and backer not in merged.backed_by:
                    merged.backed_by.append(backer)
        for incident in part.incidents:
            merged_incident = next(i for i in incidents if i.id == incident_as[incident.id])
            for target in incident.target_actor_ids:
                if target in actor_as and actor_as[target] not in merged_incident.target_actor_ids:
                    merged_incident.target_actor_ids.append(actor_as[target])
        attribution_as: dict[str, str] = {}
        for attribution in part.attributions:
            moved = attribution.model_copy(
                deep=True,
                update={
                    "incident_id": incident_as[attribution.incident_id],
                    "perpetrator_id": actor_as.get(attribution.perpetrator_id) if attribution.perpetrator_id else None,
                    "source_id": actor_as.get(attribution.source_id) if attribution.source_id else None,
                },
            )
            key = (moved.incident_id, moved.perpetrator_id, moved.source_id, moved.kind)
            twin = next(
                (t for t in attributions if (t.incident_id, t.perpetrator_id, t.source_id, t.kind) == key), None
            )
            if twin is not None:
                twin.evidence += [s for s in moved.evidence if s not in twin.evidence]
                attribution_as[attribution.id] = twin.id
                continue
            attributions.append(moved.model_copy(update={"id": f"T{len(attributions) + 1}"}))
            attribution_as[attribution.id] = attributions[-1].id
        renames.append({**incident_as, **actor_as, **attribution_as})
    # In order of appearance: a window's last incident may come after the next window's first.
    incidents.sort(key=lambda i: min(s.start for s in i.evidence))
    attributions.sort(key=lambda t: [i.id for i in incidents].index(t.incident_id))
    return Assembled(incidents, actors, attributions), notes, renames
