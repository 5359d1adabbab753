"""The Batch API's file formats: request lines out, result lines in, and the re-ask messages.

Request lines carry the stage's *plain* draft model as a strict json_schema response format,
converted by the openai SDK itself (`type_to_response_format_param`, what `chat.completions.parse`
sends): every property listed in `required`, `additionalProperties: false` everywhere. A schema
that leaves optional fields out of `required` is rejected by strict mode, which is why this
does not reuse instructor's batch helper or pydantic's plain schema.

Result lines are routed by custom_id; an answer is its text, finish reason and token usage, and
anything else (an error-file entry, a non-200 status, a body without choices) is a transport
failure with a one-line reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from openai.lib._parsing._completions import type_to_response_format_param

from extractor.flow import draft

ENDPOINT: Final = "/v1/chat/completions"
# OpenAI's limits per input file (50,000 requests, 200 MB), with room to spare on the size.
MAX_LINES = 50_000
MAX_BYTES = 190 * 1024 * 1024
# instructor's wording for a re-ask in JSON_SCHEMA mode (instructor.v2.providers.openai.handlers.
# reask_md_json), so a batched re-ask reads to the model exactly like an interactive one.
REASK_PREFIX = "Correct your JSON ONLY RESPONSE, based on the following errors:\n"


@cache
def _format(schema_name: str) -> str:
    return json.dumps(type_to_response_format_param(draft.by_stored_name(schema_name)))


def response_format(schema_name: str) -> dict[str, Any]:
    """{"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}} for a model of
    extractor.flow.draft, named so it can be stored (`draft.stored_name`; a fresh copy each call)."""
    return json.loads(_format(schema_name))


def request_line(
    custom_id: str,
    *,
    model: str,
    messages: list[dict[str, str]],
    max_tokens: int,
    temperature: float,
    seed: int,
    schema_name: str,
) -> str:
    body = {
        "model": model,
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "seed": seed,
        "response_format": response_format(schema_name),
    }
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)


def chunks(lines: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """(custom_id, line) pairs split into input files within the Batch API's limits."""
    chunk: list[tuple[str, str]] = []
    size = 0
    for cid, line in lines:
        length = len(line.encode("utf-8")) + 1
        if chunk and (len(chunk) >= MAX_LINES or size + length > MAX_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append((cid, line))
        size += length
    if chunk:
        yield chunk


def jsonl(chunk: list[tuple[str, str]]) -> bytes:
    return "".join(line + "\n" for _, line in chunk).encode("utf-8")


def file_name(run: str, number: int) -> str:
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', run)[:80]}-{number}.jsonl"


@dataclass
class Result:
    """One line of an output or error file."""

    custom_id: str
    ok: bool
    text: str | None = None
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def parse_results(content: str) -> tuple[list[Result], int]:
    """The lines of an output or error file, and how many could not be read at all (their
    requests then count as unanswered)."""
    results, unreadable = [], 0
    for raw in content.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            unreadable += 1
            continue
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
            unreadable += 1
            continue
        results.append(_result(line))
    return results, unreadable


def _result(line: dict[str, Any]) -> Result:
    cid = line["custom_id"]
    error = line.get("error")
    response = line.get("response") or {}
    status = response.get("status_code")
    raw_body = response.get("body")
    body = raw_body if isinstance(raw_body, dict) else {}
    if error:
        detail = error.get("message") or error.get("code") if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        return Result(cid, False, error=_short(f"{code}: {detail}" if code and code != detail else str(detail)))
    if status != 200:
        message = (body.get("error") or {}).get("message") if isinstance(body.get("error"), dict) else None
        return Result(cid, False, error=_short(f"HTTP {status}: {message or 'error'}"))
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return Result(cid, False, error="the answer had no choices")
    message = choices[0].get("message") or {}
    usage = body.get("usage") or {}
    return Result(
        cid,
        True,
        text=message.get("content"),
        finish_reason=choices[0].get("finish_reason"),
        usage={
            "prompt_tokens": int(usage.get("prompt_tokens") or 0),
            "completion_tokens": int(usage.get("completion_tokens") or 0),
        },
    )


def reask(messages: list[dict[str, str]], text: str | None, errors: str) -> list[dict[str, str]]:
    """The next attempt's messages: what was asked, the model's answer, and what was wrong with
    it (instructor's JSON-mode re-ask: assistant message, then the errors as a user message)."""
    return [*messages, {"role": "assistant", "content": text or ""}, {"role": "user", "content": REASK_PREFIX + errors}]


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
