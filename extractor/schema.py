"""The output contract, schema version "2": what the tool emits for one article.

These models are the source of truth for `schemas/extraction.v2.json`. They hold spans with
offsets the tool computed (never the model's), and they refuse any document that breaks the
contract's invariants: a sub-event type outside its event type, a range with low > best > high,
a date that ends before it starts or after publication + 1 day, or a reference to an id that
does not exist. The Gold* variants accept hand-made gold answers (docs/contract.md), which omit
provenance and alignment and may mark items `"optional": true`. Documents of an older schema
version still load, read as this one (docs/contract-changes.md).

What the LLM is asked to produce is a separate family: see `extractor.flow.draft`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractor.taxonomy import (
    OLDER_SCHEMA_VERSIONS,
    SCHEMA_VERSION,
    ActorKind,
    Alignment,
    AttributionKind,
    DatePrecision,
    EventType,
    LocationPrecision,
    Stage,
    SubEventType,
    WarningCode,
    belongs,
)

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
IncidentId = Annotated[str, Field(pattern=r"^I\d+$")]
ActorId = Annotated[str, Field(pattern=r"^A\d+$")]
AttributionId = Annotated[str, Field(pattern=r"^T\d+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    quote: str = Field(min_length=1, description="the article's words at text[start:end]")
    start: int = Field(ge=0)
    end: int = Field(ge=1, description="exclusive")
    alignment: Alignment

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end - self.start != len(self.quote):
            raise ValueError(f"span {self.start}:{self.end} does not have the length of its quote")
        return self


class ArticleMeta(_Model):
    id: str = Field(min_length=1)
    title: str | None = None
    source: str | None = None
    published: IsoDate | None = None
    url: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="of the text as read")


class IncidentDate(_Model):
    start: IsoDate
    end: IsoDate
    precision: DatePrecision
    text: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> IncidentDate:
        dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
        if self.start > self.end:
            raise ValueError(f"date starts {self.start} after it ends {self.end}")
        return self


class Location(_Model):
    name: str
    admin1: str | None = None
    country: str
    country_code: CountryCode
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    precision: LocationPrecision
    text: str | None = None


class Figures(_Model):
    """A casualty count; null means not reported, 0 only when the text says none."""

    low: int | None = Field(default=None, ge=0)
    best: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)
    text: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Figures:
        given = [v for v in (self.low, self.best, self.high) if v is not None]
        if given != sorted(given):
            raise ValueError(f"figures must satisfy low <= best <= high, got {self.low}/{self.best}/{self.high}")
        return self


class Incident(_Model):
    id: IncidentId
    summary: str
    event_type: EventType
    sub_event_type: SubEventType
    stage: Stage
    primary: bool
    date: IncidentDate
    location: Location
    fatalities: Figures = Field(default_factory=Figures)
    injured: Figures = Field(default_factory=Figures)
    targets: list[str] = Field(default_factory=list)
    target_actor_ids: list[ActorId] = Field(default_factory=list)
    weapons: list[str] = Field(default_factory=list)
    evidence: list[Span] = Field(min_length=1)

    @model_validator(mode="after")
    def _sub_event_belongs(self) -> Incident:
        if not belongs(self.event_type, self.sub_event_type):
            raise ValueError(f"sub_event_type {self.sub_event_type!r} is not a kind of {self.event_type!r}")
        return self


class Actor(_Model):
    id: ActorId
    name: str
    mentions: list[str] = Field(default_factory=list)
    kind: ActorKind
    country_code: CountryCode | None = None
    backed_by: list[ActorId] = Field(default_factory=list)
    evidence: list[Span] = Field(default_factory=list)


class Attribution(_Model):
    id: AttributionId
    incident_id: IncidentId
    perpetrator_id: ActorId | None
    source_id: ActorId | None
    kind: AttributionKind
    hedged: bool
    # How sure the model was of the perpetrator: the probability of its answer, from the
    # server's log-probabilities; null where no model was asked or no server gave them.
    confidence: float | None = Field(default=None, ge=0, le=1)
    evidence: list[Span] = Field(default_factory=list)


class Usage(_Model):
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    # Of prompt_tokens, those the server read from its prompt cache (billed at a discount by
    # hosted providers; not evaluated again by the embedded model).
    cached_prompt_tokens: int = Field(default=0, ge=0)


class Provenance(_Model):
    provider: str
    model: str
    prompt_version: str
    attempts: int = Field(ge=0, description="LLM calls made for this article, re-asks included")
    usage: Usage
    cache_hit: bool
    extracted_at: dt.datetime


RecordId = Annotated[str, Field(pattern=r"^[IAT]\d+$")]


class ExtractionWarning(_Model):
    """Something the tool did to the model's answer, or could not do: a repair, an item dropped, a
    stage that fell short. Programs read `code`; `message` is the sentence for people."""

    code: WarningCode
    ids: list[RecordId] = Field(
        default_factory=list,
        description="the records of this document it concerns (none when the item it concerns was dropped)",
    )
    message: str

    def __str__(self) -> str:
        return self.message

    def __contains__(self, item: object) -> bool:
        # `"words" in warning` was how schema version 1's sentences were searched; on a model it
        # would quietly be False (a model iterates over its fields): say what to read instead.
        raise TypeError("search warning.message for words, or compare warning.code")

    def prefixed(self, prefix: str) -> ExtractionWarning:
        """The same warning, its sentence said of a part (a stage, a window of the article)."""
        return self.model_copy(update={"message": prefix + self.message})

    def renamed(self, ids: dict[str, str]) -> ExtractionWarning:
        """The same warning after records were renumbered or merged: each id as `ids` maps it; an
        id not in `ids` (a record dropped) is left out."""
        renamed = list(dict.fromkeys(ids[i] for i in self.ids if i in ids))
        return self if renamed == self.ids else self.model_copy(update={"ids": renamed})


def warning(code: WarningCode, message: str, *ids: str | None) -> ExtractionWarning:
    """A warning about the records `ids` (None and repeats are left out)."""
    return ExtractionWarning(code=code, ids=list(dict.fromkeys(i for i in ids if i)), message=message)


def renamed(warnings: list[ExtractionWarning], ids: dict[str, str]) -> list[ExtractionWarning]:
    """`warnings`, each with its ids mapped (`ExtractionWarning.renamed`)."""
    return [w.renamed(ids) for w in warnings]


class ArticleExtraction(_Model):
    schema_version: str = Field(default=SCHEMA_VERSION, pattern=f"^{SCHEMA_VERSION}$")
    article: ArticleMeta
    incidents: list[Incident] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    attributions: list[Attribution] = Field(default_factory=list)
    provenance: Provenance
    warnings: list[ExtractionWarning] = Field(default_factory=list)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _older_version(cls, value: object) -> object:
        # A document of an older version loads as this one; what changed is upgraded below.
        return SCHEMA_VERSION if value in OLDER_SCHEMA_VERSIONS else value

    @field_validator("warnings", mode="before")
    @classmethod
    def _sentences(cls, value: object) -> object:
        # Schema version 1 gave each warning as its sentence alone: it loads with the code "legacy".
        if isinstance(value, list) and any(isinstance(w, str) for w in value):
            return [{"code": WarningCode.LEGACY, "message": w} if isinstance(w, str) else w for w in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ArticleExtraction:
        problems = contract_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def contract_problems(doc: ArticleExtraction) -> list[str]:
    """Cross-record invariants: unique ids, references that resolve, dates before publication."""
    problems: list[str] = []
    for kind, items in (("incident", doc.incidents), ("actor", doc.actors), ("attribution", doc.attributions)):
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            problems.append(f"duplicate {kind} ids in {ids}")
    incident_ids = {i.id for i in doc.incidents}
    actor_ids = {a.id for a in doc.actors}
    for incident in doc.incidents:
        problems += [
            f"{incident.id} targets unknown actor {a}" for a in incident.target_actor_ids if a not in actor_ids
        ]
    for actor in doc.actors:
        problems += [f"{actor.id} is backed by unknown actor {a}" for a in actor.backed_by if a not in actor_ids]
    for t in doc.attributions:
        if t.incident_id not in incident_ids:
            problems.append(f"{t.id} names unknown incident {t.incident_id}")
        for role, ref in (("perpetrator", t.perpetrator_id), ("source", t.source_id)):
            if ref is not None and ref not in actor_ids:
                problems.append(f"{t.id} names unknown {role} {ref}")
    if doc.article.published:
        latest = dt.date.fromisoformat(doc.article.published) + dt.timedelta(days=1)
        for incident in doc.incidents:
            if incident.date is not None and dt.date.fromisoformat(incident.date.end) > latest:
                problems.append(f"{incident.id} ends {incident.date.end}, after publication + 1 day")
    return problems


# --- gold: the same shape without provenance; items may be marked optional ---------------
# The development sets' gold (MUC-4, CASE 2021) records fewer fields: no sha256, no evidence,
# a null date or sub-event type, a location without precision, and the lists `event_type_any` and
# `kind_any` of the labels they accept. Those gold files load with the same models; `evaluate`
# scores what they record and skips what they do not.
# Their fields widen the contract's types (null allowed, gold items in the lists), which pydantic
# allows and a type checker flags: hence the `type: ignore[assignment]` on each.


class GoldSpan(Span):
    alignment: Alignment | None = None  # type: ignore[assignment]


class GoldArticleMeta(ArticleMeta):
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")  # type: ignore[assignment]


class GoldLocation(Location):
    precision: LocationPrecision | None = None  # type: ignore[assignment]


class GoldIncident(Incident):
    sub_event_type: SubEventType | None = None  # type: ignore[assignment]
    event_type_any: list[EventType] | None = Field(default=None, description="every event type the gold accepts")
    date: IncidentDate | None = None  # type: ignore[assignment]
    location: GoldLocation
    evidence: list[GoldSpan] = Field(default_factory=list)  # type: ignore[assignment]
    optional: bool = False

    @field_validator("stage", mode="before")
    @classmethod
    def _either_stage(cls, value: object) -> object:
        # MUC-4 keys may leave the stage open ("attempted / accomplished"); stage is not scored, so
        # the first reading stands
        return value.split(" / ")[0].strip() if isinstance(value, str) and " / " in value else value

    @model_validator(mode="after")
    def _sub_event_belongs(self) -> GoldIncident:
        if self.sub_event_type is not None and not belongs(self.event_type, self.sub_event_type):
            raise ValueError(f"sub_event_type {self.sub_event_type!r} is not a kind of {self.event_type!r}")
        return self


class GoldActor(Actor):
    evidence: list[GoldSpan] = Field(default_factory=list)  # type: ignore[assignment]
    optional: bool = False


class GoldAttribution(Attribution):
    kind_any: list[AttributionKind] | None = Field(default=None, description="every kind the gold accepts")
    evidence: list[GoldSpan] = Field(default_factory=list)  # type: ignore[assignment]
    optional: bool = False


class GoldExtraction(ArticleExtraction):
    article: GoldArticleMeta
    incidents: list[GoldIncident] = Field(default_factory=list)  # type: ignore[assignment]
    actors: list[GoldActor] = Field(default_factory=list)  # type: ignore[assignment]
    attributions: list[GoldAttribution] = Field(default_factory=list)  # type: ignore[assignment]
    provenance: Provenance | None = None  # type: ignore[assignment]


SCHEMA_FILE = f"extraction.v{SCHEMA_VERSION}.json"  # in schemas/, one file per version published


def json_schema() -> dict:
    """The published JSON Schema of one ArticleExtraction (schemas/extraction.v<version>.json)."""
    schema = ArticleExtraction.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_FILE
    schema["title"] = f"ArticleExtraction (schema version {SCHEMA_VERSION})"
    return schema
