"""A value's probability from the tokens' log-probabilities (extractor.llm.confidence), the
embedded transport's logits observer, and the client carrying the log-probabilities a server
gives. Logic tests with hand-written token lists and a fake server."""

from __future__ import annotations

import json
import math

import httpx2
import numpy as np

from extractor.llm.client import LLMClient
from extractor.llm.confidence import value_probability
from extractor.llm.embedded import _Logprobs
from extractor.settings import Settings
from support.fakes import completion


def test_a_values_probability_is_the_product_of_the_tokens_that_spell_it():
    content = '{"answer": "Houthis"}'
    tokens = [
        ('{"', -0.1),
        ("answer", -0.2),
        ('":', 0.0),
        (' "', 0.0),
        ("H", math.log(0.8)),
        ("outhis", math.log(0.5)),
        ('"}', -1.0),
    ]
    assert value_probability(content, tokens, "answer") == 0.8 * 0.5


def test_no_probability_without_tokens_that_spell_the_answer_or_without_the_key():
    assert value_probability('{"answer": "x"}', None, "answer") is None
    assert value_probability('{"answer": "x"}', [("{", 0.0), ("nope", 0.0)], "answer") is None
    assert value_probability('{"other": "x"}', [('{"other": "x"}', 0.0)], "answer") is None


def test_the_observer_reads_each_chosen_tokens_log_probability_from_the_raw_logits():
    observer = _Logprobs()
    logits = [np.array([0.0, math.log(3.0)]), np.array([math.log(9.0), 0.0])]
    observer([7], logits[0])  # first step: nothing chosen yet
    observer([7, 1], logits[1])  # token 1 was chosen after the first step's logits
    observer([7, 1, 0], logits[1])
    assert [t for t, _ in observer.steps] == [1, 0]
    assert math.isclose(math.exp(observer.steps[0][1]), 0.75)
    assert math.isclose(math.exp(observer.steps[1][1]), 0.9)


def test_the_client_carries_the_servers_log_probabilities_when_asked():
    from pydantic import BaseModel

    class Answer(BaseModel):
        answer: str

    body = completion('{"answer": "IS"}')
    body["choices"][0]["logprobs"] = {
        "content": [
            {"token": '{"answer": "', "logprob": 0.0, "bytes": None, "top_logprobs": []},
            {"token": "IS", "logprob": math.log(0.6), "bytes": None, "top_logprobs": []},
            {"token": '"}', "logprob": 0.0, "bytes": None, "top_logprobs": []},
        ]
    }
    seen = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.read()))
        return httpx2.Response(200, json=body)

    client = LLMClient.from_transport(httpx2.MockTransport(answer), Settings(api_key="k", model="m"))
    got = client.extract(Answer, [{"role": "user", "content": "who?"}], {}, 16, logprobs=True)
    assert seen[0]["logprobs"] is True
    assert math.isclose(value_probability(got.content, got.logprobs, "answer"), 0.6)
    plain = client.extract(Answer, [{"role": "user", "content": "who?"}], {}, 16)
    assert "logprobs" not in seen[1] and plain.logprobs is None  # not asked for: not read


# --- --min-confidence: what leaves the output, after the cache ---------------------------------


def _document_with(confidences: list[float | None]):
    """A hand-written output document (a fake for logic tests): one incident, two actors, and one
    attribution per confidence given."""
    from extractor.schema import ArticleExtraction

    quote = "A drone struck a convoy."
    evidence = [{"quote": quote, "start": 0, "end": len(quote), "alignment": "exact"}]

    return ArticleExtraction.model_validate(
        {
            "schema_version": "2",
            "article": {"id": "fake-article", "published": "2023-01-30", "sha256": "0" * 64},
            "incidents": [
                {
                    "id": "I1",
                    "summary": "A drone strike hit a convoy.",
                    "event_type": "Explosions/Remote violence",
                    "sub_event_type": "Air/drone strike",
                    "stage": "accomplished",
                    "primary": True,
                    "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day"},
                    "location": {"name": "Boukamal", "country": "Syria", "country_code": "SY", "precision": "place"},
                    "evidence": evidence,
                }
            ],
            "actors": [
                {"id": "A1", "name": "Israel", "kind": "government"},
                {"id": "A2", "name": "Iran", "kind": "government"},
            ],
            "attributions": [
                {
                    "id": f"T{n}",
                    "incident_id": "I1",
                    "perpetrator_id": "A1" if n % 2 else "A2",
                    "source_id": None,
                    "kind": "alleged",
                    "hedged": False,
                    "confidence": value,
                }
                for n, value in enumerate(confidences, 1)
            ],
            "provenance": {
                "provider": "fake",
                "model": "fake-model",
                "prompt_version": "test",
                "attempts": 1,
                "usage": {"prompt_tokens": 0, "completion_tokens": 0},
                "cache_hit": False,
                "extracted_at": "2024-01-01T00:00:00Z",
            },
        }
    )


def test_attributions_below_the_minimum_confidence_leave_with_a_warning_and_those_without_one_stay():
    from extractor.runs.article import confident
    from extractor.taxonomy import WarningCode

    document = _document_with([0.9, 0.3, None, 0.5])
    kept = confident(document, 0.5)
    assert [a.id for a in kept.attributions] == ["T1", "T3", "T4"]  # 0.5 is not below 0.5; None is kept
    (note,) = [w for w in kept.warnings if w.code == WarningCode.BELOW_MIN_CONFIDENCE]
    assert "T2" in note.message and "0.30" in note.message and "0.5" in note.message
    assert kept.actors == document.actors and kept.incidents == document.incidents  # nothing grounded is lost
    assert confident(document, None) is document
    assert confident(document, 0.0) is document


def test_the_minimum_confidence_is_a_setting_from_flag_or_environment_checked_for_range():
    import pytest

    from extractor.errors import ConfigError
    from extractor.settings import resolve

    assert resolve({"min_confidence": 0.7}, env={}).min_confidence == 0.7
    assert resolve({}, env={"EXTRACTOR_MIN_CONFIDENCE": "0.4"}).min_confidence == 0.4
    assert resolve({}, env={}).min_confidence is None
    assert "min_confidence" not in resolve({"min_confidence": 0.7}, env={}).params()  # not part of the cache key
    with pytest.raises(ConfigError, match="minimum confidence"):
        resolve({"min_confidence": 1.5}, env={})


def test_the_cli_refuses_a_minimum_confidence_out_of_range_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from extractor.cli import app

    article = tmp_path / "a.txt"
    article.write_text("A drone struck a convoy on Sunday.", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(article), "--min-confidence", "1.5"])
    assert result.exit_code == 2
    assert "min-confidence" in result.output and "Traceback" not in result.output


def test_the_csv_export_gives_the_confidence_of_the_attribution_that_names_actor1():
    from extractor.results.export import acled_row

    document = _document_with([0.83, None])
    row = acled_row(document, document.incidents[0])
    assert row["actor1"] == "Israel" and row["actor1_confidence"] == 0.83
    unsure = _document_with([None])
    assert acled_row(unsure, unsure.incidents[0])["actor1_confidence"] is None
