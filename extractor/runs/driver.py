"""What `extractor extract` does, as one library call: inputs -> run -> outputs and progress.

Opens the run's context (`extractor.runs.context`: the cache, the run store with a run name, the
client on first need), drives `runs.run_articles` on an event loop, and writes each finished
document as it comes.

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

from extractor.articles.load import count_inputs, iter_articles
from extractor.errors import ConfigError, Interrupted
from extractor.normalise.actors import use_registry_file
from extractor.results.write import Writer, rewrite_lines
from extractor.runs.article import Outcome
from extractor.runs.concurrent import Totals, run_articles
from extractor.runs.context import RunContext, run_context
from extractor.runs.progress import Progress
from extractor.runs.store import DONE, RunStore
from extractor.schema import (
    ArticleExtraction,
)
from extractor.settings import Settings


@dataclass
class ExtractTotals:
    done: int
    failed: int
    input_errors: int
    skipped: int
    failed_before: int = 0  # failed in an earlier run of the named run and not sent again


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
    held = contextlib.ExitStack()  # the run's context and its workers, closed however the run ends
    writer = None
    try:
        ctx = held.enter_context(run_context(settings, run=run, retry_failed=retry_failed))
        pool = held.enter_context(_worker_pool(settings)) if settings.workers > 1 else None
        if ctx.store is not None and run is not None:
            target = Path(output) if output and output != "-" else None
            if target is not None and chosen == "jsonl" and not (target.is_dir() or str(output).endswith("/")):
                if ctx.resumed or target.exists():
                    rewrite_lines(target, (result for _, result in ctx.store.results(run)))
                writer = Writer(output, chosen, append=True)
        if writer is None:
            writer = Writer(output, chosen)
        progress = Progress(count_inputs(paths) if (not quiet and sys.stderr.isatty()) else None, quiet=quiet)
        input_errors = 0

        def on_outcome(outcome: Outcome) -> None:
            nonlocal input_errors
            if outcome.status == DONE:
                assert outcome.document is not None  # a done article has its document
                writer.add(outcome.document, outcome.index, text=outcome.document_json())
            elif outcome.unreadable:
                input_errors += 1
            progress.update(outcome)

        try:
            with sigterm_as_interrupt():
                totals = asyncio.run(_drive(paths, ctx, on_outcome, pool))
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
def sigterm_as_interrupt() -> Iterator[None]:
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


async def _drive(paths: list[str], ctx: RunContext, on_outcome, pool) -> Totals:
    try:
        return await run_articles(iter_articles(paths), ctx, on_outcome, pool.extract if pool is not None else None)
    finally:
        await ctx.aclose()


# Fields the gold model adds to the contract (results read with it never set them to True).
def _gold_only() -> dict[str, dict[str, set[str]]]:
    """The fields a gold-format document may hold that an extraction does not (optional, the
    development sets' event_type_any and kind_any): left out when a result file is read back."""
    from pydantic import BaseModel

    from extractor import schema

    pairs: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
        "incidents": (schema.GoldIncident, schema.Incident),
        "actors": (schema.GoldActor, schema.Actor),
        "attributions": (schema.GoldAttribution, schema.Attribution),
    }
    return {
        kind: {"__all__": set(gold.model_fields) - set(plain.model_fields)} for kind, (gold, plain) in pairs.items()
    }


def known_run(run: str, store_path: Path) -> None:
    """Refuse, in one line naming the runs there are, a name that is no run of the store."""
    from extractor.errors import InputError

    with RunStore(store_path) as store:
        if store.summary(run) is None:
            known = ", ".join(s.name for s in store.runs()[:10]) or "none yet"
            raise InputError(
                run,
                f"is neither a run in {store_path} nor a results file",
                hint=f"known runs: {known}; see `extractor runs list`",
            )


def run_documents(source: str, store_path: Path) -> Iterator[ArticleExtraction]:
    """The finished documents of a run (by name, from the run store), or of result files when
    `source` is a path; streamed in the order the run first saw them."""
    from pydantic import ValidationError

    from extractor.errors import InputError
    from extractor.results.read import read_results

    if Path(source).exists():
        gold_only = _gold_only()
        for result in read_results([source]):
            if result.doc.provenance is None:
                raise InputError(
                    result.origin,
                    "is a gold answer, not a result (it has no provenance)",
                    hint="export results of `extractor extract`",
                )
            try:
                yield ArticleExtraction.model_validate_json(result.doc.model_dump_json(exclude=gold_only))
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                raise InputError(
                    result.origin,
                    f"is not a result of `extractor extract` ({where}: {first['msg']})",
                    hint="give a result written by `extractor extract`, or a run's name",
                ) from None
        return
    known_run(source, store_path)
    with RunStore(store_path) as store:
        for _, line in store.results(source):
            yield ArticleExtraction.model_validate_json(line)


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
