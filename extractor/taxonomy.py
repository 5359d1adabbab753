"""The fixed vocabularies of the output contract, schema version "1" (docs/contract.md).

ACLED's event types and the sub-event types that belong to each, plus the enumerations for
stage, precision, actor kind and attribution kind. Everything else imports these names, so the
contract is spelled once.
"""

from typing import TYPE_CHECKING, Literal, get_args

SCHEMA_VERSION = "1"

SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Government regains territory", "Non-state actor overtakes territory", "Armed clash"),
    "Protests": ("Excessive force against protesters", "Protest with intervention", "Peaceful protest"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

EVENT_TYPE_OF: dict[str, str] = {sub: event for event, subs in SUB_EVENT_TYPES.items() for sub in subs}

# The same lists as types, so pydantic and the JSON Schema enumerate them.
EVENT_TYPES = (  # the contract's order
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
)
if TYPE_CHECKING:  # built from the tuples above at run time, which a type checker cannot follow
    EventType = str
    SubEventType = str
else:
    EventType = Literal[EVENT_TYPES]
    SubEventType = Literal[tuple(EVENT_TYPE_OF)]

Stage = Literal["accomplished", "attempted", "threatened"]
DatePrecision = Literal["day", "week", "month", "year"]
LocationPrecision = Literal["place", "near", "region", "country"]
ActorKind = Literal[
    "state_forces",
    "rebel_group",
    "political_militia",
    "identity_militia",
    "external_forces",
    "civilians",
    "protesters",
    "rioters",
    "government",
    "monitor",
    "media",
    "unidentified_armed_group",
    "other",
]
AttributionKind = Literal["reported", "claimed", "alleged", "denied", "unknown"]
Alignment = Literal["exact", "fuzzy"]


def belongs(event_type: str, sub_event_type: str) -> bool:
    """True when ACLED files `sub_event_type` under `event_type`."""
    return sub_event_type in SUB_EVENT_TYPES.get(event_type, ())


assert set(EVENT_TYPES) == set(SUB_EVENT_TYPES)
assert len(EVENT_TYPE_OF) == 25 and len(get_args(SubEventType)) == 25, "ACLED has 25 sub-event types"

# ISO 3166's code for "unknown": the country code of a location before normalisation computes it
# (a small model is not asked for it; a broken answer's code is replaced by it).
UNKNOWN_COUNTRY = "ZZ"
