"""What is left of an answer that never validated: its items, one by one, repaired where possible.

Pure logic. `salvage(text, container)` reads the last completion of a stage whose attempts ran out
(raw control characters count as spaces; an answer cut off at the token cap is read as far as it
goes, see `extractor.llm.client.parse_json`) and validates each item of each list on its own, so one bad
item never costs the others. An item that does not fit its draft model is repaired, one error at
a time, before it is given up (`repaired_item`):
  * a string or list over its length limit is cut to the limit;
  * a bad element of a list (a quote, a name) is removed;
  * a bad optional field is left out;
  * a bad required field that the tool computes or checks later gets a placeholder that the
    later stage repairs with a warning (`PLACEHOLDERS`): an unreadable date (resolved from the
    article, `extractor.flow.assemble`), an unknown country code (computed from the place,
    `extractor.normalise.places`), an unknown id (renumbered, or resolved to the nearest incident), a null
    perpetrator or source, the event type of the sub-event type, an actor's own name as evidence.
Only a required field with no such placeholder (a summary, a stage, a sub-event type) makes the
item go, with a warning that says which field.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from extractor.llm.client import parse_json
from extractor.schema import ExtractionWarning, warning
from extractor.taxonomy import (
    EVENT_TYPE_OF,
    UNKNOWN_COUNTRY,
    WarningCode,
)  # `extractor.normalise.places` computes the real code

UNREADABLE_DATE = "0000-00-00"  # not a calendar date: `extractor.flow.assemble` resolves it from the article


def _event_type(item: dict) -> Any:
    sub_event_type = item.get("sub_event_type")
    return EVENT_TYPE_OF.get(sub_event_type) if isinstance(sub_event_type, str) else None


# (draft model, field) -> the placeholder, computed from the item being repaired.
PLACEHOLDERS: dict[tuple[str, str], Callable[[dict], Any]] = {
    ("DraftIncident", "id"): lambda item: "I0",
    ("DraftIncident", "event_type"): _event_type,
    ("DraftIncident", "date"): lambda item: {"start": UNREADABLE_DATE, "end": UNREADABLE_DATE, "precision": "day"},
    ("DraftDate", "start"): lambda item: UNREADABLE_DATE,
    ("DraftDate", "end"): lambda item: UNREADABLE_DATE,
    ("DraftDate", "precision"): lambda item: "day",
    ("DraftLocation", "country_code"): lambda item: UNKNOWN_COUNTRY,
    ("DraftLocation", "precision"): lambda item: "place",
    ("DraftActor", "id"): lambda item: "A0",
    ("DraftActor", "evidence"): lambda item: (
        [item["name"]] if isinstance(item.get("name"), str) and len(item["name"]) >= 3 else None
    ),
    ("DraftAttribution", "incident_id"): lambda item: "I0",
    ("DraftAttribution", "perpetrator_id"): lambda item: None,
    ("DraftAttribution", "source_id"): lambda item: None,
    ("DraftAttribution", "hedged"): lambda item: False,
}


def salvage(text: str | None, container: type[BaseModel]) -> tuple[BaseModel | None, list[ExtractionWarning]]:
    """The items of a last, invalid answer that still parse on their own, repaired where possible."""
    data = parse_json(text)
    if not isinstance(data, dict) or any(not isinstance(data.get(name) or [], list) for name in container.model_fields):
        return None, []  # not the shape asked for: nothing to salvage
    kept: dict[str, Any] = {name: [] for name in container.model_fields}
    issues: list[ExtractionWarning] = []
    for name, field_info in container.model_fields.items():
        item_type = get_args(field_info.annotation)[0]  # list[X] -> X
        for number, item in enumerate(data.get(name) or [], start=1):
            value, notes = repaired_item(item_type, item)
            own_id = getattr(value, "id", None)
            repairs = notes if value is not None else notes[:-1]  # a dropped item's last note says why
            issues += [warning(WarningCode.ITEM_REPAIRED, f"{name[:-1]} {number} {note}", own_id) for note in repairs]
            if value is None:
                issues.append(warning(WarningCode.ITEM_UNFIT, f"{name[:-1]} {number} {notes[-1]}"))
            else:
                kept[name].append(value)
    # Each item is valid on its own; the container is not re-validated, so an over-long list from
    # a server without grammar limits is still kept rather than failing the whole stage.
    return container.model_construct(**kept), issues


def repaired_item(item_type: type[BaseModel], item: Any, *, rounds: int = 16) -> tuple[BaseModel | None, list[str]]:
    """`item` validated as `item_type`, repaired one error at a time (see the module docstring).
    Returns (None, why) when an error is left that nothing safe can repair."""
    notes: list[str] = []
    data = copy.deepcopy(item)
    for round_number in range(rounds + 1):
        try:
            return item_type.model_validate(data), notes
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            if round_number == rounds or not isinstance(data, dict) or not _repair_at(item_type, data, first):
                return None, [*notes, f"does not fit the schema ({where}: {_brief(first['msg'])}); dropped"]
            notes.append(f"had {where} repaired to fit the schema ({_brief(first['msg'])})")
    return None, notes  # not reached: the last round returns


def _brief(message: str, limit: int = 160) -> str:
    # An enumeration of sentence numbers makes pydantic list every allowed value.
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _repair_at(model: type[BaseModel], data: dict, error: ErrorDetails) -> bool:
    """Repair `data` in place at the error's location; False when nothing safe can be done."""
    loc = list(error["loc"])
    parent: Any = data
    owner: type[BaseModel] | None = model
    for step in loc[:-1]:  # walk to the container of the bad value, following the model's fields
        if isinstance(step, int) and isinstance(parent, list) and step < len(parent):
            parent = parent[step]
        elif isinstance(step, str) and isinstance(parent, dict) and isinstance(parent.get(step), (dict, list)):
            info = owner.model_fields.get(step) if owner else None
            owner = _model_in(info.annotation) if info else None
            parent = parent[step]
        else:
            return False
    last = loc[-1] if loc else None
    value = _get(parent, last)
    limit = (error.get("ctx") or {}).get("max_length")
    if error["type"] == "string_too_long" and isinstance(value, str) and limit:
        parent[last] = value[:limit]
        return True
    if error["type"] == "too_long" and isinstance(value, list) and limit:
        parent[last] = value[:limit]
        return True
    if isinstance(parent, list) and isinstance(last, int):
        del parent[last]  # one bad element of a list (a quote, a name)
        return True
    if not (isinstance(parent, dict) and isinstance(last, str) and owner is not None):
        return False
    info = owner.model_fields.get(last)
    if info is None or not info.is_required():
        parent.pop(last, None)  # unknown or optional: left out
        return True
    placeholder = PLACEHOLDERS.get((owner.__name__, last))
    if placeholder is None:
        return False
    fill = placeholder(data if owner is model else parent)
    if fill is None and last not in ("perpetrator_id", "source_id") or parent.get(last, object()) == fill:
        return False  # no placeholder for this item, or it was tried already
    parent[last] = fill
    return True


def _get(parent: Any, key: Any) -> Any:
    if isinstance(parent, dict):
        return parent.get(key)
    if isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        return parent[key]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as `X`, `X | None` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
