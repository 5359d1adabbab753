"""Runs through OpenAI's Batch API: the same stages, checks and grounding, at half the price.

    submission = submit(run, paths, settings, store, client)   # first calls of every new article
    statuses = status(run, store, client)                       # poll the run's batches
    report = collect(run, store, client, settings, prices)      # apply results, send what is next

`submit` takes on every article of the inputs not yet done in the run (failed ones only with
retry_failed), records it (text included, so `collect` needs no inputs) and uploads one JSONL
line per first request. `collect` downloads each finished batch's output and error files,
routes lines by custom_id (`<article key>:<stage>:<attempt>`), and moves each article on by
replaying its flow (`extractor.batch.flow`): a valid answer leads to the next stage's request,
an answer that fails the checks to a re-ask while attempts remain, a line that failed in
transport to the same request again (up to `max_tries` sends), and a finished flow to a done or
failed row in the run store, with tokens summed over the article's calls and cost at the batch
discount. What comes next is uploaded as a new batch at once, or by the next `submit`/`collect`
if the upload fails: requests wait in the store as "queued" until a batch takes them.

Each batch's results are applied in one transaction, together with the `collected` mark, so
collecting twice, or two processes collecting at once, never finishes an article twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import openai

from extractor.articles.load import Article, iter_articles
from extractor.batch.flow import Ask, Finished, Resend, replay
from extractor.batch.lines import ENDPOINT, chunks, file_name, jsonl, parse_results, request_line
from extractor.batch.store import ACTIVE, BatchStore
from extractor.errors import ConfigError, InputError, LLMError
from extractor.llm.sdk_errors import as_ours
from extractor.runs.article import Outcome, normalised
from extractor.runs.context import run_settings
from extractor.runs.pricing import Prices
from extractor.runs.store import DONE, FAILED, PENDING, RunStore, article_key
from extractor.settings import EMBEDDED, Settings

SDK_RETRIES = 3  # the Batch API client's own retries (`openai.OpenAI(max_retries=...)`, built by the CLI)
INTENT = "extractor_intent"  # the metadata field that carries a batch's idempotency key
MAX_TRIES = 3  # sends of one request whose line fails in transport, before its article fails
TERMINAL = ("completed", "failed", "expired", "cancelled")
_WRITE_GROUP = 100  # articles taken on per transaction at submit (a short write lock for others)
T = TypeVar("T")


@dataclass
class BatchSubmission:
    run: str
    batch_ids: list[str] = field(default_factory=list)
    custom_ids: list[str] = field(default_factory=list)  # every request line uploaded, in order
    articles: int = 0  # articles this call took on
    skipped: int = 0  # already done (or failed, or in a batch) in the run
    outcomes: list[Outcome] = field(default_factory=list)  # inputs that could not be read


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str  # validating | in_progress | finalizing | completed | failed | expired | cancelling | cancelled
    requests: int  # lines sent
    completed: int | None  # as the API counts them, for batches not yet collected
    failed: int | None
    created_at: str
    collected: bool
    errors: list[str] = field(default_factory=list)  # why a whole batch failed


@dataclass
class CollectReport:
    run: str
    collected: list[str] = field(default_factory=list)  # batches whose results this call applied
    waiting: list[str] = field(default_factory=list)  # batches still running
    outcomes: list[Outcome] = field(default_factory=list)  # articles this call finished
    answered: int = 0  # result lines applied
    failed_lines: int = 0  # lines that failed in transport (or never came back)
    unreadable: int = 0  # lines of a result file that were not JSON
    reasks: int = 0
    next_stage: int = 0  # first requests of a later stage
    resent: int = 0  # failed requests sent again
    submission: BatchSubmission | None = None

    @property
    def done(self) -> int:
        return sum(o.status == DONE for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == FAILED for o in self.outcomes)


def submit(
    run: str,
    paths_or_articles: Iterable[str | Path | Article | InputError],
    settings: Settings,
    store: RunStore,
    client: openai.OpenAI,
    *,
    retry_failed: bool = False,
    max_tries: int = MAX_TRIES,
) -> BatchSubmission:
    """Take on the run's new articles and upload their first requests (with any requests still
    queued from earlier calls) as one or more batches."""
    _check(settings)
    store.begin_run(run, {**run_settings(settings), "batch": True})
    batches = BatchStore(store)
    params = {
        "provider": settings.provider,
        "model": settings.model,
        "max_attempts": settings.max_attempts,
        "temperature": settings.temperature,
        "seed": settings.seed,
        "evidence": settings.evidence,
        "window_chars": settings.window_chars,
    }
    submission = BatchSubmission(run)
    for group in _groups(_items(paths_or_articles), _WRITE_GROUP):
        with batches.transaction():
            for index, item in group:
                _take_on(run, index, item, params, retry_failed, store, batches, submission, max_tries)
    sent = _send(run, batches, client)
    submission.batch_ids, submission.custom_ids = sent.batch_ids, sent.custom_ids
    return submission


def status(run: str, store: RunStore, client: openai.OpenAI) -> list[BatchStatus]:
    """Every batch of the run, oldest first; those not yet collected are polled."""
    batches = BatchStore(store)
    found = []
    for record in batches.batches(run):
        if record.collected_at is not None:
            found.append(BatchStatus(record.id, record.status, record.requests, None, None, record.created_at, True))
            continue
        batch = _api(lambda: client.batches.retrieve(record.id), f"read batch {record.id}")
        batches.update_batch(record.id, batch.status, batch.output_file_id, batch.error_file_id)
        counts = batch.request_counts
        found.append(
            BatchStatus(
                record.id,
                batch.status,
                record.requests,
                counts.completed if counts else None,
                counts.failed if counts else None,
                record.created_at,
                False,
                _batch_errors(batch),
            )
        )
    return found


def unsent(run: str, store: RunStore) -> int:
    """Requests waiting for an upload (one failed, or collect ran with submit_next=False): the
    next `submit` or `collect` sends them."""
    return len(BatchStore(store).queued(run))


def collect(
    run: str,
    store: RunStore,
    client: openai.OpenAI,
    settings: Settings,
    prices: Prices,
    *,
    submit_next: bool = True,
    max_tries: int = MAX_TRIES,
) -> CollectReport:
    """Apply the results of every finished, uncollected batch of the run, then (submit_next)
    upload what the articles need next: later stages, re-asks, failed lines."""
    _check(settings)
    batches = BatchStore(store)
    report = CollectReport(run)
    for record in batches.batches(run, uncollected=True):
        batch = _api(lambda: client.batches.retrieve(record.id), f"read batch {record.id}")
        batches.update_batch(record.id, batch.status, batch.output_file_id, batch.error_file_id)
        if batch.status not in TERMINAL:
            report.waiting.append(record.id)
            continue
        results = []
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                content = _api(lambda: client.files.content(file_id).text, f"download file {file_id}")
                lines, unreadable = parse_results(content)
                results += lines
                report.unreadable += unreadable
        with batches.transaction():
            if not batches.mark_collected(record.id):
                continue  # another process applied it meanwhile
            keys = _apply(run, record.id, batch, results, batches, report)
            for key in keys:
                _advance(run, key, store, batches, prices, max_tries, report)
        report.collected.append(record.id)
    with batches.transaction():
        for key in batches.stalled(run):
            _advance(run, key, store, batches, prices, max_tries, report)
    if submit_next:
        report.submission = _send(run, batches, client)
    return report


# --- submit -----------------------------------------------------------------------------------


def _check(settings: Settings) -> None:
    if settings.provider == EMBEDDED:
        raise ConfigError("the Batch API needs OpenAI, not the embedded model", hint="set OPENAI_API_KEY (and --model)")


def _items(sources: Iterable[str | Path | Article | InputError]) -> Iterator[Article | InputError]:
    for source in sources:
        if isinstance(source, (str, Path)):
            yield from iter_articles([str(source)])
        else:
            yield source


def _groups(items: Iterable[T], size: int) -> Iterator[list[tuple[int, T]]]:
    group: list[tuple[int, T]] = []
    for index, item in enumerate(items):
        group.append((index, item))
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _take_on(
    run: str,
    index: int,
    item: Article | InputError,
    params: dict[str, Any],
    retry_failed: bool,
    store: RunStore,
    batches: BatchStore,
    submission: BatchSubmission,
    max_tries: int,
) -> None:
    if isinstance(item, InputError):
        key = article_key(item.source, "")
        store.finish(run, key, status=FAILED, reason=item.one_line(), article_id=item.source, origin=item.source)
        submission.outcomes.append(
            Outcome(index, key, item.source, item.source, FAILED, reason=item.one_line(), unreadable=True)
        )
        return
    key = article_key(item.id, item.sha256)
    recorded = store.status(run, key)
    if recorded == DONE or (recorded == FAILED and not retry_failed) or batches.article_state(run, key) == ACTIVE:
        submission.skipped += 1  # done, failed, or already in a batch (a repeat of an input too)
        return
    store.mark_pending(run, key, item.id, item.id)
    batches.add_article(run, key, item, item.id, params)
    added = batches.article(run, key)
    assert added is not None  # added just above
    step = replay(added, [], max_tries)
    assert isinstance(step, Ask), step  # a new article's first step is its first request
    batches.queue(run, key, step.stage, step.attempt, step.schema, step.messages, step.max_tokens)
    submission.articles += 1


def _send(run: str, batches: BatchStore, client: openai.OpenAI) -> BatchSubmission:
    """Upload every queued request of the run: one batch per model (the API allows one model per
    file) and per file-size limit. Requests stay queued if an upload fails."""
    sent = BatchSubmission(run)
    sent.batch_ids += _reconcile(run, batches, client)
    params = batches.params(run)
    by_model: dict[str, list[tuple[str, str]]] = {}
    for row in batches.queued(run):
        p = params[row.key]
        line = request_line(
            row.custom_id,
            model=p["model"],
            messages=row.messages,
            max_tokens=row.max_tokens,
            temperature=p["temperature"],
            seed=p["seed"],
            schema_name=row.schema,
        )
        by_model.setdefault(p["model"], []).append((row.custom_id, line))
    number = len(batches.batches(run))
    for lines in by_model.values():
        for chunk in chunks(lines):
            number += 1
            cids = [cid for cid, _ in chunk]
            intent = uuid.uuid4().hex  # the batch's idempotency key, recorded before anything is sent
            with batches.transaction():
                batches.add_intent(run, intent, cids)
            name = file_name(run, number)
            uploaded = _api(
                lambda: client.files.create(file=(name, jsonl(chunk), "application/jsonl"), purpose="batch"),
                "upload a batch file",
            )
            try:
                batch = _api(
                    lambda: client.batches.create(
                        input_file_id=uploaded.id,
                        endpoint=ENDPOINT,
                        completion_window="24h",
                        metadata={"run": run[:512], INTENT: intent},
                    ),
                    "create a batch",
                )
            except LLMError:
                _quietly(lambda: client.files.delete(uploaded.id))
                with batches.transaction():
                    batches.drop_intent(intent)
                raise
            _record(run, intent, batch.id, uploaded.id, batch.status, cids, batches)
            sent.batch_ids.append(batch.id)
            sent.custom_ids += cids
    return sent


def _record(
    run: str, intent: str, batch_id: str, input_file_id: str, status: str, cids: list[str], batches: BatchStore
) -> None:
    with batches.transaction():
        batches.add_batch(run, batch_id, input_file_id, status, len(cids))
        batches.mark_submitted(run, cids, batch_id)
        batches.drop_intent(intent)


def _reconcile(run: str, batches: BatchStore, client: openai.OpenAI) -> list[str]:
    """Before anything is sent: each batch this run meant to create (an intent left by a process
    that stopped before recording it) is looked up among the provider's batches by its key; one
    that exists is recorded as sent (its requests are not sent twice), one that does not leaves its
    requests queued. Returns the ids of the batches found."""
    intents = dict(batches.intents(run))
    if not intents:
        return []
    found = []
    for batch in _api(lambda: list(client.batches.list(limit=100)), "list the batches"):
        key = (getattr(batch, "metadata", None) or {}).get(INTENT)
        if key in intents:
            _record(run, key, batch.id, batch.input_file_id, batch.status, intents.pop(key), batches)
            found.append(batch.id)
    for key in intents:  # never created: the requests are still queued and go out with this submit
        with batches.transaction():
            batches.drop_intent(key)
    return found


# --- collect ----------------------------------------------------------------------------------


def _apply(run: str, batch_id: str, batch: Any, results: list, batches: BatchStore, report: CollectReport) -> list[str]:
    """Record the batch's lines against its requests; the keys of the articles it concerned."""
    waiting = batches.submitted_in(run, batch_id)
    for result in results:
        if result.ok:
            report.answered += batches.answer(
                run, result.custom_id, batch_id, result.text, result.finish_reason, result.usage
            )
        else:
            report.failed_lines += batches.fail(run, result.custom_id, batch_id, result.error or "failed")
    if batch.status == "failed":
        why = "; ".join(_batch_errors(batch)[:3]) or "no reason given"
        missing = f"the whole batch failed ({why})"
    elif batch.status == "completed":
        missing = "the batch returned no line for it"
    else:
        missing = f"the batch was {batch.status} before answering it"
    for row in batches.submitted_in(run, batch_id):  # still waiting: no line came back
        report.failed_lines += batches.fail(run, row.custom_id, batch_id, missing)
    return sorted({row.key for row in waiting})


