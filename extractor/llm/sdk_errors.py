"""The openai SDK's errors as ours: one mapper for interactive calls and the Batch API.

Every message says what the server answered and what to do; none holds a key or a header (the
SDK's messages are not copied, only the server's own error text, cut to 200 characters).
"""

from __future__ import annotations

import openai

from extractor.errors import LLMError, TransportError
from extractor.llm.transport import ATTEMPTS_HEADER  # the attempts the retrying transport made, on its response


def as_ours(exc: openai.APIError, *, doing: str | None = None, attempts: int | None = None) -> LLMError:
    """`exc` as an `LLMError` (a `TransportError` for what a later try can fix). `doing` names the
    request ("the Batch API could not upload the requests"); `attempts` overrides the count the
    retrying transport recorded."""
    prefix = f"{doing}: " if doing else ""
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        tries = attempts or int(exc.response.headers.get(ATTEMPTS_HEADER, "1"))
        said = f"HTTP {status}: {error_detail(exc)}"
        if status in (401, 403):
            return LLMError(
                f"{prefix}the server refused the credentials ({said})",
                hint="check OPENAI_API_KEY (or EXTRACTOR_API_KEY)",
            )
        if status == 404:
            return LLMError(
                f"{prefix}the server does not know this model or path ({said})", hint="check --model and --base-url"
            )
        if status == 429 or status >= 500:
            return TransportError(
                f"{prefix}the server kept failing ({said}) after {tries} attempts",
                attempts=tries,
                hint="try again later (nothing finished is lost), or lower the request rate",
            )
        return LLMError(
            f"{prefix}the server rejected the request ({said})",
            hint="for llama.cpp servers try --response-format json_object; check --model",
        )
    fault = _transport_fault(exc)
    if fault is not None:  # the retrying transport gave up: its error says how and after how many attempts
        if doing:
            return TransportError(f"{prefix}{fault}", attempts=attempts or fault.attempts, hint=fault.hint)
        return fault
    tries = attempts or 1
    what = "timed out" if isinstance(exc, openai.APITimeoutError) else "could not be reached"
    return TransportError(
        f"{prefix}the model server {what} after {tries} attempts",
        attempts=tries,
        hint="check --base-url and that the server is running (nothing finished is lost); "
        "raise EXTRACTOR_TIMEOUT for slow models",
    )


def _transport_fault(exc: BaseException) -> TransportError | None:
    """The retrying transport's own error under the SDK's wrapper, if there is one."""
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not isinstance(cause, TransportError):
        cause = cause.__cause__ or cause.__context__
    return cause


def error_detail(exc: openai.APIStatusError) -> str:
    """The server's own error text, on one line, at most 200 characters."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("detail")
        if isinstance(message, dict):
            message = message.get("message")
        if message:
            return " ".join(str(message).split())[:200]
    return exc.response.reason_phrase or "error"
