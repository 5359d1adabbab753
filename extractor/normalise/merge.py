"""One incident per event across articles: the merged dataset.

The rule. Two incidents from *different* articles report the same event when all of these hold:
  1. dates: their ranges [start, end] overlap (the ranges already carry their precision: "hours
     after" spans two days, "in November" a month). A range wider than COARSE_DATE_DAYS (a month,
     a year) only merges with an incident of the same sub-event type;
  2. places: the same country, and
       - both with coordinates: at most SAME_PLACE_KM[p] apart, p the coarser precision of the
         two (place 10 km, near 25 km: "near Albukamal" may be a few km out of town);
       - either at region precision: the same admin1;
       - either at country precision: both at country precision (a country is no place);
       - no coordinates: the same name once folded;
  3. event types: the same event type (within Strategic developments, the same sub-event type,
     since arrests and agreements are not one kind of event), or a pair in COMPATIBLE_TYPES (one
     outlet's intercepted missile is another's missile strike).
Incidents of one article are never merged: the extractor already told them apart.

Clustering is greedy and complete-linkage: incidents, in order of date, join the first cluster
whose every member they match, so A~B and B~C does not pull A and C together. Two strikes on the
same town a day apart stay apart (their day ranges do not overlap).

A merged incident keeps every source article and incident id, every attribution with its own
source and kind, and the fatality range across reports: low = the lowest figure reported, high =
the highest; best only when all reports agree. Unknown perpetrators are named by ACLED's
convention, "Unidentified Armed Group (<country>)".
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from extractor.normalise.actors import unidentified_armed_group
from extractor.normalise.gazetteer import fold
from extractor.schema import ArticleExtraction, Figures, Incident, IncidentDate, Location

SAME_PLACE_KM = {"place": 10.0, "near": 25.0}
COARSE_DATE_DAYS = 7
COMPATIBLE_TYPES = {
    frozenset({"Explosions/Remote violence", "Strategic developments/Disrupted weapons use"}),
    frozenset({"Battles/Armed clash", "Violence against civilians/Attack"}),
    frozenset({"Protests", "Riots"}),
}
PRECISION_ORDER = {"place": 0, "near": 1, "region": 2, "country": 3}
DATE_ORDER = {"day": 0, "week": 1, "month": 2, "year": 3}
MERGED_VERSION = "merged-1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorRef(_Model):
    name: str
    kind: str
    country_code: str | None = None


class SourceIncident(_Model):
    article_id: str
    incident_id: str
    published: str | None = None
    title: str | None = None
    url: str | None = None
    primary: bool
    summary: str
    event_type: str
    sub_event_type: str
    date: IncidentDate
    location: Location
    fatalities: Figures


class MergedAttribution(_Model):
    article_id: str
    attribution_id: str
    incident_id: str
    perpetrator: ActorRef  # an unknown perpetrator is "Unidentified Armed Group (<country>)"
    source: ActorRef | None  # None: the article says it in its own voice
    kind: str
    hedged: bool


class MergedIncident(_Model):
    id: str
    event_type: str
    sub_event_type: str
    date: IncidentDate
    location: Location
    fatalities: Figures
    injured: Figures
    targets: list[str] = Field(default_factory=list)
    weapons: list[str] = Field(default_factory=list)
    sources: list[SourceIncident]
    attributions: list[MergedAttribution] = Field(default_factory=list)


class MergedDataset(_Model):
    version: str = MERGED_VERSION
    rule: dict = Field(
        default_factory=lambda: {
            "same_place_km": SAME_PLACE_KM,
            "coarse_date_days": COARSE_DATE_DAYS,
            "compatible_types": sorted(sorted(p) for p in COMPATIBLE_TYPES),
        }
    )
    articles: list[str]
    incidents: list[MergedIncident]


# --- the rule ---------------------------------------------------------------------------


def km_between(a: Location, b: Location) -> float | None:
    """Great-circle distance (haversine), or None when either lacks coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    la1, lo1, la2, lo2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def same_place(a: Location, b: Location) -> bool:
    if a.country_code != b.country_code:
        return False
    coarser = max(a.precision, b.precision, key=PRECISION_ORDER.__getitem__)
    if coarser == "country":
        return a.precision == b.precision == "country"
    if coarser == "region":
        return bool(a.admin1) and fold(a.admin1 or "") == fold(b.admin1 or "")
    km = km_between(a, b)
    if km is not None:
        return km <= SAME_PLACE_KM[coarser]
    return fold(a.name) == fold(b.name)


def dates_overlap(a: IncidentDate, b: IncidentDate) -> bool:
    return a.start <= b.end and b.start <= a.end


def _span_days(d: IncidentDate) -> int:
    return (dt.date.fromisoformat(d.end) - dt.date.fromisoformat(d.start)).days + 1


def types_compatible(a: Incident, b: Incident) -> bool:
    if a.event_type == b.event_type:
        return a.event_type != "Strategic developments" or a.sub_event_type == b.sub_event_type
    names = [{x.event_type, f"{x.event_type}/{x.sub_event_type}"} for x in (a, b)]
    return any(frozenset({p, q}) in COMPATIBLE_TYPES for p in names[0] for q in names[1])


