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
