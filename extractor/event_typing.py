"""Event types: ACLED's mechanical rules in code, and the small typing questions. Pure logic.

Measured on CASE 2021 snippets, a small model shown the whole list of 25 sub-event types inside
the incidents answer took the first one offered ("Government regains territory") for about half
the incidents, and typed industrial accidents as political violence. Here:

* `ruled` applies the codebook's rules that decide mechanically, from the incident's evidence
  sentences, for every provider: an intercepted, shot-down or defused weapon is Disrupted weapons
  use; a suicide attack is Suicide bomb whatever else it hit; a chemical agent is Chemical weapon;
  any attack from the air is Air/drone strike (in that order: the first that matches decides).
  Within an event type the model chose, `refined` applies the rest: a protest's sub-type follows
  what the evidence says of the authorities' response (killing or live fire: excessive force;
  tear gas, dispersal, arrests: intervention; else peaceful), and an explosion's a grenade or a
  planted bomb when the evidence names one.
* For small models the type is its own decision (`extractor.pipeline` asks): first the event type,
  or "not political violence", which removes the incident; then the sub-type among that type's
  own. Each question shows one-line definitions (ACLED's categories in our words) and offers the
  options in an order drawn from the evidence's text, so no option is first for every incident.
"""

from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, create_model

from extractor.taxonomy import EVENT_TYPES, SUB_EVENT_TYPES

NOT_VIOLENCE = "not political violence"

EVENT_DEFINITIONS: dict[str, str] = {
    "Battles": "armed groups fight each other: clashes, and territory taken by force",
    "Explosions/Remote violence": "bombs, air or drone strikes, shelling, rockets, missiles, grenades, mines: harm from a distance",
    "Violence against civilians": "armed people attack, kill, abduct or sexually abuse unarmed civilians",
    "Protests": "people demonstrate without violence of their own, whether or not the authorities act against them",
    "Riots": "demonstrators or a mob turn violent: stones, burning, beating, vandalism",
    "Strategic developments": "no fighting: arrests, agreements, looting, seized weapons, bases set up, groups changing, territory handed over",
    NOT_VIOLENCE: "natural or industrial disasters, accidents, ordinary crime, diplomacy and statements: no political violence happened",
}

SUB_EVENT_DEFINITIONS: dict[str, str] = {
    "Government regains territory": "government forces take back an area from armed groups",
    "Non-state actor overtakes territory": "rebels or militias seize an area, town or base",
    "Armed clash": "armed groups exchange fire or fight, no territory changing hands",
    "Excessive force against protesters": "authorities kill or use live fire against peaceful protesters",
    "Protest with intervention": "authorities disperse, tear-gas or arrest peaceful protesters",
    "Peaceful protest": "a demonstration, march, rally or strike with no intervention",
    "Violent demonstration": "demonstrators throw stones, burn, clash or vandalise",
    "Mob violence": "a crowd attacks people or property, not as a demonstration",
    "Chemical weapon": "a chemical agent such as chlorine, sarin or mustard gas is used",
    "Air/drone strike": "aircraft, helicopters or drones bomb or fire from the air",
    "Suicide bomb": "an attacker blows himself or herself up",
    "Shelling/artillery/missile attack": "shells, mortars, rockets or missiles fired from the ground",
    "Remote explosive/landmine/IED": "a planted bomb, car bomb, roadside bomb or landmine explodes",
    "Grenade": "a hand grenade is thrown",
    "Sexual violence": "rape or sexual abuse by armed people",
    "Attack": "armed people shoot, stab, beat or kill civilians",
    "Abduction/forced disappearance": "people are kidnapped, abducted or taken away",
    "Agreement": "sides sign or agree a ceasefire, peace deal or exchange",
    "Arrests": "authorities arrest or detain people",
    "Change to group/activity": "a group forms, splits, merges, or changes its arms or activity",
    "Disrupted weapons use": "a bomb is defused, a missile or drone is intercepted, or weapons are seized",
    "Headquarters or base established": "an armed group sets up a base or headquarters",
    "Looting/property destruction": "property is looted, burned or destroyed without a fight",
    "Non-violent transfer of territory": "an area changes hands without fighting",
    "Other": "another strategic development",
}

