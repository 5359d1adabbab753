"""Exporting extraction documents: JSONL, an ACLED-style CSV, and GeoJSON.

Every exporter takes an iterable of `ArticleExtraction` documents and a text stream, writes as it
reads (a run can hold a million articles: nothing is collected first) and returns the number of
items it wrote: documents for JSONL, rows (incidents) for CSV, features for GeoJSON. The module
reads nothing and opens nothing; where the documents come from (a run store, result files) is
the caller's business.

    jsonl    one document per line, exactly as the contract serialises it (lossless).
    csv      one row per incident, in ACLED's column names and conventions (below), plus one
             extra column at the end, `extractor_id`, that traces the row back to its record.
    geojson  a FeatureCollection of the incidents that have both a latitude and a longitude;
             each feature is a Point [longitude, latitude] (RFC 7946 order) whose properties
             are the CSV row. Written incrementally: header, features joined by commas, footer.

CSV: pass a stream opened with ``newline=""`` (as the csv module asks); rows end in "\\n" and
fields holding commas, quotes or line breaks are quoted (csv.QUOTE_MINIMAL), so notes keep their
text exactly.

The ACLED mapping (`acled_row`)
-------------------------------
Conventions follow ACLED's codebook (acleddata.com, "ACLED Codebook", knowledge base). A blank
cell (None in the dict, "" in the CSV, null in GeoJSON) means the extraction does not say.

event_date      YYYY-MM-DD, one day, as ACLED records every event on a single day.
                A single day (start == end): that day. A range: its middle day
                (start + (end - start) // 2), as ACLED codes "sometime last week" on the middle
                of the week and "in January" on the month's midpoint; except that a range
                of time precision 3 lying inside one month and touching only its first (or
                only its last) day is coded on that first (or last) day, as ACLED does when the
                source says "early" (or "late") in the month.
time_precision  1 = the actual day; 2 = a week or a similar short period; 3 = a month. It is the
                coarser of the date's own precision (day 1, week 2, month 3, year 3) and what
                its range spans (one day 1, 2 to 8 days 2, more 3), so a "day" range of two
                candidate days is 2. ACLED does not record events known only to the year; they
                are exported with 3 (and the range's middle day) rather than dropped; the JSONL
                keeps the full range.
event_type,     the incident's, unchanged: the contract already uses ACLED's exact strings.
sub_event_type
actor1          the perpetrator of the incident's strongest attribution. Strength: reported >
                claimed > alleged; denied and unknown attributions never name actor1; ties go
                to an unhedged attribution over a hedged one, then to the earlier attribution
                in the document. With no such attribution: "Unidentified Armed Group
                (<location.country>)", ACLED's name for an unidentified perpetrator. Actors are
                written by their name in the article (`name`), except the kinds ACLED names
                by a generic category plus the event's country: unidentified_armed_group ->
                "Unidentified Armed Group (<country>)", civilians -> "Civilians (<country>)",
                protesters -> "Protesters (<country>)", rioters -> "Rioters (<country>)".
                (Canonical actor names, e.g. "Military Forces of Syria (2000-)", are not
                attempted here.)
assoc_actor_1   the actors that back actor1 (its `backed_by`), then any other perpetrator
                named by an attribution as strong as the winning one when that one is an
                unhedged "reported" attribution (co-perpetrators stated as fact); joined with
                "; " as ACLED does, without duplicates or actor1 itself. Conflicting accounts
                (a second claim, another accusation) are not joined: they go to notes.
actor2          ACLED's other main actor; for Violence against civilians always the target.
                Here: the incident's first target actor (`target_actor_ids`) that is not
                actor1. With no target actor: "Civilians (<country>)" for Violence against
                civilians (its target is civilians by definition), else blank (a one-sided
                event, which ACLED allows). The `targets` words ("vehicles", "a base") are not
                actors; they stay in the JSONL.
assoc_actor_2   the incident's other target actors, joined with "; ".
country         location.country.
admin1          location.admin1 (blank when unknown).
location        location.name.
latitude,       location.latitude / location.longitude rounded to 4 decimals as ACLED
longitude       publishes them; blank when the extraction has none.
geo_precision   1 = the named place itself (place); 2 = near a place or part of a region
                (near); 3 = a larger region (region). ACLED does not record events located only
                to a country; those (country) are exported with 3, its coarsest code.
source          ACLED's sources, joined with "; ": the article's outlet (`article.source`, else
                the host of `article.url`, else the article id), then the media and monitors
                the article relays for this incident (source actors of kind media or monitor
                in its attributions), in order, without duplicates.
notes           the incident summary, then one short sentence per attribution of the incident,
                in order and without repeats ("According to Tasnim, pro-Iranian groups
                allegedly carried it out."), at most five, then "Stage: attempted." or "Stage:
                threatened." when the incident did not happen as such.
fatalities      the lowest reported figure (fatalities.low, else best, else high), as ACLED
                codes the most conservative of conflicting reports; 0 when not reported, as
                ACLED records "no information" as 0. (The "several" -> 3, "dozens" -> 12
                conventions are the extraction's business, not the exporter's.)
extractor_id    NOT an ACLED column: "<article id>:<incident id>", stable and unique within a
                run, so every row traces back to its record (ACLED's own event_id_cnty is
                theirs to assign).
status          NOT an ACLED column: what an analyst said of the incident in `extractor review
                --serve`: accepted, fixed (its values are the analyst's), rejected, added (the
                analyst's own) or unverified (no verdict yet; every row of unreviewed results).
actor1_confidence NOT an ACLED column: the confidence of the attribution that names actor1 (the
                model's probability of its answer, 0..1), empty when the server gave none or no
                attribution names actor1.

Reviewed documents
------------------
Every exporter takes documents alone or paired with their records' statuses (record id ->
status, `extractor.runs.reviewed.reviewed_documents`); a record missing from the statuses is
unverified. Which records a reviewed document still holds is the caller's choice (`--verified`).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

from extractor.schema import Actor, ArticleExtraction, Attribution, Incident, IncidentDate

ACLED_COLUMNS: tuple[str, ...] = (
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
EXTRA_COLUMNS: tuple[str, ...] = ("extractor_id", "status", "actor1_confidence")  # ours, not ACLED's
CSV_COLUMNS: tuple[str, ...] = ACLED_COLUMNS + EXTRA_COLUMNS

SEPARATOR = "; "  # ACLED's separator inside assoc_actor_* and source
MAX_NOTE_ATTRIBUTIONS = 5

# Attribution strength for actor1: higher wins; denied and unknown never name actor1.
STRENGTH = {"reported": 3, "claimed": 2, "alleged": 1}
TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}
GEO_PRECISION = {"place": 1, "near": 2, "region": 3, "country": 3}
# Actor kinds ACLED names by a generic category and the event's country.
GENERIC_ACTOR = {
    "unidentified_armed_group": "Unidentified Armed Group",
    "civilians": "Civilians",
    "protesters": "Protesters",
    "rioters": "Rioters",
}
RELAYED_SOURCE_KINDS = ("media", "monitor")


# --- naming conventions (to be reconciled with the actor registry) -------------------------


def generic_actor(category: str, country: str) -> str:
    """ACLED's name for a generic actor in a country: "Unidentified Armed Group (Syria)"."""
    country = country.strip()
    return f"{category} ({country})" if country else category


