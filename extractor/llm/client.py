"""The LLM call: instructor over an openai client, built from resolved settings.

`build_client(settings)` gives an `LLMClient`; tests build one from a fake httpx2 transport with
`LLMClient.from_transport`, so the pipeline never reads the environment or the network itself.

Every provider goes through the same openai + instructor stack. The embedded model is an httpx2
transport that answers /v1/chat/completions in-process (`extractor.llm.embedded`); hosted and
self-hosted servers get a real HTTP transport. Either way `RetryingTransport` handles transport
faults, and instructor re-asks on validation errors with the exact problems found.

Response formats: `json_schema` is OpenAI's structured-output form (OpenAI, vLLM, Ollama);
`json_object` sends {"type": "json_object", "schema": ...}, the form llama.cpp servers enforce with
a grammar (they reject json_schema with HTTP 500, see NOTES.md).
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx2
import instructor
import jiter
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from instructor.v2.core.function_calls import response_schema
from pydantic import BaseModel, ValidationError

from extractor.llm import lean
from extractor.llm.sdk_errors import as_ours
from extractor.llm.transport import AsyncRetryingTransport, RetryingTransport
from extractor.settings import EMBEDDED, Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from extractor.llm.throttle import Throttle

T = TypeVar("T", bound=BaseModel)
LOCAL_BASE_URL = "http://embedded.invalid/v1"  # never resolved: the embedded transport answers

# The validation context (grounder, ...) of the `extract` call in progress, in this thread or task.
_VALIDATION_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "extractor_validation_context", default=None
)


lean.install()


@functools.lru_cache(maxsize=32)
def _prepared(response_model: type[T]) -> type[T]:
    """`response_model` as instructor uses it, built once. Given a plain model, instructor wraps it
    in a new class and rebuilds its JSON schema on every call (about 6 ms of CPU a call, most of a
    run's CPU against a fast server: benchmarks/overhead.py, benchmarks/throughput.py). Validation
    takes the context from `_VALIDATION_CONTEXT` instead of instructor's `context=`, with which
    instructor would also render every message as a Jinja template: slower, and an article holding
    `{{ ... }}` was altered, one holding `{%` stopped the whole run with TemplateSyntaxError."""
    prepared = response_schema(response_model)  # exactly what instructor would build per call
    schema = json.dumps(prepared.model_json_schema())

    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return super(prepared, cls).model_json_schema(*args, **kwargs)
        return json.loads(schema)  # a fresh copy: callers may change it

    def model_validate_json(cls, json_data: Any, *, context: Any = None, **kwargs: Any) -> Any:
        context = _VALIDATION_CONTEXT.get() if context is None else context
        return super(prepared, cls).model_validate_json(
            without_control_characters(json_data), context=context, **kwargs
        )

    def model_validate(cls, obj: Any, *, context: Any = None, **kwargs: Any) -> Any:
        context = _VALIDATION_CONTEXT.get() if context is None else context
        return super(prepared, cls).model_validate(obj, context=context, **kwargs)

    prepared.model_json_schema = classmethod(model_json_schema)  # type: ignore[method-assign,assignment]
    prepared.model_validate_json = classmethod(model_validate_json)  # type: ignore[method-assign,assignment]
    prepared.model_validate = classmethod(model_validate)  # type: ignore[method-assign,assignment]
    return prepared


@dataclass
class Answer:
    """One stage's outcome: a validated value, or the last completion when attempts ran out."""

    value: Any | None
    attempts: int
    usage: dict[str, int]
    last_text: str | None = None
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The last completion's text and the log-probability of each of its tokens, when asked for
    # and the server gave them (`extractor.llm.confidence` reads a value's probability from them).
    content: str | None = None
    logprobs: list[tuple[str, float]] | None = None


def _openai_options(settings: Settings) -> dict[str, Any]:
    return {
        "api_key": settings.api_key or "not-needed",
        "base_url": settings.base_url or LOCAL_BASE_URL,
        "max_retries": 0,  # retries live in our retrying transports
        "timeout": settings.timeout,
    }


class LLMClient:
    def __init__(self, client: openai.OpenAI | openai.AsyncOpenAI, settings: Settings) -> None:
        self.settings = settings
        self.openai = client
        self.instructor = instructor.from_openai(client, mode=instructor.Mode.JSON_SCHEMA)

    @classmethod
    def from_transport(cls, transport: httpx2.BaseTransport, settings: Settings) -> LLMClient:
        http = httpx2.Client(transport=transport, timeout=settings.timeout)
        return cls(openai.OpenAI(http_client=http, **_openai_options(settings)), settings)

    @property
    def provider(self) -> str:
        return self.settings.provider

    @property
    def model(self) -> str:
        return self.settings.model

    def _arguments(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        context: dict[str, Any],
        max_tokens: int,
        calls: list[tuple[int, int, int]],
        seen: list[Any] | None = None,
    ) -> dict[str, Any]:
        hooks = Hooks()
        hooks.on("completion:response", lambda c: calls.append(_tokens(c)))
        if seen is not None:
            hooks.on("completion:response", seen.append)
        name = response_model.__name__
        hooks.on("parse:error", lambda e: log.info("%s: answer %d refused: %s", name, len(calls), refusal(e, None)))
        response_model = _prepared(response_model)
        extra: dict[str, Any] = {}
        if self.settings.response_format == "json_object":
            extra["extra_body"] = {
                "response_format": {"type": "json_object", "schema": response_model.model_json_schema()}
            }
        return dict(
            model=self.settings.model,
            messages=messages,
            response_model=response_model,
            max_retries=self.settings.max_attempts - 1,
            temperature=self.settings.temperature,
            seed=self.settings.seed,
            max_tokens=max_tokens,
            hooks=hooks,
            **({"logprobs": True} if seen is not None else {}),
            **extra,
        )

    def extract(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        context: dict[str, Any],
        max_tokens: int,
        logprobs: bool = False,
    ) -> Answer:
        """Ask for `response_model`; re-ask on validation errors up to max_attempts calls. With
        `logprobs`, the answer carries the tokens' log-probabilities the server gives."""
        with _Call(self, response_model, messages, context, max_tokens, logprobs) as call:
            call.answered(self.instructor.chat.completions.create(**call.arguments))
        assert call.answer is not None  # answered, or the failure's Answer set on leaving the block
        return call.answer


class AsyncLLMClient(LLMClient):
    """The same call over openai's AsyncOpenAI, for runs that keep many requests in flight."""

    @classmethod
    def from_async_transport(cls, transport: httpx2.AsyncBaseTransport, settings: Settings) -> AsyncLLMClient:
        http = httpx2.AsyncClient(transport=transport, timeout=settings.timeout)
        return cls(openai.AsyncOpenAI(http_client=http, **_openai_options(settings)), settings)

    async def extract(self, response_model, messages, context, max_tokens, logprobs=False) -> Answer:  # type: ignore[override]
        with _Call(self, response_model, messages, context, max_tokens, logprobs) as call:
            call.answered(await self.instructor.chat.completions.create(**call.arguments))
        assert call.answer is not None  # answered, or the failure's Answer set on leaving the block
        return call.answer

    async def aclose(self) -> None:
        await cast(openai.AsyncOpenAI, self.openai).close()


class _Call:
    """One `extract` call, sync or async alike: its arguments, the validation context set for its
    duration, and its `Answer` (a validated value, or what was left when attempts ran out)."""

    def __init__(
        self,
        client: LLMClient,
        response_model: type,
        messages: list[dict[str, str]],
        context: dict[str, Any],
        max_tokens: int,
        logprobs: bool = False,
    ) -> None:
        self.calls: list[tuple[int, int, int]] = []
        self.seen: list[Any] | None = [] if logprobs else None
        self.started = time.monotonic()
        self.max_tokens = max_tokens
        self.context = context
        self.arguments = client._arguments(response_model, messages, context, max_tokens, self.calls, self.seen)
        self.name = response_model.__name__
        self.answer: Answer | None = None

    def __enter__(self) -> _Call:
        self._token = _VALIDATION_CONTEXT.set(self.context)
        return self

    def answered(self, value: Any) -> None:
        last = self.seen[-1] if self.seen else None
        self.answer = Answer(
            value=value,
            attempts=len(self.calls),
            usage=_usage(self.calls),
            seconds=time.monotonic() - self.started,
            content=_content(last),
            logprobs=_logprobs(last),
        )
        _log_answer(self.name, self.answer)

    def __exit__(self, kind: type | None, exc: BaseException | None, traceback: Any) -> bool:
        _VALIDATION_CONTEXT.reset(self._token)
        if isinstance(exc, (InstructorRetryException, IncompleteOutputException, openai.APIError)):
            self.answer = _failed(exc, self.calls, self.started, self.max_tokens)  # raises ours for transport failures
            _log_answer(self.name, self.answer)
            return True
        return False


def _log_answer(name: str, answer: Answer) -> None:
    usage = answer.usage
    log.debug(
        "%s: %s after %d call%s, %.1f s, %d + %d tokens",
        name,
        "answered" if answer.value is not None else "no valid answer",
        answer.attempts,
        "" if answer.attempts == 1 else "s",
        answer.seconds,
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    if answer.value is None:
        log.info("%s: no valid answer after %d calls (%s)", name, answer.attempts, (answer.errors or ["?"])[-1])


def _failed(exc: Exception, calls: list[tuple[int, int, int]], started: float, max_tokens: int) -> Answer:
    """The Answer for attempts that ran out; transport failures are raised as ours instead."""
    if isinstance(exc, openai.APIError):
        raise as_ours(exc) from None
    last_text = _content(getattr(exc, "last_completion", None))
    if isinstance(exc, InstructorRetryException):
        _raise_if_transport(exc)
        errors = [refusal(a.exception, last_text) for a in exc.failed_attempts or []]
    else:
        errors = [f"the answer was cut off at max_tokens={max_tokens}"]
    return Answer(
        value=None,
        attempts=len(calls),
        usage=_usage(calls),
        last_text=last_text,
        errors=errors,
        seconds=time.monotonic() - started,
    )


def refusal(error: BaseException, answered: str | None) -> str:
    """One readable line: what came back and why it was refused ("it answered "I cannot help with
    that." (not JSON)"; "incidents.0.date.start: Input should be a valid date (and 2 more)"), without
    pydantic's banner and links."""
    if isinstance(error, ValidationError):
        problems = error.errors(include_url=False)
        if problems and problems[0]["type"] == "json_invalid":
            shown = " ".join((answered or "").split())
            return (
                f'it answered "{shown[:120]}{"..." if len(shown) > 120 else ""}" (not JSON)'
                if shown
                else "it answered nothing"
            )
        said = [
            f"{'.'.join(map(str, p['loc'])) or 'the answer'}: {' '.join(str(p['msg']).split())}" for p in problems[:2]
        ]
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        return "; ".join(said) + more
    return " ".join(str(error).split())


def _tokens(completion: Any) -> tuple[int, int, int]:
    """(prompt, completion, cached prompt) tokens of one completion. Snapshot now: instructor
    later overwrites completion.usage with its running total. Cached prompt tokens are those the
    server reports as read from its prompt cache (OpenAI's prompt_tokens_details.cached_tokens;
    the embedded transport reports the prefix llama.cpp kept)."""
    usage = getattr(completion, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    return (
        getattr(usage, "prompt_tokens", 0) or 0,
        getattr(usage, "completion_tokens", 0) or 0,
        getattr(details, "cached_tokens", 0) or 0,
    )


def _usage(calls: list[tuple[int, int, int]]) -> dict[str, int]:
    return {
        "prompt_tokens": sum(c[0] for c in calls),
        "completion_tokens": sum(c[1] for c in calls),
        "cached_prompt_tokens": sum(c[2] for c in calls),
    }


def _content(completion: Any) -> str | None:
    try:
        return completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None


def _logprobs(completion: Any) -> list[tuple[str, float]] | None:
    """(token, log-probability) of each token of a completion, or None when it carries none."""
    try:
        content = completion.choices[0].logprobs.content
    except (AttributeError, IndexError, TypeError):
        return None
    if not content:
        return None
    return [(item.token, float(item.logprob)) for item in content]


def _raise_if_transport(exc: InstructorRetryException) -> None:
    cause = exc.__cause__
    if isinstance(cause, openai.APIError):
        raise as_ours(cause) from None


def build_client(settings: Settings) -> LLMClient:
    """The client the settings ask for: embedded llama.cpp, or an OpenAI-compatible server."""
    if settings.provider == EMBEDDED:
        from extractor.llm.embedded import LlamaTransport, weights_path

        inner: httpx2.BaseTransport = LlamaTransport(weights_path(settings), threads=settings.threads)
    else:
        inner = httpx2.HTTPTransport()
    transport = RetryingTransport(inner, attempts=settings.transport_attempts, max_wait=settings.transport_max_wait)
    return LLMClient.from_transport(transport, settings)


def build_async_client(settings: Settings, throttle: Throttle | None = None, concurrency: int = 1) -> AsyncLLMClient:
    """The async client for runs. The embedded model answers one request at a time whatever the
    concurrency (its transport runs inference in a worker thread under the model's lock)."""
    if settings.provider == EMBEDDED:
        from extractor.llm.embedded import AsyncLlamaTransport, weights_path

        inner: httpx2.AsyncBaseTransport = AsyncLlamaTransport(weights_path(settings), threads=settings.threads)
    else:
        limits = httpx2.Limits(
            max_connections=max(concurrency, 1) + 4, max_keepalive_connections=max(concurrency, 1) + 4
        )
        inner = httpx2.AsyncHTTPTransport(limits=limits)
    transport = AsyncRetryingTransport(
        inner, attempts=settings.transport_attempts, max_wait=settings.transport_max_wait, throttle=throttle
    )
    return AsyncLLMClient.from_async_transport(transport, settings)


_CONTROL = re.compile(r"[\x00-\x1f]")


def without_control_characters(data: Any) -> Any:
    """JSON text with raw control characters turned into spaces. Small models under llama.cpp's
    grammar still put raw newlines and tabs inside strings (NOTES.md), which JSON forbids; a space
    is valid both inside a string and between tokens, so nothing else changes."""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8", errors="replace")
    return _CONTROL.sub(" ", data) if isinstance(data, str) else data


def parse_json(text: str | None) -> Any:
    """The JSON value in a completion, or None when it is not JSON. Raw control characters are
    read as spaces, and an answer cut off at the token cap is read as far as it goes (jiter's
    partial mode), so its complete items survive."""
    if not text:
        return None
    text = without_control_characters(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return jiter.from_json(text.encode(), partial_mode="trailing-strings")
    except ValueError:
        return None
