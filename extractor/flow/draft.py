"""What the LLM is asked to produce: quotes and local ids, never offsets.

Two calls per article keep each answer small enough for a 0.5B model (NOTES.md: one call for
the whole nested document ran into the token cap): first the incidents, then the actors and
attributions that refer to them. Evidence comes first in each item so the model quotes before
it classifies. Bounds on list and string sizes become grammar limits for llama.cpp, so a small
model cannot loop until the token cap.

The tool turns drafts into the output contract (`extractor.schema`) in `extractor.flow.assemble`,
after `extractor.flow.ground` has located every quote in the article.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model

from extractor.taxonomy import (
    ActorKind,
    AttributionKind,
    DatePrecision,
    EventType,
    LocationPrecision,
    Stage,
    SubEventType,
)

Quote = Annotated[str, Field(min_length=3, max_length=300)]
ShortText = Annotated[str, Field(max_length=120)]
Name = Annotated[str, Field(min_length=1, max_length=80)]
ActorRef = Annotated[str, Field(pattern=r"^A[0-9]{1,2}$")]

# How many items one answer may hold. These bounds do not bind a capable model (the example gold
# has up to 13 actors); the tighter ones a small local model needs, so that it cannot loop until
# the token cap, come from `caps_for`, scaled with the article.
MAX_INCIDENTS = 30
MAX_ACTORS = 40
MAX_ATTRIBUTIONS = 40


@dataclass(frozen=True)
class Caps:
    incidents: int = MAX_INCIDENTS
    actors: int = MAX_ACTORS
    attributions: int = MAX_ATTRIBUTIONS


def caps_for(article_chars: int) -> Caps:
    """The bounds for one article's answers. They do not bind a capable model (the example gold
    has 13 actors); a small model is asked no incidents or actors answer at all, only small
    questions (`extractor.flow.judge`, `extractor.flow.attribute`)."""
    del article_chars  # the bounds do not grow with the article: they are never met
    return Caps()


@lru_cache(maxsize=64)
def capped(container: type[BaseModel], cap: int, *fields: str) -> type[BaseModel]:
    """`container` with its list `fields` bounded at `cap` items. Same name and validators, so the
    request and the checks read as before; built once per bound."""
    overrides: dict[str, Any] = {}
    for name in fields:
        info = container.model_fields[name]
        overrides[name] = (
            info.annotation,
            Field(default_factory=list, max_length=cap) if not info.is_required() else Field(max_length=cap),
        )
    return create_model(container.__name__, __base__=container, __module__=container.__module__, **overrides)


@lru_cache(maxsize=256)
def cited(container: type[BaseModel], first: int, last: int) -> type[BaseModel]:
    """`container` with every item's `evidence` a list of sentence numbers between `first` and
    `last` (the sentences the model was shown) instead of copied passages. The numbers are an
    enumeration in the JSON schema, so a grammar or a strict structured-output mode lets the
    model cite only sentences that exist. An actor may cite none: the tool finds its name."""
    number = Literal.__getitem__(tuple(range(first, last + 1)))
    overrides: dict[str, Any] = {}
    for name, info in container.model_fields.items():
        args = get_args(info.annotation)
        item = args[0] if get_origin(info.annotation) is list and args else None
        if not (isinstance(item, type) and issubclass(item, BaseModel) and "evidence" in item.model_fields):
            continue
        minimum = 0 if item is DraftActor else 1
        evidence = (
            list[number],  # type: ignore[valid-type]
            Field(default_factory=list, max_length=4) if minimum == 0 else Field(min_length=1, max_length=4),
        )
        cited_item = create_model(item.__name__, __base__=item, __module__=item.__module__, evidence=evidence)
        overrides[name] = (
            list[cited_item],  # type: ignore[valid-type]
            Field(default_factory=list, max_length=_max_length(info))
            if not info.is_required()
            else Field(max_length=_max_length(info)),
        )
    model = create_model(container.__name__, __base__=container, __module__=container.__module__, **overrides)
    model.sentence_range = (first, last)  # type: ignore[attr-defined]
    return model


def stored_name(model: type[BaseModel]) -> str:
    """A name that rebuilds `model`'s shape with `by_stored_name` (a Batch request stored for
    later): the draft class's name, with the sentence range when evidence is cited."""
    cited_range = getattr(model, "sentence_range", None)
    return model.__name__ + (f"@{cited_range[0]}-{cited_range[1]}" if cited_range else "")


def by_stored_name(name: str) -> type[BaseModel]:
    base, _, cited_range = name.partition("@")
    model = globals().get(base)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ValueError(f"{base} is not a draft model")
    if cited_range:
        first, _, last = cited_range.partition("-")
        return cited(model, int(first), int(last))
    return model


def _max_length(info: Any) -> int | None:
    return next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)


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
    evidence: list[Quote] = Field(min_length=1, max_length=4)
    summary: Annotated[str, Field(max_length=160)]
    event_type: EventType
    sub_event_type: SubEventType
    stage: Stage
    primary: bool
    date: DraftDate
    location: DraftLocation
    fatalities: DraftFigures | None = None
    injured: DraftFigures | None = None
    targets: list[Name] = Field(default_factory=list, max_length=6)
    weapons: list[Name] = Field(default_factory=list, max_length=6)


class DraftIncidents(_Draft):
    incidents: list[DraftIncident] = Field(max_length=MAX_INCIDENTS)


class DraftActor(_Draft):
    id: str = Field(pattern=r"^A[0-9]{1,2}$")
    evidence: list[Quote] = Field(min_length=1, max_length=4)
    name: Name
    mentions: list[Name] = Field(default_factory=list, max_length=6)
    kind: ActorKind
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    backed_by: list[ActorRef] = Field(default_factory=list, max_length=4)


class DraftAttribution(_Draft):
    incident_id: str = Field(pattern=r"^I[0-9]{1,2}$")
    evidence: list[Quote] = Field(min_length=1, max_length=4)
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
    targets: list[DraftTarget] = Field(default_factory=list, max_length=MAX_ACTORS)
