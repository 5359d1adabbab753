"""Driving many articles: concurrent, resumable, and honest about every article's fate.

`run_articles` streams articles from any iterable (nothing is listed in memory), keeps up to
`concurrency` of them in flight on one event loop, and reports each outcome as it happens. With a
run store, every article gets a row before its first request and its outcome is committed the
moment it finishes; articles already done in the run are skipped (never sent again), failed ones
are skipped unless `retry_failed`. A duplicate of an article still in flight is skipped too.

What a worker does for one article: cache lookup (a hit makes no call), then the pipeline over
the shared async client, whose transport applies the run's Throttle. Known failures (the model
gave nothing usable, transport retries ran out, unreadable input) become a failed outcome with its
reason; the run goes on. Errors that would fail every article (no model, bad settings) stop it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.articles.load import Article
from extractor.cache import Cache
from extractor.errors import ConfigError, InputError, LLMError, ModelUnavailableError
from extractor.flow.pipeline import extract_article_async, kept_and_normalised, key_for, normalised_from_cache
from extractor.llm.client import AsyncLLMClient
from extractor.normalise.gazetteer import default_gazetteer
from extractor.runs.pricing import Prices
from extractor.runs.store import DONE, FAILED, RunStore, article_key
from extractor.schema import ArticleExtraction
from extractor.settings import Settings

if TYPE_CHECKING:
    from extractor.runs.workers import WorkerPool

SKIPPED = "skipped"


@dataclass
class Outcome:
    index: int
    key: str
    article_id: str
    origin: str
    status: str  # done | failed | skipped
    document: ArticleExtraction | None = None
    reason: str | None = None
    attempts: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cost: float | None = 0.0
    cache_hit: bool = False
    unreadable: bool = False  # the input itself could not be read (no request was made)
    _json: str | None = field(default=None, repr=False, compare=False)

    def document_json(self) -> str | None:
        """The document as compact JSON, made once for the run store and the output alike."""
        if self._json is None and self.document is not None:
            self._json = self.document.model_dump_json()
        return self._json

    failed_before: bool = False  # skipped as failed in an earlier run of the same named run


@dataclass
class Totals:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    failed_before: int = 0  # skipped: failed in an earlier run of the same named run, not sent again
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0

    def add(self, outcome: Outcome) -> None:
        if outcome.status == DONE:
            self.done += 1
            self.cache_hits += outcome.cache_hit
        elif outcome.status == FAILED:
            self.failed += 1
        else:
            self.skipped += 1
            self.failed_before += outcome.failed_before
        self.prompt_tokens += outcome.usage.get("prompt_tokens", 0)
        self.completion_tokens += outcome.usage.get("completion_tokens", 0)
        self.cost = None if self.cost is None or outcome.cost is None else self.cost + outcome.cost


@dataclass
class RunContext:
    settings: Settings
    client: Callable[[], AsyncLLMClient]  # built on first need, so a fully cached run builds none
    prices: Prices
    cache: Cache | None = None
    store: RunStore | None = None
    run: str | None = None
    retry_failed: bool = False
    refresh: bool = False
    pool: WorkerPool | None = None  # worker processes do the articles' work, when the run has several


async def run_articles(
    items: Iterable[Article | InputError], ctx: RunContext, on_outcome: Callable[[Outcome], None]
) -> Totals:
    totals = Totals()
    concurrency = max(1, ctx.settings.concurrency)
    queue: asyncio.Queue = asyncio.Queue(maxsize=2 * concurrency)
    in_flight: set[str] = set()

    def report(outcome: Outcome) -> None:
        if ctx.store is not None and ctx.run is not None and outcome.status != SKIPPED:
            ctx.store.finish(
                ctx.run,
                outcome.key,
                status=outcome.status,
                reason=outcome.reason,
                result=outcome.document_json(),
                attempts=outcome.attempts,
                usage=outcome.usage,
                seconds=outcome.seconds,
                cost=outcome.cost,
                cache_hit=outcome.cache_hit,
                article_id=outcome.article_id,
                origin=outcome.origin,
            )
        totals.add(outcome)
        on_outcome(outcome)

    async def produce() -> None:
        for index, item in enumerate(items):
            if isinstance(item, InputError):
                report(
                    Outcome(
                        index,
                        article_key(item.source, ""),
                        item.source,
                        item.source,
                        FAILED,
                        reason=item.one_line(),
                        unreadable=True,
                    )
                )
                continue
            key = article_key(item.id, item.sha256)
            if key in in_flight:
                report(Outcome(index, key, item.id, "", SKIPPED, reason="a duplicate of an article in flight"))
                continue
            if ctx.store is not None and ctx.run is not None:
                status = ctx.store.status(ctx.run, key)
                if status == DONE or (status == FAILED and not ctx.retry_failed):
                    report(
                        Outcome(
                            index,
                            key,
                            item.id,
                            "",
                            SKIPPED,
                            reason=f"already {status} in run {ctx.run}",
                            failed_before=status == FAILED,
                        )
                    )
                    continue
                ctx.store.mark_pending(
                    ctx.run, key, item.id, item.id, hold=True
                )  # lost in a crash, taken on again by the resume
            in_flight.add(key)
            await queue.put((index, item, key))

    # The gazetteer every document is normalised with is loaded (or built, the first time on this
    # machine) in a thread while the first requests are in flight: never on the event loop (and
    # not at all here when worker processes do the normalising).
    gazetteer_ready = asyncio.create_task(
        asyncio.to_thread(default_gazetteer) if ctx.pool is None else asyncio.sleep(0)
    )

    async def work() -> None:
        while (job := await queue.get()) is not None:
            index, article, key = job
            try:
                if ctx.pool is not None:
                    outcome = await ctx.pool.extract(index, article, key)
                else:
                    outcome = await extract_one(index, article, key, ctx, gazetteer_ready)
            finally:
                in_flight.discard(key)
            report(outcome)

    workers = [asyncio.create_task(work()) for _ in range(concurrency)]
    try:
        await produce()
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        gazetteer_ready.cancel()
        if ctx.store is not None:
            ctx.store.commit_held()
    return totals


async def extract_one(
    index: int, article: Article, key: str, ctx: RunContext, gazetteer_ready: Awaitable[object]
) -> Outcome:
    """One article's work: cache, pipeline, normalisation (here, or in a worker process)."""
    settings = ctx.settings
    cache_key = key_for(article, settings)
    if not ctx.refresh and ctx.cache is not None:
        await gazetteer_ready  # normalising a cached answer may need it (loaded once, at the run's start)
        if (hit := normalised_from_cache(article, ctx.cache, cache_key)) is not None:
            return Outcome(index, key, article.id, "", DONE, hit, cache_hit=True)
    started = time.monotonic()
    try:
        document = await extract_article_async(article, ctx.client(), cache=ctx.cache, key=cache_key)
    except (ModelUnavailableError, ConfigError):
        raise  # every article would fail the same way: stop the run
    except LLMError as exc:
        usage = exc.usage
        reason = exc.one_line()
        if not reason.startswith(f"{article.id}: "):  # transport errors do not name the article
            reason = f"{article.id}: {reason}"
        return Outcome(
            index,
            key,
            article.id,
            "",
            FAILED,
            reason=reason,
            attempts=exc.calls,
            usage=usage,
            seconds=time.monotonic() - started,
            cost=ctx.prices.cost(settings.provider, settings.model, usage),
        )
    await gazetteer_ready
    usage = document.provenance.usage.model_dump()
    done = kept_and_normalised(document, article, ctx.cache, cache_key)
    return Outcome(
        index,
        key,
        article.id,
        "",
        DONE,
        done,
        attempts=document.provenance.attempts,
        usage=usage,
        seconds=time.monotonic() - started,
        cost=ctx.prices.cost(settings.provider, settings.model, usage),
    )
