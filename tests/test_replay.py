"""Recorded tier: real exchanges with the embedded model (served by llama-cpp-python on
127.0.0.1, recorded by scripts/record_fixtures.py) replayed offline through the CLI, the openai
client, instructor and the whole pipeline."""

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import ARTICLES, FIXTURES, ROOT
from extractor.cli import app
from extractor.llm.recording import vcr_for
from extractor.schema import SCHEMA_FILE

RECORDING = json.loads((FIXTURES / "recording.json").read_text())
CASSETTES = sorted((FIXTURES / "cassettes").glob("*.yaml"))
SCHEMA = json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text())


def test_every_example_article_has_a_recording():
    assert {p.stem for p in CASSETTES} == {p.stem for p in ARTICLES.glob("*.txt")}


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.stem)
def test_replay_through_the_cli_gives_the_recorded_grounded_document(cassette, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-replay-credential")
    out = tmp_path / "out.json"
    args = [
        "extract",
        str(ARTICLES / f"{cassette.stem}.txt"),
        "-o",
        str(out),
        "--no-cache",
        "--base-url",
        RECORDING["base_url"],
        "--model",
        RECORDING["model"],
        "--response-format",
        RECORDING["response_format"],
        "--max-attempts",
        str(RECORDING["max_attempts"]),
        "--small-model" if RECORDING.get("small_model") else "--no-small-model",
    ]
    with vcr_for(cassette.parent, record_mode="none").use_cassette(cassette.name) as recorded:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert recorded.all_played, "some recorded exchanges were not requested"
    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)

    text = (ARTICLES / f"{cassette.stem}.txt").read_text(encoding="utf-8")
    spans = [s for kind in ("incidents", "actors", "attributions") for item in document[kind] for s in item["evidence"]]
    assert spans and all(text[s["start"] : s["end"]] == s["quote"] for s in spans)

    expected = json.loads((FIXTURES / "expected" / f"{cassette.stem}.json").read_text())
    for doc in (document, expected):
        doc["provenance"].pop("extracted_at")
    assert document == expected
    assert document["provenance"]["attempts"] == len(recorded.data)
    if RECORDING.get("small_model"):  # the small questions' wire is recorded: one per event code found,
        # one per accusation code could not settle; each incident is an event the model said happened
        bodies = [json.loads(request.body) for request, _ in recorded.data]
        asked = [b["messages"][-1]["content"] for b in bodies]
        events = [a for a in asked if "Task: code found a possible event" in a]
        accusations = [a for a in asked if "Task: according to this sentence, who" in a]
        assert len(events) + len(accusations) == len(asked)
        assert len(events) >= len(document["incidents"]) > 0
        assert len(accusations) >= sum(t["confidence"] is not None for t in document["attributions"])


def test_a_request_that_was_not_recorded_fails_instead_of_reaching_a_network(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder-replay-credential")
    cassette = CASSETTES[0]
    article = tmp_path / "changed.txt"
    article.write_text((ARTICLES / f"{cassette.stem}.txt").read_text(encoding="utf-8") + "\nOne more sentence.")
    with vcr_for(cassette.parent, record_mode="none").use_cassette(cassette.name):
        result = CliRunner().invoke(
            app,
            [
                "extract",
                str(article),
                "--no-cache",
                "--base-url",
                RECORDING["base_url"],
                "--model",
                RECORDING["model"],
                "--response-format",
                "json_object",
            ],
        )
    assert result.exit_code != 0
