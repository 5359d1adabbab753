"""The fault-injecting fake OpenAI server (tests/support/fault_server.py) through the real openai SDK:
valid grounded answers, each fault at its configured rate, scripted faults, concurrency with real
latency, a clean close, and the Files + Batches round trip."""

import json
import math
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx2
import openai
import pytest
from pydantic import ValidationError

from conftest import CONVOY, OILFIELD, article
from extractor.flow import prompts
from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.llm.transport import RetryingTransport
from extractor.settings import Settings
from extractor.taxonomy import WarningCode
from support.fault_server import FAULTS, FaultServer, article_key

KEY = "test-placeholder"  # not a real key, and not shaped like one


def sdk(server, **options):
    return openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0, **options)


def ask(client, messages, model=DraftIncidents, **options):
    schema = {"name": model.__name__, "schema": model.model_json_schema()}
    return client.chat.completions.create(
        model="fake-model", messages=messages, response_format={"type": "json_schema", "json_schema": schema}, **options
    )


def pipeline_client(server, **transport):
    settings = Settings(provider="openai", base_url=server.base_url, api_key=KEY, model="fake-model", timeout=5)
    retrying = RetryingTransport(httpx2.HTTPTransport(), initial_wait=0.01, max_backoff=0.05, **transport)
    return LLMClient.from_transport(retrying, settings)


def quotes(draft):
    return [
        q
        for item in [
            *getattr(draft, "incidents", []),
            *getattr(draft, "actors", []),
            *getattr(draft, "attributions", []),
        ]
        for q in item.evidence
    ]


