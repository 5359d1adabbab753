"""Transport retries with a fake transport: 429 with Retry-After, 5xx, timeouts, dropped connections."""

import httpx2
import pytest

from conftest import CONVOY, article
from extractor.errors import LLMError, TransportError
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.llm.transport import RetryingTransport, retry_after_seconds
from extractor.settings import Settings
from support.fakes import FakeModel
from support.quoted import ACTORS, INCIDENTS


def client(fake, attempts=4, max_wait=120.0):
    waits = []
    transport = RetryingTransport(fake, attempts=attempts, max_wait=max_wait, sleep=waits.append)
    return LLMClient.from_transport(
        transport, Settings(provider="openai", model="fake", response_format="json_object", evidence="quotes")
    ), waits


def error(status, **headers):
    return httpx2.Response(status, json={"error": {"message": f"fake {status}"}}, headers=headers)


def test_429_honours_retry_after_then_succeeds():
    fake = FakeModel(error(429, **{"retry-after": "7"}), INCIDENTS, ACTORS)
    llm, waits = client(fake)
    doc = extract_article(article(CONVOY), llm)
    assert waits == [7.0] and len(fake.requests) == 3
    assert doc.provenance.attempts == 2  # transport retries are not re-asks


def test_500_and_503_back_off_exponentially_with_jitter():
    fake = FakeModel(error(500), error(503), INCIDENTS, ACTORS)
    llm, waits = client(fake)
    extract_article(article(CONVOY), llm)
    assert len(waits) == 2 and 0 < waits[0] <= 1.0 and waits[1] > 0
    assert len(fake.requests) == 4


@pytest.mark.parametrize(
    "exc", [httpx2.ReadTimeout("slow"), httpx2.ConnectError("refused"), httpx2.RemoteProtocolError("dropped")]
)
def test_timeouts_and_dropped_connections_are_retried(exc):
    fake = FakeModel(exc, INCIDENTS, ACTORS)
    llm, waits = client(fake)
    doc = extract_article(article(CONVOY), llm)
    assert len(waits) == 1 and len(doc.incidents) == 2


def test_retries_are_bounded_and_the_error_says_how_many():
    fake = FakeModel(*[error(503) for _ in range(4)])
    llm, waits = client(fake, attempts=4)
    with pytest.raises(TransportError) as failure:
        extract_article(article(CONVOY), llm)
    assert failure.value.attempts == 4 and len(fake.requests) == 4 and len(waits) == 3
    assert "after 4 attempts" in str(failure.value) and "503" in str(failure.value)


def test_a_persistent_timeout_becomes_a_transport_error():
    fake = FakeModel(*[httpx2.ReadTimeout("slow") for _ in range(3)])
    llm, _ = client(fake, attempts=3)
    with pytest.raises(TransportError, match="timed out after 3 attempts"):
        extract_article(article(CONVOY), llm)


def test_total_wait_is_bounded():
    fake = FakeModel(
        error(429, **{"retry-after": "50"}), error(429, **{"retry-after": "50"}), error(429, **{"retry-after": "50"})
    )
    llm, waits = client(fake, attempts=10, max_wait=60)
    with pytest.raises(TransportError):
        extract_article(article(CONVOY), llm)
    assert sum(waits) <= 60


def test_client_errors_are_not_retried_and_say_what_to_do():
    fake = FakeModel(error(401))
    llm, waits = client(fake)
    with pytest.raises(LLMError, match="credentials") as failure:
        extract_article(article(CONVOY), llm)
    assert waits == [] and "hint" in failure.value.one_line()


def test_the_sdk_does_not_retry_on_its_own():
    fake = FakeModel(error(500), error(500))
    llm, _ = client(fake, attempts=2)
    with pytest.raises(TransportError):
        extract_article(article(CONVOY), llm)
    assert len(fake.requests) == 2  # not 2 x (1 + the SDK's default 2 retries)


def test_retry_after_forms():
    assert retry_after_seconds(httpx2.Response(429, headers={"retry-after": "3"})) == 3.0
    assert retry_after_seconds(httpx2.Response(429, headers={"retry-after-ms": "1500"})) == 1.5
    assert (
        retry_after_seconds(
            httpx2.Response(429, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}), now=1445412470.0
        )
        == 10.0
    )
    assert retry_after_seconds(httpx2.Response(429)) is None


