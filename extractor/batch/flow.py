"""Where an article stands in a batch run, found by replaying its flow over the stored answers.

`ArticleFlow.steps()` is a generator, and a generator cannot outlive the process that made it.
The flow's requests depend only on the article and the answers to earlier requests, so the
state worth saving is the answers: `replay` starts the flow afresh, feeds each stage the Answer
its stored rows add up to (validated again with the stage's checked model and the same context
as the interactive path), and stops at the first thing missing:

  Ask       the next call to send: a stage's first request, or a re-ask carrying the last
            answer and its validation errors (while the stage has attempts left);
  Resend    a call whose batch line failed (error file, non-200), to send again while tries remain;
  Waiting   a call is queued or in a batch still running;
  Finished  the flow returned a document, or failed as the interactive path would
            (ExtractionFailed: nothing salvageable), or a call failed at transport level too often.

A stage whose attempts run out gets Answer(value=None, last_text=..., errors=[...]), so the flow
salvages its last draft exactly as it does after instructor's last re-ask; an answer cut off at
the token cap is not re-asked, as instructor does not re-ask one either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from extractor.batch.lines import reask
from extractor.batch.store import ANSWERED, FAILED, QUEUED, SUBMITTED, BatchArticle, Row
from extractor.errors import ExtractionFailed
from extractor.flow.draft import stored_name
from extractor.flow.pipeline import ArticleFlow, Request
from extractor.llm.client import Answer, without_control_characters
from extractor.schema import ArticleExtraction
from extractor.settings import WINDOW_CHARS


@dataclass(frozen=True)
class Ask:
    stage: str
    attempt: int
    schema: str
    messages: list[dict[str, str]]
    max_tokens: int


@dataclass(frozen=True)
class Resend:
    custom_id: str


@dataclass(frozen=True)
class Waiting:
    pass


@dataclass(frozen=True)
class Finished:
    status: str  # done | failed
    document: ArticleExtraction | None = None
    reason: str | None = None
    attempts: int = 0
    usage: dict[str, int] = field(default_factory=dict)


Step = Ask | Resend | Waiting | Finished


def replay(item: BatchArticle, rows: list[Row], max_tries: int) -> Step:
    """The article's next step, given every call stored for it."""
    by_stage: dict[str, dict[int, Row]] = {}
    for row in rows:
        by_stage.setdefault(row.stage, {})[row.attempt] = row
    params = item.params
    flow = ArticleFlow(
        item.article,
        params["provider"],
        params["model"],
        params.get("evidence", "sentences"),
        int(params.get("window_chars", WINDOW_CHARS)),
    )
    steps = flow.steps()
    try:
        request = next(steps)
        while True:
            settled = _stage(request, by_stage.get(request.stage, {}), int(params["max_attempts"]), max_tries)
            if not isinstance(settled, Answer):
                if isinstance(settled, Finished):  # transport: count every answer paid for, in any stage
                    return Finished("failed", reason=settled.reason, attempts=_answered(rows), usage=_usage(rows))
                return settled
            request = steps.send(settled)
    except StopIteration as done:
        return Finished("done", document=done.value, attempts=flow.attempts, usage=dict(flow.usage))
    except ExtractionFailed as exc:
        return Finished("failed", reason=exc.one_line(), attempts=flow.attempts, usage=dict(flow.usage))
    finally:
        steps.close()


def _stage(request: Request, calls: dict[int, Row], max_attempts: int, max_tries: int) -> Answer | Step:
    """One stage's Answer from its stored calls, or what it still needs."""
    errors: list[str] = []
    usage = {"prompt_tokens": 0, "completion_tokens": 0}
    previous: Row | None = None
    attempt = 1
    while True:
        row = calls.get(attempt)
        if row is None:
            messages = request.messages if previous is None else reask(previous.messages, previous.text, errors[-1])
            return Ask(request.stage, attempt, stored_name(request.plain), messages, request.max_tokens)
        if row.state in (QUEUED, SUBMITTED):
            return Waiting()
        if row.state == FAILED:
            if row.tries < max_tries:
                return Resend(row.custom_id)
            return Finished("failed", reason=f"batch request {row.custom_id} failed {row.tries} times ({row.error})")
        assert row.state == ANSWERED
        for k in usage:
            usage[k] += row.usage.get(k, 0)
        if row.finish_reason == "length":
            return Answer(
                None,
                attempt,
                usage,
                last_text=row.text,
                errors=[f"the answer was cut off at max_tokens={row.max_tokens}"],
            )
        try:
            value = request.checked.model_validate_json(
                without_control_characters(row.text or ""), context=request.context
            )
        except ValidationError as exc:
            errors.append(str(exc))  # what instructor puts in its re-ask and in Answer.errors
            if attempt >= max_attempts:
                return Answer(None, attempt, usage, last_text=row.text, errors=errors)
            previous, attempt = row, attempt + 1
            continue
        return Answer(value, attempt, usage, last_text=row.text)


def _answered(rows: list[Row]) -> int:
    return sum(row.state == ANSWERED for row in rows)


def _usage(rows: list[Row]) -> dict[str, int]:
    answered = [row for row in rows if row.state == ANSWERED]
    return {k: sum(row.usage.get(k, 0) for row in answered) for k in ("prompt_tokens", "completion_tokens")}