def test_valid_answers_for_both_stages_quote_the_article():
    convoy = article(CONVOY)
    with FaultServer() as server:
        client = sdk(server)
        first = ask(client, prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes")))
        incidents = DraftIncidents.model_validate_json(first.choices[0].message.content)
        second = ask(
            client,
            prompts.actor_messages(
                convoy,
                prompts.View.of(convoy, "quotes"),
                [("I1", "a strike", f'evidence: "{incidents.incidents[0].evidence[0]}"')],
            ),
            model=DraftActorsAndAttributions,
        )
        actors = DraftActorsAndAttributions.model_validate_json(second.choices[0].message.content)
        log = server.requests
    assert len(incidents.incidents) == 1 and incidents.incidents[0].date.start == "2023-01-29"
    assert actors.actors[0].name in convoy.text and actors.attributions[0].incident_id == "I1"
    assert all(q in convoy.text for q in quotes(incidents) + quotes(actors))
    assert first.usage.prompt_tokens > 100 and first.usage.completion_tokens > 10
    assert [(e.article, e.stage, e.attempt, e.fault, e.status, e.outcome) for e in log] == [
        (article_key(convoy.model_text), "incidents", 1, None, 200, "answered"),
        (article_key(convoy.model_text), "actors", 1, None, 200, "answered"),
    ]
    assert server.errors == []


def test_the_real_pipeline_gets_a_grounded_document_in_two_calls():
    oilfield = article(OILFIELD)
    with FaultServer() as server:
        doc = extract_article(oilfield, pipeline_client(server))
        counts = server.count_by_article()
    assert (len(doc.incidents), len(doc.actors), len(doc.attributions)) == (1, 1, 1)
    # The fake types every first sentence as an air strike; this one says "shelled", and the codebook's words decide.
    assert doc.incidents[0].sub_event_type == "Shelling/artillery/missile attack"
    assert [w.code for w in doc.warnings] == [WarningCode.EVENT_TYPE_CODEBOOK] and "codebook" in doc.warnings[0].message
    assert all(oilfield.text[s.start : s.end] == s.quote for s in doc.incidents[0].evidence + doc.actors[0].evidence)
    assert counts == {article_key(oilfield.model_text): 2}


def observed(client, messages, text):
    """What a client sees of one request, named like the fault that caused it."""
    try:
        response = ask(client, messages)
    except openai.RateLimitError as exc:
        assert exc.response.headers["retry-after"] == "0.05"
        return "429"
    except openai.APIStatusError as exc:
        return str(exc.status_code)
    except openai.APIConnectionError:
        return "drop"  # drop and drop_mid_body look alike to a client
    choice = response.choices[0]
    if choice.finish_reason == "length":
        return "truncated_length"
    try:
        draft = DraftIncidents.model_validate_json(choice.message.content)
    except ValidationError as exc:
        return "truncated" if exc.errors()[0]["type"] == "json_invalid" else "invalid"
    return "ok" if all(q in text for q in quotes(draft)) else "bad_quote"


# What a client can tell of each fault: a slow answer is a valid answer that came late (whether it
# came late is the server's log to say, not a clock in the test), and the two drops look alike.
CLIENT_VIEW = {"slow": "ok", "drop_mid_body": "drop"}


def test_each_fault_occurs_at_roughly_its_rate_and_the_draws_are_seeded():
    rates = {
        "429": 0.05,
        "500": 0.05,
        "503": 0.03,
        "drop": 0.03,
        "drop_mid_body": 0.02,
        "slow": 0.02,
        "truncated": 0.03,
        "truncated_length": 0.02,
        "invalid": 0.03,
        "bad_quote": 0.03,
    }
    assert set(rates) == set(FAULTS)
    convoy = article(CONVOY)
    messages = prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes"))
    n = 400
    # Every request is waited for to its end (no client timeout decides anything), so what the client
    # sees depends only on what the server sent, never on how loaded the machine is.
    with FaultServer(rates, seed=7, retry_after="0.05", slow_seconds=0.5) as server:
        client = sdk(server, timeout=60)
        with ThreadPoolExecutor(8) as pool:  # overlaps the slow answers; the draws do not depend on arrival order
            seen = Counter(pool.map(lambda _: observed(client, messages, convoy.text), range(n)))
        log = sorted(server.requests, key=lambda e: e.attempt)
        logged = Counter(e.fault or "ok" for e in log)
        assert server.errors == [] and [e.attempt for e in log] == list(range(1, n + 1))
    # The client saw exactly what the server's log says it injected, as a client can tell it.
    assert seen == Counter(CLIENT_VIEW.get(e.fault or "ok", e.fault or "ok") for e in log)
    # The slow answers were sent whole (status 200, no client gone), only late.
    slow = [e for e in log if e.fault == "slow"]
    assert slow and all(e.status == 200 and e.outcome == "faulted" for e in slow)
    for fault, rate in rates.items():
        spread = 4 * math.sqrt(n * rate * (1 - rate))  # four binomial standard deviations
        assert abs(logged[fault] - n * rate) <= spread, (fault, logged[fault], n * rate)
    # Same seed, same draws; another seed, other draws (no requests needed: the draw is pure).
    request = type("R", (), {"key": log[0].article, "stage": log[0].stage})()
    same, other = FaultServer(rates, seed=7), FaultServer(rates, seed=8)
    draws = [same._draw(request, attempt) for attempt in range(1, n + 1)]
    assert [e.fault or "ok" for e in log] == draws
    assert draws != [other._draw(request, attempt) for attempt in range(1, n + 1)]


def test_scripted_faults_and_the_hook_override_the_draw():
    convoy, oilfield = article(CONVOY), article(OILFIELD)

    def hooked(chat, attempt):
        return "503" if chat.key == article_key(oilfield.model_text) and attempt == 1 else None

    with FaultServer(fault_for=hooked) as server:
        client = sdk(server)
        server.script("500", "ok", "429", article=article_key(convoy.model_text), stage="incidents")
        outcomes = []
        for messages in [prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes"))] * 4 + [
            prompts.incident_messages(oilfield, prompts.View.of(oilfield, "quotes"))
        ] * 2:
            try:
                ask(client, messages)
                outcomes.append(200)
            except openai.APIStatusError as exc:
                outcomes.append(exc.status_code)
    assert outcomes == [500, 200, 429, 200, 503, 200]
    with pytest.raises(ValueError):
        FaultServer({"teapot": 0.1})
    with pytest.raises(ValueError):
        FaultServer({"500": 0.7, "503": 0.7})


def test_the_pipeline_retries_through_every_transport_fault_and_re_asks_on_bad_content():
    convoy = article(CONVOY)
    key = article_key(convoy.model_text)
    with FaultServer(retry_after="0.01", slow_seconds=2.0) as server:
        server.script("429", "500", "503", "drop", "invalid", stage="incidents")
        server.script("truncated", "bad_quote", stage="actors")
        llm = pipeline_client(server, attempts=8)
        doc = extract_article(convoy, llm)
        log = server.requests
    assert (len(doc.incidents), len(doc.actors), len(doc.attributions), doc.warnings) == (1, 1, 1, [])
    assert [e.fault for e in log] == ["429", "500", "503", "drop", "invalid", None, "truncated", "bad_quote", None]
    assert {e.article for e in log} == {key} and doc.provenance.attempts == 5  # 2 calls for incidents, 3 for actors


def test_a_connection_dropped_mid_body_is_retried():
    with FaultServer() as server:
        server.script("drop_mid_body", stage="incidents")
        doc = extract_article(article(CONVOY), pipeline_client(server))
    assert len(doc.incidents) == 1 and [e.fault for e in server.requests] == ["drop_mid_body", None, None]


def test_slow_answers_time_out_and_close_does_not_wait_for_them():
    convoy = article(CONVOY)
    with FaultServer({"slow": 1.0}, slow_seconds=30) as server:
        with pytest.raises(openai.APITimeoutError):
            ask(sdk(server, timeout=0.2), prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes")))
    # Closed with the answer still 30 s away: the log shows it was never sent, and the thread is gone.
    assert not server._thread.is_alive()
    assert server.requests[0].outcome in ("faulted", "in_flight") and server.requests[0].status is None


def test_64_concurrent_requests_are_served_at_once():
    convoy = article(CONVOY)
    messages = prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes"))
    with FaultServer(latency=2.0) as server:
        client = sdk(server)
        ask(client, messages)  # import and connection warm-up
        barrier = threading.Barrier(64)

        def one(_):
            barrier.wait()
            return ask(client, messages).choices[0].finish_reason

        with ThreadPoolExecutor(64) as pool:
            finished = list(pool.map(one, range(64)))
        assert finished == ["stop"] * 64
        # Concurrency, not speed, is what this proves (speed is benchmarks/throughput.py's job), and
        # the server counts it: requests it held at once, each for 2 s (room for a loaded machine).
        assert server.max_concurrent_seen >= 32, server.max_concurrent_seen


def test_json_object_and_tools_modes_are_answered_too():
    convoy = article(CONVOY)
    schema = DraftIncidents.model_json_schema()
    with FaultServer() as server:
        client = sdk(server)
        plain = client.chat.completions.create(
            model="m",
            messages=prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes")),
            extra_body={"response_format": {"type": "json_object", "schema": schema}},
        )
        tool = client.chat.completions.create(
            model="m",
            messages=prompts.incident_messages(convoy, prompts.View.of(convoy, "quotes")),
            tools=[{"type": "function", "function": {"name": "DraftIncidents", "parameters": schema}}],
            tool_choice={"type": "function", "function": {"name": "DraftIncidents"}},
        )
    DraftIncidents.model_validate_json(plain.choices[0].message.content)
    call = tool.choices[0].message.tool_calls[0]
    assert call.function.name == "DraftIncidents" and DraftIncidents.model_validate_json(call.function.arguments)
    assert [e.stage for e in server.requests] == ["incidents", "incidents"]


def test_an_api_key_can_be_required():
    with FaultServer(api_key=KEY) as server:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=server.base_url, api_key="wrong-placeholder", max_retries=0).models.list()


def batch_input(*articles):
    lines = []
    for number, item in enumerate(articles, start=1):
        body = {
            "model": "fake-model",
            "messages": prompts.incident_messages(item, prompts.View.of(item, "quotes")),
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "DraftIncidents", "schema": DraftIncidents.model_json_schema()},
            },
        }
        lines.append(
            json.dumps({"custom_id": f"c{number}", "method": "POST", "url": "/v1/chat/completions", "body": body})
        )
    return ("\n".join(lines) + "\n").encode()


