import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from conftest import GOLD, ROOT
from extractor.cli import app
from extractor.schema import SCHEMA_FILE, ArticleExtraction, ExtractionWarning, GoldExtraction, json_schema, warning
from extractor.taxonomy import EVENT_TYPE_OF, SCHEMA_VERSION, SUB_EVENT_TYPES, WarningCode

GOLD_FILES = sorted(GOLD.glob("*.json"))


def test_published_schema_matches_the_models():
    assert SCHEMA_FILE == f"extraction.v{SCHEMA_VERSION}.json"
    published = json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text())
    assert published == json_schema(), f"schemas/{SCHEMA_FILE} drifted: run `extractor schema -o schemas/{SCHEMA_FILE}`"


def test_schema_command_prints_the_published_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text())


def test_every_published_version_stays_published_and_each_change_is_documented():
    changes = (ROOT / "docs" / "contract-changes.md").read_text()
    for version in range(1, int(SCHEMA_VERSION) + 1):
        assert (ROOT / "schemas" / f"extraction.v{version}.json").exists()
        assert f"## Version {version}" in changes


def test_all_25_acled_sub_event_types_each_tied_to_one_event_type():
    assert len(EVENT_TYPE_OF) == 25
    assert EVENT_TYPE_OF["Air/drone strike"] == "Explosions/Remote violence"
    assert EVENT_TYPE_OF["Disrupted weapons use"] == "Strategic developments"
    assert sum(len(v) for v in SUB_EVENT_TYPES.values()) == 25
    enum = json_schema()["$defs"]["Incident"]["properties"]["sub_event_type"]["enum"]
    assert sorted(enum) == sorted(EVENT_TYPE_OF)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_validates_against_the_models(path):
    gold = GoldExtraction.model_validate_json(path.read_text())
    assert gold.incidents and gold.actors and gold.attributions


def _valid_document() -> dict:
    """A small hand-written document (a fake for logic tests, not a recording): one incident, two
    actors, one attribution, published 2023-01-29."""
    quote = "Drones attacked a convoy of trucks in eastern Syria Sunday night"
    span = {"quote": quote, "start": 31, "end": 31 + len(quote), "alignment": "exact"}
    observatory = "the Observatory"
    return {
        "schema_version": SCHEMA_VERSION,
        "article": {"id": "convoy", "published": "2023-01-29", "sha256": "0" * 64},
        "incidents": [
            {
                "id": "I1",
                "summary": "Drones struck a convoy.",
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Air/drone strike",
                "stage": "accomplished",
                "primary": True,
                "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day", "text": "Sunday night"},
                "location": {"name": "Boukamal", "country": "Syria", "country_code": "SY", "precision": "place"},
                "fatalities": {"low": 1, "best": 2, "high": 3},
                "evidence": [span],
            }
        ],
        "actors": [
            {"id": "A1", "name": "U.S.-led coalition", "kind": "external_forces", "country_code": "US"},
            {"id": "A2", "name": "Syrian Observatory for Human Rights", "mentions": [observatory], "kind": "monitor"},
        ],
        "attributions": [
            {
                "id": "T1",
                "incident_id": "I1",
                "perpetrator_id": "A1",
                "source_id": "A2",
                "kind": "alleged",
                "hedged": True,
                "evidence": [span],
            }
        ],
        "provenance": {
            "provider": "embedded",
            "model": "m",
            "prompt_version": "p",
            "attempts": 2,
            "usage": {"prompt_tokens": 1, "completion_tokens": 2},
            "cache_hit": False,
            "extracted_at": "2026-01-01T00:00:00Z",
        },
        "warnings": [],
    }


def test_round_trip_is_lossless():
    doc = ArticleExtraction.model_validate(_valid_document())
    again = ArticleExtraction.model_validate_json(doc.model_dump_json())
    assert again == doc


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d["incidents"][0].update(sub_event_type="Peaceful protest"), "is not a kind of"),
        (lambda d: d["incidents"][0]["fatalities"].update(low=5, best=3), "low <= best <= high"),
        (lambda d: d["incidents"][0]["date"].update(start="2023-01-30", end="2023-01-29"), "after it ends"),
        (lambda d: d["incidents"][0]["date"].update(end="2023-02-05"), "after publication"),
        (lambda d: d["attributions"][0].update(perpetrator_id="A99"), "unknown perpetrator"),
        (lambda d: d["attributions"][0].update(incident_id="I9"), "unknown incident"),
        (lambda d: d["incidents"][0].update(target_actor_ids=["A77"]), "unknown actor"),
        (lambda d: d["incidents"][0]["evidence"][0].update(end=40), "length of its quote"),
        (lambda d: d.update(schema_version="3"), "schema_version"),
        (lambda d: d.update(warnings=[{"code": "no_such_code", "message": "x"}]), "warnings.0.code"),
        (lambda d: d.update(warnings=[{"code": "quote_not_found", "ids": ["X1"], "message": "x"}]), "warnings.0.ids"),
        (lambda d: d["incidents"][0].update(evidence=[]), "evidence"),
    ],
)
def test_contract_invariants_are_enforced(breakage, message):
    doc = _valid_document()
    breakage(doc)
    with pytest.raises(ValidationError, match=message):
        ArticleExtraction.model_validate(doc)


def test_a_warning_is_a_code_the_ids_it_concerns_and_its_sentence():
    doc = _valid_document()
    doc["warnings"] = [
        {"code": "quote_not_found", "ids": ["I1"], "message": 'incident I1: evidence "x" is not in the article'}
    ]
    (found,) = ArticleExtraction.model_validate(doc).warnings
    assert (found.code, found.ids, str(found)) == (WarningCode.QUOTE_NOT_FOUND, ["I1"], doc["warnings"][0]["message"])
    assert json.loads(ArticleExtraction.model_validate(doc).model_dump_json())["warnings"] == doc["warnings"]
    with pytest.raises(TypeError, match="warning.message"):
        "evidence" in found  # noqa: B015 - a sentence search on the model itself fails loudly, not quietly False


def test_a_schema_version_1_document_loads_its_warnings_with_the_legacy_code():
    old = _valid_document() | {"schema_version": "1", "warnings": ['incident I1: evidence "x" is not in the article']}
    for loaded in (ArticleExtraction.model_validate(old), ArticleExtraction.model_validate_json(json.dumps(old))):
        assert loaded.schema_version == SCHEMA_VERSION
        assert loaded.warnings == [
            ExtractionWarning(
                code=WarningCode.LEGACY, ids=[], message='incident I1: evidence "x" is not in the article'
            )
        ]
    assert GoldExtraction.model_validate(old).warnings[0].code == WarningCode.LEGACY


def test_renaming_a_warnings_ids_follows_records_and_leaves_out_those_dropped():
    said = warning(WarningCode.PERPETRATOR_INFERRED, "...", "I3", "A2", None, "A2")
    assert said.ids == ["I3", "A2"]
    assert said.renamed({"I3": "I1", "A2": "A1"}).ids == ["I1", "A1"]
    assert said.renamed({"I3": "I1"}).ids == ["I1"]
    assert said.prefixed("actors: ").message == "actors: ..."