def unidentified_armed_group(country: str) -> str:
    return generic_actor(GENERIC_ACTOR["unidentified_armed_group"], country)


def acled_actor_name(actor: Actor, country: str) -> str:
    """The actor's name as an ACLED column shows it: generic kinds by category and country."""
    category = GENERIC_ACTOR.get(actor.kind)
    return generic_actor(category, country) if category else actor.name


# --- the mapping ---------------------------------------------------------------------------


def acled_date(date: IncidentDate) -> tuple[str, int]:
    """(event_date, time_precision) for an incident's date; see the module docstring."""
    start, end = dt.date.fromisoformat(date.start), dt.date.fromisoformat(date.end)
    span = (end - start).days
    by_span = 1 if span == 0 else 2 if span <= 7 else 3
    precision = max(TIME_PRECISION[date.precision], by_span)
    day = start + dt.timedelta(days=span // 2)
    if precision == 3 and span > 0 and (start.year, start.month) == (end.year, end.month):
        month_end = calendar.monthrange(end.year, end.month)[1]
        first, last = start.day == 1, end.day == month_end
        if first and not last:
            day = start
        elif last and not first:
            day = end
    return day.isoformat(), precision


def strongest_attribution(attributions: Iterable[Attribution]) -> Attribution | None:
    """The attribution that names actor1: reported > claimed > alleged, unhedged before hedged,
    then document order. Denied, unknown and perpetrator-less attributions never qualify."""
    best: Attribution | None = None
    best_key: tuple[int, int] | None = None
    for t in attributions:
        if t.perpetrator_id is None or t.kind not in STRENGTH:
            continue
        key = (STRENGTH[t.kind], 0 if t.hedged else 1)
        if best_key is None or key > best_key:  # strictly greater: earlier wins a tie
            best, best_key = t, key
    return best


def fatalities_figure(incident: Incident) -> int:
    """The lowest reported fatality figure, 0 when none is reported (ACLED's conventions)."""
    f = incident.fatalities
    given = [v for v in (f.low, f.best, f.high) if v is not None]
    return min(given) if given else 0


def _join(names: Iterable[str], exclude: Iterable[str] = ()) -> str | None:
    seen = set(exclude)
    kept = []
    for name in names:
        if name and name not in seen:
            seen.add(name)
            kept.append(name)
    return SEPARATOR.join(kept) or None


def _outlet(doc: ArticleExtraction) -> str:
    meta = doc.article
    if meta.source and meta.source.strip():
        return meta.source.strip()
    if meta.url:
        host = urlsplit(meta.url).hostname or ""
        host = host.removeprefix("www.")
        if host:
            return host
    return meta.id


def _statement(t: Attribution, actors: dict[str, Actor]) -> str:
    """One short sentence for an attribution, for the notes column."""
    perpetrator = actors[t.perpetrator_id].name if t.perpetrator_id in actors else None
    source = actors[t.source_id].name if t.source_id in actors else None
    if t.kind == "unknown" or perpetrator is None:
        if t.kind == "denied":
            clause = "responsibility was denied"
        else:
            clause = "the perpetrator is not known"
    elif t.kind == "reported":
        clause = f"{perpetrator} {'apparently carried' if t.hedged else 'carried'} it out"
    elif t.kind == "claimed":
        clause = f"{perpetrator} {'apparently claimed' if t.hedged else 'claimed'} responsibility"
    elif t.kind == "alleged":
        clause = f"{perpetrator} allegedly carried it out"
    else:  # denied
        clause = f"{perpetrator} denied responsibility"
    self_sourced = t.source_id is not None and t.source_id == t.perpetrator_id
    if source and not self_sourced:
        return f"According to {source}, {clause}."
    return clause[0].upper() + clause[1:] + "."


def _notes(incident: Incident, attributions: list[Attribution], actors: dict[str, Actor]) -> str:
    parts = [incident.summary.strip()]
    statements: list[str] = []
    for t in attributions:
        sentence = _statement(t, actors)
        if sentence not in statements:
            statements.append(sentence)
    parts += statements[:MAX_NOTE_ATTRIBUTIONS]
    if len(statements) > MAX_NOTE_ATTRIBUTIONS:
        parts.append(f"({len(statements) - MAX_NOTE_ATTRIBUTIONS} more accounts in the record.)")
    if incident.stage != "accomplished":
        parts.append(f"Stage: {incident.stage}.")
    return " ".join(p for p in parts if p)


def acled_row(doc: ArticleExtraction, incident: Incident, status: str = "unverified") -> dict[str, Any]:
    """The ACLED-style row for one incident of `doc`: keys are `CSV_COLUMNS`, in order.

    Pure: reads only `doc` and `incident`. Missing values are None. The mapping of every
    column is documented in this module's docstring."""
    actors = {a.id: a for a in doc.actors}
    loc = incident.location
    country = loc.country
    attributions = [t for t in doc.attributions if t.incident_id == incident.id]

    winner = strongest_attribution(attributions)
    actor1_id = winner.perpetrator_id if winner is not None else None
    if winner is not None and actor1_id is not None and actor1_id in actors:
        first = actors[actor1_id]
        actor1 = acled_actor_name(first, country)
        associates = [acled_actor_name(actors[b], country) for b in first.backed_by if b in actors]
        if winner.kind == "reported" and not winner.hedged:
            associates += [
                acled_actor_name(actors[t.perpetrator_id], country)
                for t in attributions
                if t.kind == "reported" and not t.hedged and t.perpetrator_id in actors
            ]
        assoc_actor_1 = _join(associates, exclude=[actor1])
    else:
        actor1 = unidentified_armed_group(country)
        assoc_actor_1 = None

    targets = [
        acled_actor_name(actors[a], country) for a in incident.target_actor_ids if a in actors and a != actor1_id
    ]
    targets = [name for name in targets if name != actor1]
    if targets:
        actor2: str | None = targets[0]
        assoc_actor_2 = _join(targets[1:], exclude=[targets[0]])
    else:
        actor2 = (
            generic_actor(GENERIC_ACTOR["civilians"], country)
            if incident.event_type == "Violence against civilians"
            else None
        )
        assoc_actor_2 = None

    relayed = [
        actors[t.source_id].name
        for t in attributions
        if t.source_id in actors and actors[t.source_id].kind in RELAYED_SOURCE_KINDS
    ]
    event_date, time_precision = acled_date(incident.date)

    return {
        "event_date": event_date,
        "time_precision": time_precision,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "actor1": actor1,
        "assoc_actor_1": assoc_actor_1,
        "actor2": actor2,
        "assoc_actor_2": assoc_actor_2,
        "country": country,
        "admin1": loc.admin1,
        "location": loc.name,
        "latitude": None if loc.latitude is None else round(loc.latitude, 4),
        "longitude": None if loc.longitude is None else round(loc.longitude, 4),
        "geo_precision": GEO_PRECISION[loc.precision],
        "source": _join([_outlet(doc), *relayed]),
        "notes": _notes(incident, attributions, actors),
        "fatalities": fatalities_figure(incident),
        "extractor_id": f"{doc.article.id}:{incident.id}",
        "status": status,
        "actor1_confidence": None if winner is None or winner.confidence is None else round(winner.confidence, 3),
    }


# --- the exporters -------------------------------------------------------------------------

Statuses = Mapping[str, str]  # record id -> accepted | fixed | rejected | added | unverified
Documents = Iterable[ArticleExtraction | tuple[ArticleExtraction, Statuses]]


def _with_statuses(docs: Documents) -> Iterator[tuple[ArticleExtraction, Statuses]]:
    for item in docs:
        yield item if isinstance(item, tuple) else (item, {})


def export_jsonl(docs: Documents, out: TextIO) -> int:
    """One document per line, as the contract serialises it (which has no place for a status).
    Returns the documents written."""
    count = 0
    for doc, _ in _with_statuses(docs):
        out.write(doc.model_dump_json())
        out.write("\n")
        count += 1
    return count


def export_csv(docs: Documents, out: TextIO) -> int:
    """ACLED-style CSV, a header then one row per incident. Returns the rows written."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writeheader()
    count = 0
    for doc, statuses in _with_statuses(docs):
        for incident in doc.incidents:
            writer.writerow(acled_row(doc, incident, statuses.get(incident.id, "unverified")))
            count += 1
    return count


def geojson_feature(doc: ArticleExtraction, incident: Incident, status: str = "unverified") -> dict[str, Any] | None:
    """The incident as a GeoJSON Point feature, or None when it lacks a coordinate."""
    loc = incident.location
    if loc.latitude is None or loc.longitude is None:
        return None
    properties = acled_row(doc, incident, status)
    return {
        "type": "Feature",
        "id": properties["extractor_id"],
        "geometry": {"type": "Point", "coordinates": [loc.longitude, loc.latitude]},
        "properties": properties,
    }


def export_geojson(docs: Documents, out: TextIO) -> int:
    """A GeoJSON FeatureCollection of the incidents with coordinates, written as it goes.
    Returns the features written."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for doc, statuses in _with_statuses(docs):
        for incident in doc.incidents:
            feature = geojson_feature(doc, incident, statuses.get(incident.id, "unverified"))
            if feature is None:
                continue
            if count:
                out.write(",\n")
            out.write(json.dumps(feature, ensure_ascii=False))
            count += 1
    out.write("\n]}\n")
    return count


Exporter = Callable[[Documents, TextIO], int]
EXPORTERS: dict[str, Exporter] = {
    "jsonl": export_jsonl,
    "csv": export_csv,
    "geojson": export_geojson,
}