def same_event(a: Incident, b: Incident) -> bool:
    """The merge rule for two incidents of different articles (see the module docstring)."""
    if not (dates_overlap(a.date, b.date) and same_place(a.location, b.location) and types_compatible(a, b)):
        return False
    coarse = max(_span_days(a.date), _span_days(b.date)) > COARSE_DATE_DAYS
    return not coarse or a.sub_event_type == b.sub_event_type


# --- clustering and the merged records ----------------------------------------------------


def merge_documents(docs: Iterable[ArticleExtraction]) -> MergedDataset:
    """Cluster the incidents of normalised documents into one record per event."""
    docs = list(docs)
    items = [(doc, incident) for doc in docs for incident in doc.incidents]
    items.sort(key=lambda di: (di[1].date.start, di[1].date.end, di[0].article.id, int(di[1].id[1:])))
    clusters: list[list[tuple[ArticleExtraction, Incident]]] = []
    for doc, incident in items:
        home = next(
            (c for c in clusters if all(d.article.id != doc.article.id and same_event(i, incident) for d, i in c)), None
        )
        if home is None:
            clusters.append([(doc, incident)])
        else:
            home.append((doc, incident))
    merged = [_merged(f"E{n}", cluster) for n, cluster in enumerate(clusters, start=1)]
    return MergedDataset(articles=[d.article.id for d in docs], incidents=merged)


def _merged(event_id: str, cluster: list[tuple[ArticleExtraction, Incident]]) -> MergedIncident:
    incidents = [i for _, i in cluster]
    # The type most reports give; a tie goes to the earliest report (most_common keeps order).
    event_type, sub_event_type = Counter((i.event_type, i.sub_event_type) for i in incidents).most_common(1)[0][0]
    start = max(i.date.start for i in incidents)
    end = min(i.date.end for i in incidents)
    finest = min((i.date.precision for i in incidents), key=DATE_ORDER.__getitem__)
    location = min(
        (i.location for i in incidents), key=lambda loc: (PRECISION_ORDER[loc.precision], loc.latitude is None)
    )
    return MergedIncident(
        id=event_id,
        event_type=event_type,
        sub_event_type=sub_event_type,
        date=IncidentDate(start=start, end=end, precision=finest),
        location=Location.model_validate(location.model_dump()),  # the contract's own class, even from gold documents
        fatalities=figure_range([i.fatalities for i in incidents]),
        injured=figure_range([i.injured for i in incidents]),
        targets=list(dict.fromkeys(t for i in incidents for t in i.targets)),
        weapons=list(dict.fromkeys(w for i in incidents for w in i.weapons)),
        sources=[_source(doc, i) for doc, i in cluster],
        attributions=[a for doc, i in cluster for a in _attributions(doc, i)],
    )


def figure_range(reports: list[Figures]) -> Figures:
    """low = the lowest figure any report gives, high = the highest; best only when every report
    that gives a figure gives the same best."""
    lows = [min(v for v in (f.low, f.best, f.high) if v is not None) for f in reports if _given(f)]
    highs = [max(v for v in (f.low, f.best, f.high) if v is not None) for f in reports if _given(f)]
    if not lows:
        return Figures()
    bests = {f.best for f in reports if _given(f)}  # every report with a figure must give this best
    best = bests.pop() if len(bests) == 1 else None
    return Figures(low=min(lows), best=best, high=max(highs))


def _given(f: Figures) -> bool:
    return any(v is not None for v in (f.low, f.best, f.high))


def _source(doc: ArticleExtraction, i: Incident) -> SourceIncident:
    a = doc.article
    return SourceIncident(
        article_id=a.id,
        incident_id=i.id,
        published=a.published,
        title=a.title,
        url=a.url,
        primary=i.primary,
        summary=i.summary,
        event_type=i.event_type,
        sub_event_type=i.sub_event_type,
        date=i.date,
        location=Location.model_validate(i.location.model_dump()),
        fatalities=i.fatalities,
    )


def _attributions(doc: ArticleExtraction, incident: Incident) -> list[MergedAttribution]:
    actors = {a.id: a for a in doc.actors}
    uag = ActorRef(name=unidentified_armed_group(incident.location.country), kind="unidentified_armed_group")

    def ref(actor_id: str | None, role: str) -> ActorRef | None:
        if actor_id is None:
            return uag if role == "perpetrator" else None
        actor = actors[actor_id]
        if actor.kind == "unidentified_armed_group":
            return uag
        return ActorRef(name=actor.name, kind=actor.kind, country_code=actor.country_code)

    return [
        MergedAttribution(
            article_id=doc.article.id,
            attribution_id=t.id,
            incident_id=incident.id,
            perpetrator=ref(t.perpetrator_id, "perpetrator") or uag,  # never None for a perpetrator
            source=ref(t.source_id, "source"),
            kind=t.kind,
            hedged=t.hedged,
        )
        for t in doc.attributions
        if t.incident_id == incident.id
    ]
