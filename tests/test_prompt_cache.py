"""Cached prompt tokens: read from the usage each server returns, summed per article, priced at the
cached-input rate; and the repetition guard that stops the embedded model's loops. Logic tests
with hand-written fake answers (tests/support/fakes.py), no model."""

import json

import httpx2

from conftest import CONVOY, article
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.llm.repetition import closed, repeated_list
from extractor.runs.pricing import Prices, load_prices
from extractor.settings import Settings
from support.cited import ACTORS, INCIDENTS
from support.fakes import FakeModel, completion


def cached_answer(answer, prompt_tokens, cached):
    body = completion(json.dumps(answer), prompt_tokens=prompt_tokens)
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": cached}
    return httpx2.Response(200, json=body)


def test_cached_prompt_tokens_the_server_reports_are_summed_per_article():
    fake = FakeModel(cached_answer(INCIDENTS, 1800, 0), cached_answer(ACTORS, 1900, 1700))
    settings = Settings(provider="openai", model="gpt-4.1-mini", response_format="json_object", max_attempts=1)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, settings))
    assert doc.provenance.usage.model_dump() == {
        "prompt_tokens": 3700,
        "completion_tokens": 100,
        "cached_prompt_tokens": 1700,
    }


def test_cached_tokens_cost_the_cached_input_price():
    prices = Prices({"m": (1.0, 4.0, 0.25)})
    full = prices.cost("openai", "m", {"prompt_tokens": 1_000_000, "completion_tokens": 0})
    half_cached = prices.cost(
        "openai", "m", {"prompt_tokens": 1_000_000, "completion_tokens": 0, "cached_prompt_tokens": 500_000}
    )
    assert (full, half_cached) == (1.0, 0.625)
    assert (
        load_prices(None).cost(
            "openai", "gpt-4.1-mini", {"prompt_tokens": 1_000_000, "cached_prompt_tokens": 1_000_000}
        )
        == 0.1
    )


def test_a_price_table_without_a_cached_price_bills_cached_tokens_as_input(tmp_path):
    table = tmp_path / "prices.json"
    table.write_text('{"mine": {"input": 2, "output": 8}}')
    assert (
        load_prices(table).cost("openai", "mine", {"prompt_tokens": 1_000_000, "cached_prompt_tokens": 1_000_000})
        == 2.0
    )


def test_a_list_item_repeating_an_earlier_one_is_found_once_complete():
    item = {"id": "I1", "evidence": [1, 3], "sub_event_type": "Air/drone strike"}
    again = {**item, "id": "I2", "evidence": [1, 4]}  # the same judgement, a shared sentence: the loop
    other = {**item, "id": "I2", "evidence": [7]}  # the same judgement about other words: a second strike
    text = json.dumps({"incidents": [item, again]})
    assert repeated_list(text[:-3]) is None  # the repeat is still being written
    assert repeated_list(json.dumps({"incidents": [item, again, {"id": "I3"}]})[:-3]) == ("incidents", 1)
    assert repeated_list(text) == ("incidents", 1)
    assert repeated_list(json.dumps({"incidents": [item, other]})) is None
    named = json.dumps({"actors": [{"id": "A1", "name": "Forces"}, {"id": "A2", "name": "forces", "evidence": [9]}]})
    assert repeated_list(named) == ("actors", 1)


def test_the_answer_is_closed_before_the_repeat_with_the_required_lists_empty():
    schema = {
        "required": ["actors", "attributions"],
        "properties": {"actors": {"type": "array"}, "attributions": {"type": "array"}},
    }
    text = '{"actors": [{"id": "A1", "name": "Army"}, {"id": "A2", "name": "Rebels"}, {"id": "A3", "name": "army"}, {"id": "A4", "na'
    where = repeated_list(text)
    assert where == ("actors", 2)
    assert json.loads(closed(text, where, schema)) == {
        "actors": [{"id": "A1", "name": "Army"}, {"id": "A2", "name": "Rebels"}],
        "attributions": [],
    }
