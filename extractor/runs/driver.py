"""What `extractor extract` does, as one library call: inputs -> run -> outputs and progress.

Opens the cache and (with a run name) the run store, builds the async client on first need,
drives `runs.run_articles` on an event loop, and writes each finished document as it comes.

Output of a named run: the run store is the record, the output file a view of it. When a run is
resumed into the same JSONL file, the file is first rewritten from the store's finished articles,
then new ones are appended as they finish; so however the last invocation ended (even kill -9
between a commit and its line), every finished article is in the file exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.errors import ConfigError, Interrupted
from extractor.articles.load import count_inputs, iter_articles
from extractor.normalise.actors import use_registry_file
from extractor.results.write import Writer, rewrite_lines
from extractor.runs.pricing import load_prices
from extractor.runs.progress import Progress
from extractor.runs.concurrent import Outcome, RunContext, run_articles
from extractor.runs.store import DONE, RunStore
from extractor.schema import ArticleExtraction
from extractor.settings import Settings
from extractor.cache import Cache, _public_url


@dataclass
class ExtractTotals:
    done: int
    failed: int
    input_errors: int
    skipped: int
    failed_before: int = 0  # failed in an earlier run of the named run and not sent again


def run_settings(settings: Settings) -> dict:
    """What a run records about how it was made (nothing secret)."""
    return {
        "provider": settings.provider,
        "model": settings.model,
        "base_url": _public_url(settings.base_url),
        "params": settings.params(),
    }


def extract_paths(
    paths: list[str],
    settings: Settings,
    *,
    output: str | None,
    fmt: str,
    run: str | None,
    retry_failed: bool = False,
    quiet: bool = False,
) -> ExtractTotals:
    if retry_failed and not run:
        raise ConfigError("--retry-failed needs --run NAME", hint="name the run whose failed articles to retry")
    chosen = fmt
    if chosen == "auto":
        single = len(paths) == 1 and paths[0] != "-" and not paths[0].endswith(".jsonl") and not Path(paths[0]).is_dir()
        chosen = "json" if single and not run else "jsonl"
    if run and chosen == "json" and output and not (Path(output).is_dir() or output.endswith("/")):
        raise ConfigError(
            "a named run writes JSONL (each article as it finishes)", hint="use --format jsonl, or a folder for -o"
        )

    use_registry_file(settings.actors_file)  # before the workers fork: they inherit it
    held = contextlib.ExitStack()  # the cache and the run store, closed however the run ends
    cache = held.enter_context(Cache(settings.cache_file)) if settings.cache_file else None
    store = held.enter_context(RunStore(settings.run_store)) if run else None
    writer = None
    try:
        pool = held.enter_context(_worker_pool(settings)) if settings.workers > 1 else None
        if store is not None:
            resumed = store.begin_run(run, run_settings(settings))
            target = Path(output) if output and output != "-" else None
            if target is not None and chosen == "jsonl" and not (target.is_dir() or output.endswith("/")):
                if resumed or target.exists():
                    rewrite_lines(target, (result for _, result in store.results(run)))
                writer = Writer(output, chosen, append=True)
        if writer is None:
            writer = Writer(output, chosen)
        progress = Progress(count_inputs(paths) if (not quiet and sys.stderr.isatty()) else None, quiet=quiet)
        input_errors = 0

        def on_outcome(outcome: Outcome) -> None:
            nonlocal input_errors
            if outcome.status == DONE:
                writer.add(outcome.document, outcome.index, text=outcome.document_json())
            elif outcome.unreadable:
                input_errors += 1
            progress.update(outcome)

        ctx = RunContext(
            settings=settings,
            client=None,
            prices=load_prices(settings.prices_file),
            cache=cache,
            store=store,  # type: ignore[arg-type]
            run=run,
            retry_failed=retry_failed,
            refresh=settings.refresh,
            pool=pool,
        )
        try:
            with _sigterm_as_interrupt():
                totals = asyncio.run(_drive(paths, ctx, on_outcome))
        except KeyboardInterrupt:
            # The articles in flight are abandoned (the run store keeps them pending, so a resume
            # sends them); what finished is written below, and the message says how far it got.
            t = progress.totals
            raise Interrupted(
                f"interrupted: {t.done} article{'s' if t.done != 1 else ''} done, {t.failed} failed"
                + (f", {t.skipped} skipped" if t.skipped else "")
                + "; every finished article is written",
                hint=_resume_hint(run),
            ) from None
        finally:
            progress.close()
        return ExtractTotals(
            done=totals.done,
            failed=totals.failed - input_errors,
            input_errors=input_errors,
            skipped=totals.skipped,
            failed_before=totals.failed_before,
        )
    finally:
        if writer is not None:
            writer.close()
        held.close()


def _worker_pool(settings: Settings):
    """Worker processes for a run with several (`extractor.runs.workers`), started before the
    event loop and any thread; the client's modules are imported first, so that each worker
    inherits them instead of importing them again."""
    from extractor.llm import client  # noqa: F401 - imported for the workers to inherit
    from extractor.runs.workers import WorkerPool, shares

    return WorkerPool(settings.workers, shares(settings, settings.workers))


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a run as Ctrl-C does (a KeyboardInterrupt in the main thread), for the
    duration of the run; elsewhere (a thread, a library caller's own handler) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _resume_hint(run: str | None) -> str:
    """The command that resumes an interrupted run: the same one (finished articles are not sent again)."""
    command = shlex.join(["extractor", *sys.argv[1:]]) if Path(sys.argv[0]).name == "extractor" else "the same command"
    if run:
        return f"resume with {command} (run {run}: finished articles are not sent again)"
    return f"run {command} again: finished articles come from the cache"


async def _drive(paths: list[str], ctx: RunContext, on_outcome) -> object:
    from extractor.llm import client as llm
    from extractor.llm.throttle import Throttle

    throttle = Throttle(ctx.settings.concurrency, rpm=ctx.settings.rpm, tpm=ctx.settings.tpm)
    built: list = []

    def client():
        if not built:
            built.append(llm.build_async_client(ctx.settings, throttle, ctx.settings.concurrency))
        return built[0]

    ctx.client = client
    try:
        return await run_articles(iter_articles(paths), ctx, on_outcome)
    finally:
        if built:
            await built[0].aclose()


# Fields the gold model adds to the contract (results read with it never set them to True).
_GOLD_ONLY = {kind: {"__all__": {"optional"}} for kind in ("incidents", "actors", "attributions")}


def run_documents(source: str, store_path: Path) -> Iterator[ArticleExtraction]:
    """The finished documents of a run (by name, from the run store), or of result files when
    `source` is a path; streamed in the order the run first saw them."""
    from extractor.errors import InputError
    from extractor.results.read import read_results

    if Path(source).exists():
        for result in read_results([source]):
            if result.doc.provenance is None:
                raise InputError(
                    result.origin,
                    "is a gold answer, not a result (it has no provenance)",
                    hint="export results of `extractor extract`",
                )
            yield ArticleExtraction.model_validate_json(result.doc.model_dump_json(exclude=_GOLD_ONLY))
        return
    with RunStore(store_path) as store:
        if store.summary(source) is None:
            known = ", ".join(s.name for s in store.runs()[:10]) or "none yet"
            raise InputError(
                source,
                f"is neither a run in {store_path} nor a results file",
                hint=f"known runs: {known}; see `extractor runs list`",
            )
        for _, result in store.results(source):
            yield ArticleExtraction.model_validate_json(result)


def write_atomically(output: str | None, write) -> int:
    """Run `write(stream)` into `output` (a .partial renamed into place) or standard output."""
    import os

    if not output or output == "-":
        return write(sys.stdout)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as stream:
        count = write(stream)
    os.replace(partial, target)
    return count
