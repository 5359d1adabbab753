"""The events code found, judged and typed by the model, then made into incidents. Pure logic.

For each event (`extractor.flow.events`) the model answers one small question over the shared
article prefix: did it happen (an act of political violence, a crowd event or a strategic
development, not a threat, a plan or a general statement), and its ACLED event and sub-event type
(enumerations in the answer's schema, so it can only answer with options that exist). Everything
else is computed: the evidence is the event's sentences, the stage its grammar's, the date its own
time words resolved against publication, the place its own place words, the casualties the
figures its sentences state, primary whether it is the article's first event or dated with it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from string import Template
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model

from extractor.flow import event_typing
from extractor.flow.draft import DraftDate, DraftFigures, DraftIncident, DraftIncidents, DraftLocation
from extractor.flow.events import Event, background
from extractor.normalise.timex import Resolved, resolve_found
from extractor.taxonomy import EVENT_TYPE_OF, SubEventType

QUESTION_TOKENS = 48


class EventAnswer(BaseModel):
    """One event's judgement: whether it happened, and its sub-event type (one of the options)."""

    model_config = ConfigDict(extra="ignore")
    happened: Literal["yes", "no"]
    sub_event_type: SubEventType

    @property
    def event_type(self) -> str:
        return EVENT_TYPE_OF[self.sub_event_type]


@functools.lru_cache(maxsize=256)
def answer_model(options: tuple[str, ...]) -> type[EventAnswer]:
    """EventAnswer with the sub-event type limited to `options`, likeliest first."""
    allowed: Any = Literal.__getitem__(options)
    return create_model("EventAnswer", __base__=EventAnswer, sub_event_type=(allowed, ...))


# The sub-event types an act's family names, likeliest first (ACLED's codebook).
FAMILY_TYPES: dict[str, tuple[str, ...]] = {
    "air": ("Air/drone strike",),
    "strike": ("Air/drone strike", "Shelling/artillery/missile attack"),
    "shelling": ("Shelling/artillery/missile attack",),
    "explosion": ("Remote explosive/landmine/IED",),  # a suicide bomb or a grenade only where words say so
    "clash": ("Armed clash",),
    "territory": ("Non-state actor overtakes territory", "Government regains territory"),
    "attack": ("Attack", "Armed clash"),
    "any": ("Attack", "Armed clash"),
    "killing": ("Attack", "Armed clash"),
    "abduction": ("Abduction/forced disappearance",),
    "sexual": ("Sexual violence",),
    "protest": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "riot": ("Violent demonstration", "Mob violence", "Looting/property destruction"),
    "arrest": ("Arrests",),
    "disrupted": ("Disrupted weapons use",),
    "agreement": ("Agreement",),
    "change": ("Change to group/activity",),
    "base": ("Headquarters or base established",),
    "transfer": ("Non-violent transfer of territory",),
}
MAX_OPTIONS = 5


def typing_text(event: Event) -> str:
    """The words that type an event: the sentences of the mentions that name its act (not those
    that only refer back to it, "the strike", nor weak words such as "hit")."""
    naming = [m.sentence for m in event.mentions if not m.anaphoric and not m.weak]
    chosen = list(dict.fromkeys(naming or [event.sentences[0]]))[:2]
    return " ".join(s.shown for s in chosen)


def options(event: Event) -> tuple[str, ...]:
    """The sub-event types to offer, likeliest first: the codebook's mechanical rule when one
    decides, the types its words propose, those its acts' families name, then the generic ones;
    for a strategic development told alone (quiet mentions only), the types its acts name."""
    if all(m.quiet for m in event.mentions):  # a strategic development's own words name its type
        return tuple(dict.fromkeys(t for m in event.mentions for t in FAMILY_TYPES.get(m.family, ())))[:MAX_OPTIONS]
    text = typing_text(event)
    rule = event_typing.ruled(text)
    found: list[str] = [rule[1]] if rule else []
    found += [s for s in event_typing.proposed(text) if s not in event_typing.GENERIC]
    for m in event.mentions:
        found += FAMILY_TYPES.get(m.family, ())
    found += [s for s in event_typing.proposed(text) if s in event_typing.GENERIC]
    found += ["Attack", "Armed clash"]
    found = list(dict.fromkeys(found))
    if "Armed clash" in event_typing.proposed(text) and found.index("Attack") < found.index("Armed clash"):
        # the codebook: an attack on armed men, or one in fighting, is a battle
        found.remove("Armed clash")
        found.insert(found.index("Attack"), "Armed clash")
    return tuple(found)[:MAX_OPTIONS]


def question_text(template: str, event: Event, offered: Sequence[str]) -> str:
    """The task of one small call (it follows the article's shared prefix)."""
    shown = "\n".join(f"[{s.number}] {s.shown}" for s in event.sentences[:4])
    return Template(template).substitute(sentences=shown, options="; ".join(f'"{o}"' for o in offered))


def resolved_time(event: Event, published: dt.date | None) -> Resolved | None:
    """The date its own words give: the first time expression of its mentions that resolves
    (one relative to another event, "hours after", is left to normalisation, which knows both)."""
    for _, found in event.times:
        if found.kind == "relative":
            continue
        got = resolve_found(found, published)
        if got is not None:
            return got
    return None


