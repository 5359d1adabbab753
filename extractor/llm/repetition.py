"""Stopping a small model that repeats itself: pure logic over the JSON text generated so far.

The embedded 0.5B model, once unsure, often repeats one list item until the list's bound: the same
incident five times with new ids, one actor twelve times (docs/benchmarks/quality.md). Every repeat
costs seconds of generation and is then merged away. The embedded transport streams the answer
and asks `repeated_list` after each closing brace; at the first item that repeats an earlier one
of its list, generation stops and `closed` turns the text so far into a complete answer: the items
before the repeat, and empty lists for the required lists not reached. A capable model served
elsewhere never goes through this.

Two items repeat when both have a `name` and the names are equal once case is folded, or when
they are equal leaving out their `id` and `evidence` and their evidence shares a sentence (or
either cites none): the same judgement about the same words. The 0.5B model's other loop, the
same incident again citing sentences [1, 3], [1, 4], [1, 5], ..., is caught by the second.
"""

from __future__ import annotations

import json
from typing import Any

import jiter


def _partial(text: str) -> Any:
    try:
        return jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except ValueError:
        return None


def _repeats(item: Any, earlier: Any) -> bool:
    if not (isinstance(item, dict) and isinstance(earlier, dict)):
        return item == earlier
    if isinstance(item.get("name"), str) and isinstance(earlier.get("name"), str):
        return item["name"].casefold().strip() == earlier["name"].casefold().strip()

    def judgement(x: dict) -> str:
        return json.dumps({k: v for k, v in x.items() if k not in ("id", "evidence")}, sort_keys=True)

    def cited(x: dict) -> set[str]:
        evidence = x.get("evidence")
        return {json.dumps(e) for e in evidence} if isinstance(evidence, list) else set()

    shared = not cited(item) or not cited(earlier) or bool(cited(item) & cited(earlier))
    return shared and judgement(item) == judgement(earlier)


def repeated_list(text: str) -> tuple[str, int] | None:
    """(list name, index of the first repeating item) when a complete item of a top-level list
    of the JSON object in `text` repeats an earlier item of that list; else None. The last item
    of each list is read only once it is followed by another or the list is closed."""
    data = _partial(text)
    if not isinstance(data, dict):
        return None
    for name, items in data.items():
        if not isinstance(items, list):
            continue
        complete = items if _closed(text, name) else items[:-1]
        for index, item in enumerate(complete):
            if any(_repeats(item, earlier) for earlier in complete[:index]):
                return name, index
    return None


def _closed(text: str, name: str) -> bool:
    """Whether the list under `name` has its closing bracket in `text` (it is the last key
    begun, so this holds when the text after its opening holds a matching ']')."""
    start = text.rfind(f'"{name}"')
    if start < 0:
        return False
    depth = 0
    in_string = escaped = False
    for ch in text[text.find("[", start) :]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return True
    return False


def closed(text: str, where: tuple[str, int], schema: dict[str, Any] | None) -> str:
    """A complete JSON answer from `text` cut at the repeat `where`: lists begun keep their
    complete items (the repeating list only those before the repeat); required lists of the
    response schema not yet reached are empty."""
    data = _partial(text)
    data = data if isinstance(data, dict) else {}
    answer: dict[str, Any] = {}
    for name, value in data.items():
        if not isinstance(value, list):
            continue  # a scalar still being written is incomplete; the schema has none at the top
        answer[name] = value[: where[1]] if name == where[0] else (value if _closed(text, name) else value[:-1])
    for name in (schema or {}).get("required", []):
        if (schema or {}).get("properties", {}).get(name, {}).get("type") == "array":
            answer.setdefault(name, [])
    return json.dumps(answer, ensure_ascii=False)
