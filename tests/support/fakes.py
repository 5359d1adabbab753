"""Hand-written fakes for logic tests (not recordings).

`FakeModel` is a queue-based fake OpenAI server as an httpx2 transport: each POST to
/chat/completions pops the next queued answer (a dict or list is sent as JSON content, an
httpx2.Response or an exception is returned or raised as is) and keeps the request for
inspection. The embedded model's small attribution questions are answered "none" unless the next
queued answer is one (a dict with "perpetrator", or a string that is not a JSON object), so tests
about other stages need not queue them.
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


def _is_attribution_question(body: dict[str, Any]) -> bool:
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    return "perpetrator" in (schema.get("properties") or {})


def _answers_a_question(answer: Any) -> bool:
    if isinstance(answer, str):
        return '"perpetrator"' in answer or not answer.lstrip().startswith("{")
    return isinstance(answer, dict) and "perpetrator" in answer


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
        if _is_attribution_question(body) and not _answers_a_question(self.answers[0] if self.answers else None):
            # The embedded model's small attribution questions (extractor.flow.attribute) are answered
            # "the sentence names nobody" unless the test queued an answer for them.
            return httpx2.Response(200, json=completion(json.dumps({"perpetrator": "none", "source": "article"})))
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