# The codebook's mechanical rules, in the order that decides (the first that matches wins).
_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("Strategic developments", "Disrupted weapons use", re.compile(
        r"\b(?:intercept(?:ed|s|ion)?|shot down|downed|defused|defusing|dismantled|thwarted)\b[^.;]{0,60}?"
        r"\b(?:missiles?|rockets?|drones?|bombs?|IEDs?|explosives?|projectiles?|device)\b|"
        r"\b(?:missiles?|rockets?|drones?|bombs?|IEDs?|explosives?|device)\b[^.;]{0,40}?\b(?:were|was) "
        r"(?:intercepted|shot down|downed|defused)\b", re.I)),
    ("Explosions/Remote violence", "Suicide bomb", re.compile(
        r"\bsuicide (?:bomb(?:er|ers|ing|ings)?|attack(?:er|ers|s)?|car bomb|vest|blast|truck bomb)\b|\bself-detonat|"
        r"\bblew (?:himself|herself|themselves) up\b", re.I)),
    ("Explosions/Remote violence", "Chemical weapon", re.compile(
        r"\bchemical (?:weapons?|attacks?|agents?)\b|\bsarin\b|\bchlorine (?:gas|attack|bombs?)\b|\bmustard gas\b|\bnerve agent\b", re.I)),
    ("Explosions/Remote violence", "Air/drone strike", re.compile(
        r"\bair ?strikes?\b|\bair raids?\b|\bair attacks?\b|\bdrone (?:strikes?|attacks?)\b|\bwarplanes?\b|\bfighter jets?\b|"
        r"\bhelicopter gunships?\b|\baerial (?:bombardment|bombing|attacks?)\b|\bbombed from the air\b|\bdrones? (?:struck|attacked|hit)\b",
        re.I)),
)
_EXCESSIVE = re.compile(r"\b(?:killed|shot dead|live (?:ammunition|fire|rounds)|opened fire|fired on|gunned down)\b", re.I)
_INTERVENED = re.compile(r"\b(?:tear ?gas|water cannons?|rubber bullets|dispersed?|dispersing|arrested|detained|batons?|"
                         r"stun grenades?|pepper spray|clashed with (?:police|security)|broke up|charged)\b", re.I)
_GRENADE = re.compile(r"(?<!propelled )(?<!propelled-)\bgrenades?\b", re.I)
_PLANTED = re.compile(r"\b(?:IEDs?|improvised explosive|roadside bombs?|land ?mines?|car bombs?|explosive devices?|"
                      r"planted (?:a |an )?(?:bomb|explosive)s?|bomb (?:exploded|went off)|booby[- ]trap)", re.I)


# The sub-type an event type falls back on when no question could settle it (with a warning).
GENERIC: dict[str, str] = {"Battles": "Armed clash", "Explosions/Remote violence": "Shelling/artillery/missile attack",
                           "Violence against civilians": "Attack", "Protests": "Peaceful protest", "Riots": "Violent demonstration",
                           "Strategic developments": "Other"}


def ruled(text: str) -> tuple[str, str] | None:
    """(event type, sub-event type) where the codebook decides from the words alone, else None."""
    for event_type, sub_type, pattern in _RULES:
        if pattern.search(text):
            return event_type, sub_type
    return None


def refined(event_type: str, sub_type: str | None, text: str) -> str | None:
    """The sub-event type the codebook gives within `event_type`, where words decide; else `sub_type`."""
    if event_type == "Protests":
        if _EXCESSIVE.search(text):
            return "Excessive force against protesters"
        return "Protest with intervention" if _INTERVENED.search(text) else "Peaceful protest"
    if event_type == "Explosions/Remote violence" and sub_type not in ("Suicide bomb", "Chemical weapon", "Air/drone strike"):
        if _GRENADE.search(text):
            return "Grenade"
        if _PLANTED.search(text):
            return "Remote explosive/landmine/IED"
    return sub_type


def ordered(options: tuple[str, ...], text: str) -> tuple[str, ...]:
    """`options` in an order drawn from `text` (the same text, the same order: runs repeat)."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    shuffled = list(options)
    random.Random(seed).shuffle(shuffled)
    return tuple(shuffled)


class _TypeAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")


@lru_cache(maxsize=64)
def type_model(options: tuple[str, ...]) -> type[BaseModel]:
    """{"type": one of options}."""
    return create_model("TypeAnswer", __base__=_TypeAnswer, type=(Literal.__getitem__(options), ...))  # type: ignore[attr-defined]


def event_options(text: str) -> tuple[str, ...]:
    return ordered((*EVENT_TYPES, NOT_VIOLENCE), text)


def sub_options(event_type: str, text: str) -> tuple[str, ...]:
    return ordered(SUB_EVENT_TYPES[event_type], text)


def checked(event_type: str, sub_type: str, text: str) -> tuple[str, str, str | None]:
    """A model's (event type, sub-type) after the codebook's rules, and a note when they changed it."""
    rule = ruled(text)
    event, sub = rule if rule else (event_type, refined(event_type, sub_type, text) or sub_type)
    if (event, sub) == (event_type, sub_type):
        return event, sub, None
    return event, sub, f'"{event_type}: {sub_type}" from the model replaced by "{event}: {sub}" (the codebook\'s rule for these words)'


def event_task(incident_id: str, sentences: str, options: tuple[str, ...]) -> str:
    listed = "\n".join(f'- "{o}": {EVENT_DEFINITIONS[o]}' for o in options)
    return (f"Task: which kind of event is incident {incident_id}? It is told in: {sentences}\n"
            f"Kinds:\n{listed}\n"
            f'Answer with JSON: "type": the kind that fits what these sentences say happened.')


def sub_task(incident_id: str, sentences: str, event_type: str, options: tuple[str, ...]) -> str:
    listed = "\n".join(f'- "{o}": {SUB_EVENT_DEFINITIONS[o]}' for o in options)
    return (f"Task: incident {incident_id} is {event_type}. Which kind exactly? It is told in: {sentences}\n"
            f"Kinds:\n{listed}\n"
            f'Answer with JSON: "type": the kind that fits what these sentences say happened.')
