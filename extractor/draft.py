"""What the LLM is asked to produce: quotes and local ids, never offsets.

Two calls per article keep each answer small enough for a 0.5B model (NOTES.md: one call for
the whole nested document ran into the token cap): first the incidents, then the actors and
attributions that refer to them. Evidence comes first in each item so the model quotes before
it classifies. Bounds on list and string sizes become grammar limits for llama.cpp, so a small
model cannot loop until the token cap.

The tool turns drafts into the output contract (`extractor.schema`) in `extractor.assemble`,
after `extractor.ground` has located every quote in the article.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from extractor.taxonomy import (
    ActorKind,
    AttributionKind,
    DatePrecision,
    EventType,
    LocationPrecision,
    Stage,
    SubEventType,
)

Quote = Annotated[str, Field(min_length=3, max_length=200)]
ShortText = Annotated[str, Field(max_length=120)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
ActorRef = Annotated[str, Field(pattern=r"^A[0-9]{1,2}$")]

MAX_INCIDENTS = 5
MAX_ACTORS = 6
MAX_ATTRIBUTIONS = 4


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DraftDate(_Draft):
    text: ShortText | None = Field(default=None, description="the article's words for when")
    start: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    end: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    precision: DatePrecision


class DraftLocation(_Draft):
    text: ShortText | None = Field(default=None, description="the article's words for where")
    name: Name
    admin1: Name | None = None
    country: Name
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    precision: LocationPrecision


class DraftFigures(_Draft):
    text: ShortText | None = None
    low: int | None = Field(default=None, ge=0)
    best: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)


class DraftIncident(_Draft):
    id: str = Field(pattern=r"^I[0-9]{1,2}$")
    evidence: list[Quote] = Field(min_length=1, max_length=2)
    summary: Annotated[str, Field(max_length=160)]
    event_type: EventType
    sub_event_type: SubEventType
    stage: Stage
    primary: bool
    date: DraftDate
    location: DraftLocation
    fatalities: DraftFigures | None = None
    injured: DraftFigures | None = None
    targets: list[Name] = Field(default_factory=list, max_length=3)
    weapons: list[Name] = Field(default_factory=list, max_length=3)


class DraftIncidents(_Draft):
    incidents: list[DraftIncident] = Field(max_length=MAX_INCIDENTS)


class DraftActor(_Draft):
    id: str = Field(pattern=r"^A[0-9]{1,2}$")
    evidence: list[Quote] = Field(min_length=1, max_length=2)
    name: Name
    mentions: list[Name] = Field(default_factory=list, max_length=3)
    kind: ActorKind
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    backed_by: list[ActorRef] = Field(default_factory=list, max_length=2)


class DraftAttribution(_Draft):
    incident_id: str = Field(pattern=r"^I[0-9]{1,2}$")
    evidence: list[Quote] = Field(min_length=1, max_length=2)
    perpetrator_id: str | None = Field(pattern=r"^A[0-9]{1,2}$")
    source_id: str | None = Field(pattern=r"^A[0-9]{1,2}$")
    kind: AttributionKind
    hedged: bool


class DraftTarget(_Draft):
    incident_id: str = Field(pattern=r"^I[0-9]{1,2}$")
    actor_id: str = Field(pattern=r"^A[0-9]{1,2}$")


class DraftActorsAndAttributions(_Draft):
    actors: list[DraftActor] = Field(max_length=MAX_ACTORS)
    attributions: list[DraftAttribution] = Field(max_length=MAX_ATTRIBUTIONS)
    targets: list[DraftTarget] = Field(default_factory=list, max_length=6)