def _advance(
    run: str, key: str, store: RunStore, batches: BatchStore, prices: Prices, max_tries: int, report: CollectReport
) -> None:
    item = batches.article(run, key)
    if item is None or item.state != ACTIVE:
        return
    if (recorded := store.status(run, key)) != PENDING:
        # Finished by another way meanwhile (an interactive run of the same name): not twice.
        batches.set_article_state(run, key, DONE if recorded == DONE else FAILED)
        return
    step = replay(item, batches.rows(run, key), max_tries)
    if isinstance(step, Ask):
        batches.queue(run, key, step.stage, step.attempt, step.schema, step.messages, step.max_tokens)
        if step.attempt > 1:
            report.reasks += 1
        else:
            report.next_stage += 1
    elif isinstance(step, Resend):
        batches.requeue(run, step.custom_id)
        report.resent += 1
    elif isinstance(step, Finished):
        _finish(run, item, step, store, batches, prices, report)


def _finish(
    run: str, item: Any, step: Finished, store: RunStore, batches: BatchStore, prices: Prices, report: CollectReport
) -> None:
    document = step.document
    if document is not None:
        document = normalised(document, item.article)  # the normalise stage, as every driver applies it
    cost = prices.cost(item.params["provider"], item.params["model"], step.usage, batch=True)
    seconds = max(0.0, time.time() - item.submitted_at)  # submit to result: a batch's latency
    store.finish(
        run,
        item.key,
        status=step.status,
        reason=step.reason,
        result=document.model_dump_json() if document is not None else None,
        attempts=step.attempts,
        usage=step.usage,
        seconds=seconds,
        cost=cost,
        article_id=item.article.id,
        origin=item.origin,
    )
    batches.set_article_state(run, item.key, step.status)
    report.outcomes.append(
        Outcome(
            len(report.outcomes),
            item.key,
            item.article.id,
            item.origin,
            step.status,
            document,
            step.reason,
            step.attempts,
            dict(step.usage),
            seconds,
            cost,
        )
    )


# --- the API ----------------------------------------------------------------------------------


def _api(call: Callable[[], T], what: str) -> T:
    """The call's result; the SDK's errors as ours (`extractor.llm.sdk_errors`), naming the step."""
    try:
        return call()
    except openai.APIError as exc:
        raise as_ours(exc, doing=f"the Batch API could not {what}", attempts=SDK_RETRIES + 1) from None


def _quietly(call: Callable[[], Any]) -> None:
    try:
        call()
    except openai.APIError:
        pass  # only tidying up an unused upload


def _batch_errors(batch: Any) -> list[str]:
    errors = getattr(batch, "errors", None)
    data = getattr(errors, "data", None) or []
    return [f"line {e.line}: {e.message}" if getattr(e, "line", None) else str(e.message) for e in data]