_NUMBER = r"(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens|scores|hundreds)"
_KILLED = re.compile(
    r"\b(?:(at least|up to|nearly|about|around|more than|over|some|as many as)\s+)?"
    + _NUMBER
    + r"\s+(?:[\w-]+\s+){0,4}?(?:were|was|have been|had been|are|been)?\s*(?:killed|dead|died|slain|murdered)\b"
    r"|\b(?:killing|killed|kills)\s+(?:(at least|up to|nearly|about|around|more than|over|some)\s+)?" + _NUMBER + r"\b",
    re.I,
)
_WOUNDED = re.compile(
    r"\b(?:(at least|up to|nearly|about|around|more than|over|some)\s+)?"
    + _NUMBER
    + r"\s+(?:[\w-]+\s+){0,4}?(?:were|was|have been|had been|are|been)?\s*(?:wounded|injured|hurt)\b"
    r"|\b(?:wounding|injuring|wounded|injured)\s+(?:(at least|up to|nearly|about|around|more than|over|some)\s+)?"
    + _NUMBER
    + r"\b",
    re.I,
)
_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}


def _count(word: str) -> int | None:
    word = word.lower().replace(",", "")
    return int(word) if word.isdigit() else _WORDS.get(word)


def figures(pattern: re.Pattern[str], text: str) -> DraftFigures | None:
    """Casualty figures the sentences state: low the smallest, high the largest, best the lowest
    (ACLED's rule with conflicting reports); "up to N" and "nearly N" give only a high."""
    values: list[tuple[int, str]] = []
    words = []
    for m in pattern.finditer(text):
        groups = [g for g in m.groups() if g]
        number = next((_count(g) for g in reversed(groups) if _count(g) is not None), None)
        if number is None:
            continue
        qualifier = next((g.lower() for g in groups if _count(g) is None), "")
        values.append((number, qualifier))
        words.append(m.group(0))
    if not values:
        return None
    exact = [n for n, q in values if q not in ("up to", "nearly", "as many as")]
    low = min(exact) if exact else None
    high = max(n for n, _ in values)
    bounded = any(q in ("at least", "more than", "over", "some") for _, q in values)
    return DraftFigures(text=words[0][:120], low=low, best=low, high=None if bounded and high == low else high)


_WEAPONS = re.compile(
    r"\b(?:bomb-carrying drones|drones?|rockets?|missiles?|mortars?|artillery|car bombs?|truck bombs?|"
    r"suicide (?:vests?|belts?)|explosive (?:vests?|belts?|devices?)|IEDs?|landmines?|grenades?|machetes?|"
    r"knives|rifles?|guns?|airstrikes?|air strikes?|warplanes?|helicopters?|explosives?)\b",
    re.I,
)


def draft_incidents(
    events: Sequence[Event],
    answers: Sequence[EventAnswer],
    published: str | None,
    where: Callable[[Sequence[str]], tuple[str, str] | None],
    scan: Callable[[str], tuple[str, str] | None] = lambda text: None,
) -> DraftIncidents:
    """Incident drafts for the events the model said happened, in order, with ids I1, I2, ...;
    `where(place names)` gives (place name, country) for the first place a gazetteer knows, and
    `scan(text)` the place a text names (for texts whose names the parser cannot read: capitals)."""
    day = dt.date.fromisoformat(published) if published else None
    kept = [(e, a) for e, a in zip(events, answers, strict=False) if a.happened == "yes"]
    first = kept[0][0] if kept else None
    first_time = resolved_time(first, day) if first else None
    drafts = []
    for number, (event, answer) in enumerate(kept, start=1):
        text = " ".join(s.shown for s in event.sentences)
        time = resolved_time(event, day)
        date = _date(time, day, event)
        earlier = first_time is not None and time is not None and time.end < first_time.start
        relative = any(f.kind == "relative" for _, f in event.times)  # told against another: "hours after"
        primary = event is first or not (background(event, first) or earlier or relative)
        place = (
            where(event.places)
            or where(_named_places(event))
            or scan(" ".join(s.shown for s in event.sentences[:2]))
            or ("unknown", "unknown")
        )
        patients = [m.patient for m in event.mentions if m.patient and not m.weak and not m.apart][:3]
        drafts.append(
            DraftIncident.model_construct(
                id=f"I{number}",
                evidence=[s.number for s in event.sentences],
                summary=event.sentences[0].shown[:160],
                event_type=answer.event_type,
                sub_event_type=answer.sub_event_type,
                stage=event.stage,
                primary=primary,
                date=date,
                location=DraftLocation.model_construct(
                    text=None, name=place[0], admin1=None, country=place[1], country_code="", precision="place"
                ),
                fatalities=figures(_KILLED, text),
                injured=figures(_WOUNDED, text),
                targets=list(dict.fromkeys(p[:80] for p in patients)),
                weapons=list(dict.fromkeys(w.lower() for w in _WEAPONS.findall(text)))[:6],
            )
        )
    return DraftIncidents.model_construct(incidents=drafts)


def _date(time: Resolved | None, day: dt.date | None, event: Event) -> DraftDate:
    relative = next((f.words for _, f in event.times if f.kind == "relative"), None)
    if time is not None:
        return DraftDate.model_construct(
            text=time.words, start=time.start.isoformat(), end=time.end.isoformat(), precision=time.precision
        )
    if day is None:
        today = dt.date.today()
        return DraftDate.model_construct(
            text=relative, start=f"{today.year}-01-01", end=today.isoformat(), precision="year"
        )
    # no words of its own: the week up to publication (news is of the last days)
    return DraftDate.model_construct(
        text=relative, start=(day - dt.timedelta(days=6)).isoformat(), end=day.isoformat(), precision="week"
    )


def _named_places(event: Event) -> list[str]:
    """The places the name finder read in the sentences of the event's first mentions, for a place
    the grammar did not attach to the act."""
    return [p for m in event.mentions[:3] for p in m.sentence_places]