def test_files_and_batches_round_trip_through_the_sdk():
    convoy, oilfield = article(CONVOY), article(OILFIELD)
    with FaultServer(batch_polls=2, batch_failures={"c2": 500, "c3": "batch_expired"}) as server:
        client = sdk(server)
        uploaded = client.files.create(file=("in.jsonl", batch_input(convoy, oilfield, convoy)), purpose="batch")
        assert uploaded.purpose == "batch" and client.files.retrieve(uploaded.id).bytes == uploaded.bytes
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        statuses = [batch.status]
        while batch.status not in ("completed", "failed"):
            batch = client.batches.retrieve(batch.id)
            statuses.append(batch.status)
        assert statuses == ["validating", "in_progress", "completed"]
        assert batch.request_counts.model_dump() == {"total": 3, "completed": 1, "failed": 2}
        outputs = [json.loads(line) for line in client.files.content(batch.output_file_id).text.splitlines()]
        errors = {
            e["custom_id"]: e for e in map(json.loads, client.files.content(batch.error_file_id).text.splitlines())
        }
        assert client.files.content(uploaded.id).content == batch_input(convoy, oilfield, convoy)
        log = server.requests
    (output,) = outputs
    assert output["custom_id"] == "c1" and output["error"] is None and output["response"]["status_code"] == 200
    body = openai.types.chat.ChatCompletion.model_validate(output["response"]["body"])
    assert all(q in convoy.text for q in quotes(DraftIncidents.model_validate_json(body.choices[0].message.content)))
    assert errors["c2"]["response"]["status_code"] == 500 and errors["c2"]["error"] is None
    assert errors["c3"]["response"] is None and errors["c3"]["error"]["code"] == "batch_expired"
    assert [(e.via, e.custom_id, e.fault) for e in log] == [
        ("batch", "c1", None),
        ("batch", "c2", "batch_500"),
        ("batch", "c3", "batch_batch_expired"),
    ]


def test_a_bad_input_file_fails_the_batch_and_cancel_works():
    convoy = article(CONVOY)
    with FaultServer(batch_polls=3) as server:
        client = sdk(server)
        bad = client.files.create(file=("bad.jsonl", batch_input(convoy) + b"{not json\n"), purpose="batch")
        batch = client.batches.create(input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h")
        failed = client.batches.retrieve(batch.id)
        good = client.files.create(file=("in.jsonl", batch_input(convoy)), purpose="batch")
        batch = client.batches.create(input_file_id=good.id, endpoint="/v1/chat/completions", completion_window="24h")
        cancelling = client.batches.cancel(batch.id)
        cancelled = client.batches.retrieve(batch.id)
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_nope")
    assert (
        failed.status == "failed"
        and failed.errors.data[0].line == 2
        and failed.errors.data[0].code == "invalid_json_line"
    )
    assert (cancelling.status, cancelled.status, cancelled.output_file_id) == ("cancelling", "cancelled", None)
    assert server.requests == []  # nothing was run