def _status_error(status: int, message: str = "nope", attempts: int | None = None):
    import openai

    headers = {"x-extractor-attempts": str(attempts)} if attempts else {}
    response = httpx2.Response(
        status,
        json={"error": {"message": message}},
        headers=headers,
        request=httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions"),
    )
    return openai.APIStatusError(message, response=response, body={"error": {"message": message}})


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "LLMError", "refused the credentials (HTTP 401: nope)"),
        (404, "LLMError", "does not know this model or path (HTTP 404: nope)"),
        (429, "TransportError", "kept failing (HTTP 429: nope) after 5 attempts"),
        (503, "TransportError", "kept failing (HTTP 503: nope) after 5 attempts"),
        (400, "LLMError", "rejected the request (HTTP 400: nope)"),
    ],
)
def test_one_mapper_turns_the_sdks_status_errors_into_ours(status, kind, words):
    from extractor.llm.sdk_errors import as_ours

    error = as_ours(_status_error(status, attempts=5))
    assert type(error).__name__ == kind and words in str(error) and error.hint
    batch = as_ours(_status_error(status), doing="the Batch API could not upload the requests", attempts=4)
    assert str(batch).startswith("the Batch API could not upload the requests: the server")
    if kind == "TransportError":
        assert batch.attempts == 4


def test_a_transport_fault_travels_as_our_typed_error_under_the_sdks_wrapper():
    import openai

    from extractor.llm.sdk_errors import as_ours

    fault = TransportError(
        "the model server could not be reached after 3 attempts", attempts=3, hint="check --base-url"
    )
    try:
        try:
            raise fault from httpx2.ConnectError("refused")
        except TransportError as exc:
            raise openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1/v1")) from exc
    except openai.APIConnectionError as sdk:
        assert as_ours(sdk) is fault
        batch = as_ours(sdk, doing="the Batch API could not upload the requests", attempts=4)
    assert type(batch) is TransportError and batch.attempts == 4
    assert (
        str(batch)
        == "the Batch API could not upload the requests: the model server could not be reached after 3 attempts"
    )


def test_instructors_async_validator_check_runs_once_per_model_and_still_refuses_a_bad_one(monkeypatch):
    # instructor walks the whole response model several times per call to refuse async validators;
    # the client keeps the answer per class (extractor.llm.lean)
    from instructor.v2.validation import async_validators
    from pydantic import BaseModel

    from extractor.flow.draft import DraftIncidents

    check = async_validators.reject_async_validators
    assert getattr(check, "checks_once", False)
    walks = []
    original_visit = async_validators.get_origin

    def counting(model):
        walks.append(model)
        return original_visit(model)

    monkeypatch.setattr(async_validators, "get_origin", counting)

    class Fresh(DraftIncidents):
        pass

    check(Fresh)
    first = len(walks)
    check(Fresh)
    check(Fresh)
    assert first > 0 and len(walks) == first  # walked once

    class Bad(BaseModel):
        x: int

        @async_validators.async_field_validator("x")
        async def later(self, value):
            return value

    for _ in range(2):  # refused every time: only a model that passed is remembered
        with pytest.raises(ValueError, match="async validators"):
            check(Bad)


def test_a_plain_request_body_skips_openais_transform_and_comes_out_the_same():
    import asyncio

    from openai import omit
    from openai.resources.chat.completions import completions
    from openai.types.chat import completion_create_params

    from extractor.flow import prompts
    from extractor.flow.draft import DraftIncidents
    from extractor.llm.client import _prepared
    from extractor.llm.lean import is_plain

    convoy = article(CONVOY)
    body = {
        "messages": prompts.incident_messages(convoy, prompts.View.of(convoy, "sentences")),
        "model": "m",
        "temperature": 0,
        "max_tokens": 64,
        "audio": omit,
        "tools": omit,
        "seed": 7,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "DraftIncidents",
                "strict": True,
                "schema": _prepared(DraftIncidents).model_json_schema(),
            },
        },
    }
    expected = completion_create_params.CompletionCreateParamsNonStreaming
    lean, original = completions.async_maybe_transform, completions.async_maybe_transform.__wrapped__
    assert getattr(lean, "plain_as_is", False)
    assert asyncio.run(lean(body, expected)) == asyncio.run(original(body, expected))
    assert completions.maybe_transform(body, expected) == completions.maybe_transform.__wrapped__(body, expected)
    assert "audio" not in asyncio.run(lean(body, expected))  # not given: dropped, as the SDK drops it
    # anything that is not JSON as it stands takes the SDK's own path
    assert not is_plain({"messages": iter([])}) and not is_plain({"when": __import__("datetime").date(2024, 1, 1)})
    assert asyncio.run(lean({**body, "messages": iter(body["messages"])}, expected)) == asyncio.run(
        original(body, expected)
    )
