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
    gazetteer_ready = asyncio.create_task(asyncio.to_thread(default_gazetteer) if work is None else asyncio.sleep(0))

    async def take() -> None:
        while (job := await queue.get()) is not None:
            index, article, key = job
            try:
                if work is not None:
                    outcome = await work(index, article, key)
                else:
                    outcome = await extract_one(index, article, key, ctx, gazetteer_ready)
            finally:
                in_flight.discard(key)
            report(outcome)

    workers = [asyncio.create_task(take()) for _ in range(concurrency)]
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
