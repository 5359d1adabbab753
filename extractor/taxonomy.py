"""The fixed vocabularies of the output contract, schema version "2" (docs/contract.md).

ACLED's event types and the sub-event types that belong to each, plus the enumerations for
stage, precision, actor kind, attribution kind and warning code. Everything else imports these
names, so the contract is spelled once.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Literal, get_args

SCHEMA_VERSION = "2"
# Versions whose documents still load, read as this one (docs/contract-changes.md says what changed).
OLDER_SCHEMA_VERSIONS = ("1",)

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


class WarningCode(StrEnum):
    """What a warning reports, one stable code each: programs count and select warnings by code,
    never by their sentence (which may be reworded). Codes are only ever added; one that is no
    longer made stays, so older documents keep their meaning."""

    # Evidence the tool could not ground: the passage or sentence is left out of the item's evidence.
    QUOTE_NOT_FOUND = "quote_not_found"
    SENTENCE_NOT_SHOWN = "sentence_not_shown"
    # Items dropped.
    INCIDENT_UNGROUNDED = "incident_ungrounded"  # none of its evidence is in the article
    ACTOR_NOT_NAMED = "actor_not_named"  # the article never names it
    ATTRIBUTION_UNGROUNDED = "attribution_ungrounded"
    ATTRIBUTION_WITHOUT_INCIDENT = "attribution_without_incident"
    ITEM_UNFIT = "item_unfit"  # a salvaged item that could not be made to fit the schema
    NOT_POLITICAL_VIOLENCE = "not_political_violence"  # an incident the codebook does not count
    TARGET_UNKNOWN = "target_unknown"  # a target link to an unknown incident or actor
    # Repairs: the item is kept, the field set from what the tool computes.
    ITEM_REPAIRED = "item_repaired"  # fields of a salvaged item repaired to fit the schema
    ID_REUSED = "id_reused"
    ACTOR_REPEATED = "actor_repeated"
    ACTOR_EVIDENCE_UNNAMED = "actor_evidence_unnamed"  # evidence that does not name the actor
    MENTIONS_NOT_FOUND = "mentions_not_found"
    BACKER_UNKNOWN = "backer_unknown"
    EVENT_TYPE_MISMATCH = "event_type_mismatch"  # set from the sub-event type
    EVENT_TYPE_CODEBOOK = "event_type_codebook"  # changed by the codebook's rules
    FIGURES_NOT_STATED = "figures_not_stated"
    FIGURES_OUT_OF_ORDER = "figures_out_of_order"
    DATE_REVERSED = "date_reversed"
    DATE_NOT_CALENDAR = "date_not_calendar"
    DATE_AFTER_PUBLICATION = "date_after_publication"
    ATTRIBUTION_INCIDENT_MOVED = "attribution_incident_moved"
    SOURCE_UNKNOWN = "source_unknown"
    PERPETRATOR_WITH_UNKNOWN_KIND = "perpetrator_with_unknown_kind"
    PERPETRATOR_INFERRED = "perpetrator_inferred"
    PERPETRATOR_NOT_FOUND = "perpetrator_not_found"  # the kind became "unknown"
    ATTRIBUTION_REPEATED = "attribution_repeated"
    ACTOR_ADDED = "actor_added"  # an attribution names an actor that was not listed (earlier attribution stage)
    # Candidates the tool found in the article's words and left out (a small model's event and
    # attribution stages): an event the model judged did not happen, events beyond the number
    # asked about, statements that name no incident, a reporter, a target, a description or a
    # place for the perpetrator, a perpetrator against the article's word that nobody knows, or
    # one the model did not confirm.
    EVENT_NOT_HAPPENED = "event_not_happened"
    EVENTS_NOT_ASKED = "events_not_asked"
    STATEMENT_UNLINKED = "statement_unlinked"
    STATEMENT_BY_MEDIA = "statement_by_media"
    STATEMENT_NAMES_TARGET = "statement_names_target"
    STATEMENT_NAMES_DESCRIPTION = "statement_names_description"
    STATEMENT_NAMES_PLACE = "statement_names_place"
    STATEMENT_AGAINST_IGNORANCE = "statement_against_ignorance"
    STATEMENT_UNCONFIRMED = "statement_unconfirmed"
    BELOW_MIN_CONFIDENCE = "below_min_confidence"  # left out by --min-confidence
    # A stage or a window of a long article that did not go as asked.
    STAGE_SALVAGED = "stage_salvaged"  # no fully valid answer: what passed the checks is kept
    STAGE_LOST = "stage_lost"  # no usable answer: the earlier stages' records are kept
    QUESTION_UNANSWERED = "question_unanswered"  # (earlier attribution stage)
    WINDOW_LOST = "window_lost"
    WINDOW_MERGED = "window_merged"
    # Normalisation.
    DATE_RESOLVED = "date_resolved"
    COUNTRY_CODE_REPLACED = "country_code_replaced"
    PLACE_RENAMED = "place_renamed"
    PLACE_NEAR = "place_near"  # not in the gazetteer: placed near a place the text names
    PLACE_UNKNOWN = "place_unknown"
    ACTOR_MERGED = "actor_merged"
    ATTRIBUTION_JOINED = "attribution_joined"
    NORMALISE_FAILED = "normalise_failed"
    # A warning of a schema version 1 document, which gave warnings as sentences alone.
    LEGACY = "legacy"


# Codes of warnings that report an item thrown away (the quality benchmark counts them by code).
DROPPED = frozenset(
    {
        WarningCode.INCIDENT_UNGROUNDED,
        WarningCode.ACTOR_NOT_NAMED,
        WarningCode.ATTRIBUTION_UNGROUNDED,
        WarningCode.ATTRIBUTION_WITHOUT_INCIDENT,
        WarningCode.ITEM_UNFIT,
        WarningCode.NOT_POLITICAL_VIOLENCE,
    }
)
