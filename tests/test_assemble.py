"""The attribution repairs of `extractor.flow.assemble` (see its docstring), each by its warning's code."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.flow.assemble import assemble_actors
from extractor.flow.draft import DraftActor, DraftActorsAndAttributions, DraftAttribution, DraftTarget
from extractor.flow.ground import Grounder
from extractor.schema import Incident, Span
from extractor.taxonomy import WarningCode

TEXT = (Path(__file__).resolve().parent.parent / "examples" / "ap-2023-01-29-syria-convoy.txt").read_text(
    encoding="utf-8"
)
ISRAEL = "Israel was behind a strike on a truck convoy"
MONITOR = "The Britain-based Syrian Observatory for Human Rights"


def actors_draft(*attributions: DraftAttribution, targets=()) -> DraftActorsAndAttributions:
    return DraftActorsAndAttributions(
        actors=[
            DraftActor(id="A1", evidence=[ISRAEL], name="Israel", kind="state_forces", backed_by=["A9"]),
            DraftActor(id="A2", evidence=[MONITOR], name="Syrian Observatory for Human Rights", kind="monitor"),
            DraftActor(id="A3", evidence=["Omar Abu Layla"], name="Omar Abu Layla", kind="civilians"),
        ],
        attributions=list(attributions),
        targets=list(targets),
    )


def attribution(kind: str, perpetrator: str | None, source: str | None, quote: str = ISRAEL) -> DraftAttribution:
    return DraftAttribution(
        incident_id="I1", evidence=[quote], perpetrator_id=perpetrator, source_id=source, kind=kind, hedged=False
    )


def incident() -> Incident:
    start = TEXT.index("Drones attacked")
    quote = TEXT[start : start + 40]
    return Incident.model_construct(
        id="I1", target_actor_ids=[], evidence=[Span(quote=quote, start=start, end=start + 40, alignment="exact")]
    )


def assembled(*attributions: DraftAttribution, targets=()):
    result, issues = assemble_actors(actors_draft(*attributions, targets=targets), Grounder(TEXT), [incident()])
    return result, [w.code for w in issues]


@pytest.mark.parametrize(
    ("draft", "perpetrator", "kind", "code"),
    [
        # kind "unknown" names no one: the perpetrator given is nulled
        (attribution("unknown", "A1", None), None, "unknown", WarningCode.PERPETRATOR_WITH_UNKNOWN_KIND),
        # who claims or denies speaks of itself
        (attribution("denied", None, "A1"), "A1", "denied", WarningCode.PERPETRATOR_INFERRED),
        # the one listed actor its evidence names (not the monitor, the source or a target)
        (attribution("alleged", "A7", "A2"), "A1", "alleged", WarningCode.PERPETRATOR_INFERRED),
        # evidence naming no listed actor that may be one: no accusation, kind unknown
        (attribution("reported", None, None, MONITOR), None, "unknown", WarningCode.PERPETRATOR_NOT_FOUND),
    ],
)
def test_a_perpetrator_is_repaired_or_nulled_never_guessed(draft, perpetrator, kind, code):
    result, codes = assembled(draft)
    (kept,) = result.attributions
    assert (kept.perpetrator_id, kept.kind) == (perpetrator, kind) and code in codes


def test_a_target_is_never_inferred_as_the_perpetrator():
    result, codes = assembled(
        attribution("reported", None, None), targets=[DraftTarget(incident_id="I1", actor_id="A1")]
    )
    assert result.incidents[0].target_actor_ids == ["A1"]
    assert result.attributions[0].perpetrator_id is None and WarningCode.PERPETRATOR_NOT_FOUND in codes


def test_unknown_sources_backers_and_repeats_are_repaired_with_their_codes():
    result, codes = assembled(attribution("alleged", "A1", "A8"), attribution("alleged", "A1", None))
    assert [a.source_id for a in result.attributions] == [None]  # the unknown source nulled, then a repeat
    assert WarningCode.SOURCE_UNKNOWN in codes and WarningCode.ATTRIBUTION_REPEATED in codes
    assert result.actors[0].backed_by == [] and WarningCode.BACKER_UNKNOWN in codes
