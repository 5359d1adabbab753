"""Hand-written fakes for logic tests (not recordings).

`FakeModel` is a queue-based fake OpenAI server as an httpx2 transport: each POST to
/chat/completions pops the next queued answer (a dict or list is sent as JSON content, an
httpx2.Response or an exception is returned or raised as is) and keeps the request for
inspection. A small model's questions (is this event real and of which type; who carried it
out) are answered as the code proposes unless the next queued answer is one (a dict with
"happened" or "answer", or a string that is not a JSON object), so tests about other stages need
not queue them.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import httpx2


def completion(
    content: str, prompt_tokens: int = 100, completion_tokens: int = 50, finish_reason: str = "stop"
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    return fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}


def _options(schema: dict[str, Any], field: str) -> list[str]:
    prop = (schema.get("properties") or {}).get(field) or {}
    if "$ref" in prop:  # a nested definition
        prop = (schema.get("$defs") or {}).get(prop["$ref"].rsplit("/", 1)[-1], {})
    return list(prop.get("enum") or ([prop["const"]] if "const" in prop else []))


def small_question_answer(body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer a small model's question gets unless a test queued one: an event judged to have
    happened, of the first sub-event type offered (the codebook's likeliest); an accusation
    confirmed (the frame's own perpetrator, offered first). None for any other request."""
    schema = _schema(body)
    properties = schema.get("properties") or {}
    if "happened" in properties and "sub_event_type" in properties:
        return {"happened": "yes", "sub_event_type": _options(schema, "sub_event_type")[0]}
    if set(properties) == {"answer"}:
        return {"answer": _options(schema, "answer")[0]}
    return None


def _answers_a_question(answer: Any) -> bool:
    if isinstance(answer, str):
        return '"happened"' in answer or '"answer"' in answer or not answer.lstrip().startswith("{")
    return isinstance(answer, dict) and ("happened" in answer or set(answer) == {"answer"})


class FakeModel(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Serves the sync and the async client alike (requests are answered in arrival order)."""

    def __init__(self, *answers: Any) -> None:
        self.answers: deque[Any] = deque(answers)
        self.requests: list[dict[str, Any]] = []

    def queue(self, *answers: Any) -> None:
        self.answers.extend(answers)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.read() or b"{}")
        self.requests.append(body)
        automatic = small_question_answer(body)
        if automatic is not None and not _answers_a_question(self.answers[0] if self.answers else None):
            # A small model's questions (extractor.flow.judge, extractor.flow.attribute) are answered
            # as the code proposes unless the test queued an answer for them.
            return httpx2.Response(200, json=completion(json.dumps(automatic)))
        if not self.answers:
            raise AssertionError("FakeModel: no answer queued for this request")
        answer = self.answers.popleft()
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, httpx2.Response):
            return answer
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return httpx2.Response(200, json=completion(content))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        return self.handle_request(request)

    @property
    def last_user_message(self) -> str:
        return self.requests[-1]["messages"][-1]["content"]


def patch_clients(monkeypatch, model: FakeModel) -> FakeModel:
    """Make the CLI build its clients (sync and async) over `model`."""
    import extractor.llm.client
    from extractor.llm.client import AsyncLLMClient, LLMClient

    monkeypatch.setattr(
        extractor.llm.client, "build_client", lambda settings: LLMClient.from_transport(model, settings)
    )
    monkeypatch.setattr(
        extractor.llm.client,
        "build_async_client",
        lambda settings, throttle=None, concurrency=1: AsyncLLMClient.from_async_transport(model, settings),
    )
    return model
