"""Driving many articles: concurrent, resumable, and honest about every article's fate.

`run_articles` streams articles from any iterable (nothing is listed in memory), keeps up to
`concurrency` of them in flight on one event loop, and reports each outcome as it happens. With a
run store, every article gets a row before its first request and its outcome is committed the
moment it finishes; articles already done in the run are skipped (never sent again), failed ones
are skipped unless `retry_failed`. A duplicate of an article still in flight is skipped too.

What is done for one article is `extractor.runs.article.extract_one` (cache, flow over the shared
async client, whose transport applies the run's Throttle, normalisation), or, in a run with worker
processes, the same in a worker (`work`, the pool's). Known failures (the model gave nothing usable,
transport retries ran out, unreadable input) become a failed outcome with its reason; the run goes
on. Errors that would fail every article (no model, bad settings) stop it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from extractor.articles.load import Article
from extractor.errors import InputError
from extractor.normalise.gazetteer import default_gazetteer
from extractor.runs.article import Outcome, extract_one
from extractor.runs.context import RunContext
from extractor.runs.store import DONE, FAILED, article_key

SKIPPED = "skipped"
Work = Callable[[int, Article, str], Awaitable[Outcome]]  # one article's work done elsewhere (a worker process)


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


async def run_articles(
    items: Iterable[Article | InputError],
    ctx: RunContext,
    on_outcome: Callable[[Outcome], None],
    work: Work | None = None,
) -> Totals:
    """Every article of `items` done, failed or skipped, each outcome recorded and reported as it
    comes; `work`: where each article's work is done, when not here (a pool of worker processes)."""
    return await _Run(ctx, on_outcome, work).through(items)


Job = tuple[int, Article, str]  # (index in the inputs, the article, its key in the run store)


class _Run:
    """One call of `run_articles`: its queue of jobs, the articles in flight, its totals."""

    def __init__(self, ctx: RunContext, on_outcome: Callable[[Outcome], None], work: Work | None) -> None:
        self.ctx, self.on_outcome, self.work = ctx, on_outcome, work
        self.totals = Totals()
        self.concurrency = max(1, ctx.settings.concurrency)
        self.queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=2 * self.concurrency)
        self.in_flight: set[str] = set()

    async def through(self, items: Iterable[Article | InputError]) -> Totals:
        # The gazetteer every document is normalised with is loaded (or built, the first time on this
        # machine) in a thread while the first requests are in flight: never on the event loop (and
        # not at all here when worker processes do the normalising).
        self.gazetteer_ready = asyncio.create_task(
            asyncio.to_thread(default_gazetteer) if self.work is None else asyncio.sleep(0)
        )
        takers = [asyncio.create_task(self.take()) for _ in range(self.concurrency)]
        try:
            for index, item in enumerate(items):  # streamed: nothing is listed in memory
                if (job := self.admit(index, item)) is not None:
                    await self.queue.put(job)
            for _ in takers:
                await self.queue.put(None)
            await asyncio.gather(*takers)
        finally:
            for task in takers:
                task.cancel()
            self.gazetteer_ready.cancel()
            if self.ctx.store is not None:
                self.ctx.store.commit_held()
        return self.totals

    def admit(self, index: int, item: Article | InputError) -> Job | None:
        """The job for an article to work on, or None when its outcome is known without any work
        (and reported here): an unreadable input, a duplicate of an article in flight, an article
        done (or failed, unless retried) in an earlier run of the same name."""
        if isinstance(item, InputError):
            key = article_key(item.source, "")
            self.report(Outcome(index, key, item.source, item.source, FAILED, reason=item.one_line(), unreadable=True))
            return None
        key = article_key(item.id, item.sha256)
        if (known := self._known(index, item, key)) is not None:
            self.report(known)
            return None
        ctx = self.ctx
        if ctx.store is not None and ctx.run is not None:
            ctx.store.mark_pending(
                ctx.run, key, item.id, item.id, hold=True
            )  # lost in a crash, taken on again by the resume
        self.in_flight.add(key)
        return index, item, key

    def _known(self, index: int, item: Article, key: str) -> Outcome | None:
        if key in self.in_flight:
            return Outcome(index, key, item.id, "", SKIPPED, reason="a duplicate of an article in flight")
        ctx = self.ctx
        if ctx.store is None or ctx.run is None:
            return None
        status = ctx.store.status(ctx.run, key)
        if status == DONE or (status == FAILED and not ctx.retry_failed):
            reason = f"already {status} in run {ctx.run}"
            return Outcome(index, key, item.id, "", SKIPPED, reason=reason, failed_before=status == FAILED)
        return None

    async def take(self) -> None:
        """Work on jobs from the queue until it says stop (None)."""
        while (job := await self.queue.get()) is not None:
            index, article, key = job
            try:
                if self.work is not None:
                    outcome = await self.work(index, article, key)
                else:
                    outcome = await extract_one(index, article, key, self.ctx, self.gazetteer_ready)
            finally:
                self.in_flight.discard(key)
            self.report(outcome)

    def report(self, outcome: Outcome) -> None:
        """An outcome committed to the run store (a named run), counted, and handed on."""
        ctx = self.ctx
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
        self.totals.add(outcome)
        self.on_outcome(outcome)
