"""Worker processes: one run, several event loops, so that the client's CPU is never the limit.

Against a fast server one process spends about 3 ms of CPU per request (openai, instructor,
httpx and the pipeline, on one event-loop thread) and tops out near 300 requests a second
(benchmarks/throughput.py), whatever the concurrency. With `workers` > 1 the parent keeps what
must stay single (reading the inputs, the run store, the output file, the progress bar: one writer
each, so nothing is lost or written twice) and hands each article to a worker process, which runs
the same per-article work as a single process (`extractor.runs.article.extract_one`: cache,
pipeline, normalisation) in its own run context (`extractor.runs.context`): its own client, its
own connection to the cache (SQLite in WAL mode takes writers from several processes) and its
share of the concurrency and of the rpm/tpm budgets.

Parent and workers talk over one pipe each: jobs (index, article, key) go down, outcomes come up
with the document already serialised, so the parent never parses nor dumps a document. A worker
started by fork inherits the modules already imported; it ignores Ctrl-C (the parent decides), and
an error that would fail every article (no model, bad settings) comes up to stop the run as it
does in one process. Workers that outlive their parent's run are stopped when the pool closes.

A worker dies with its parent, however the parent ends (kill -9 included), without sending another
request: on Linux the kernel kills it when the parent dies (a parent-death signal, set with
prctl); everywhere, the end of its pipe reads end-of-file once the parent is gone (each worker
closes the copies of the parent's pipe ends that fork gave it, or the pipe would never close), and
a watchdog thread exits as soon as the worker's parent is no longer the process that started it.
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from extractor.articles.load import Article
from extractor.settings import Settings

if TYPE_CHECKING:
    from extractor.runs.article import Outcome

_STOP = None
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal a process gets when its parent dies
WATCH_SECONDS = 0.25  # how often a worker checks that its parent is still the one that started it


def shares(settings: Settings, workers: int) -> Settings:
    """One worker's share of the run's concurrency and rate budgets (rounded up for concurrency,
    so that the workers together keep at least the run's concurrency in flight)."""
    return settings.with_(
        concurrency=max(1, -(-settings.concurrency // workers)),
        rpm=None if settings.rpm is None else settings.rpm / workers,
        tpm=None if settings.tpm is None else settings.tpm / workers,
    )


class WorkerPool:
    """`workers` processes doing articles' work; `await pool.extract(...)` gives an article's Outcome.
    `share`: the settings each worker runs with (`shares`: its part of concurrency, rpm and tpm)."""

    def __init__(self, workers: int, share: Settings) -> None:
        fork = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        self._pending: dict[int, tuple[int, asyncio.Future]] = {}  # job number -> (worker, its outcome)
        self._numbers = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ends: list[Connection] = []
        self._processes = []
        self._readers: list[threading.Thread] = []
        self._load = [0] * workers
        for _ in range(workers):
            parent_end, child_end = context.Pipe()
            # A forked worker inherits every pipe end the parent holds at that moment: it closes
            # them, so that the parent's death leaves its own pipe with no writer (end-of-file).
            inherited = [*self._ends, parent_end] if fork else []
            process = context.Process(target=_worker_main, args=(child_end, share, os.getpid(), inherited), daemon=True)
            process.start()
            child_end.close()
            self._ends.append(parent_end)
            self._processes.append(process)

    async def extract(self, index: int, article: Article, key: str) -> Outcome:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            for number, end in enumerate(self._ends):
                reader = threading.Thread(
                    target=self._read, args=(number, end), daemon=True, name=f"extractor-worker-{number}"
                )
                reader.start()
                self._readers.append(reader)
        number = next(self._numbers)
        future = self._loop.create_future()
        worker = min(range(len(self._ends)), key=self._load.__getitem__)  # the least busy
        self._pending[number] = (worker, future)
        self._load[worker] += 1
        try:
            self._ends[worker].send((number, index, article, key))
            return await future
        finally:
            self._load[worker] -= 1
            self._pending.pop(number, None)

    def _read(self, worker: int, end: Connection) -> None:
        """A thread per worker: its answers, handed to the event loop as they come."""
        while True:
            try:
                number, outcome, error = end.recv()
            except (EOFError, OSError):
                self._load[worker] += 1 << 30  # no more work for it
                died = RuntimeError(
                    f"worker process {worker} stopped unexpectedly (exit code {self._processes[worker].exitcode})"
                )
                for owner, future in list(self._pending.values()):
                    if owner == worker:
                        self._hand(future, None, died)
                return
            pending = self._pending.get(number)
            if pending is not None:
                self._hand(pending[1], outcome, error)

    def _hand(self, future: asyncio.Future, outcome: Any, error: BaseException | None) -> None:
        try:
            self._loop.call_soon_threadsafe(_settle, future, outcome, error)  # type: ignore[union-attr]
        except RuntimeError:
            pass  # the run's event loop has closed: nobody waits for this any more

    def close(self) -> None:
        """Stop the workers: those idle at once, any still working (an interrupted run) after a moment."""
        for end in self._ends:
            try:
                end.send(_STOP)
            except OSError:
                pass
        for process in self._processes:
            process.join(timeout=2)
            if process.is_alive():
                process.terminate()
                process.join(timeout=2)
        for end in self._ends:
            end.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _settle(future: asyncio.Future, outcome: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(outcome)


def _worker_main(end: Connection, settings: Settings, parent: int, inherited: list[Connection]) -> None:
    _die_with(parent)
    _close_inherited(inherited)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        asyncio.run(_serve(end, settings))
    finally:
        end.close()
        os._exit(0)  # no inherited finalizers (the parent's cache and run store connections) run here


def _die_with(parent: int) -> None:
    """End this process as soon as `parent` (the process that started it) is gone: the kernel's
    parent-death signal where there is one, and a watchdog thread everywhere. A parent that died
    before the signal was set is caught by the first check."""
    _parent_death_signal()
    if os.getppid() != parent:
        os._exit(1)
    _watch_parent(parent)


def _close_inherited(ends: list[Connection]) -> None:
    """Close the parent's pipe ends a forked worker holds copies of (its own pipe's included), so
    that its end of its pipe reads end-of-file when the parent dies."""
    for end in ends:
        try:
            end.close()
        except OSError:
            pass


def _parent_death_signal() -> None:
    """Linux: the kernel sends this process SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter is linked with
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # no prctl to call: the watchdog and the pipe still see the parent go


def _watch_parent(parent: int) -> None:
    """A daemon thread that ends the process once its parent is no longer `parent` (an orphan is
    handed to another process, so its parent pid changes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)  # the parent is gone: no further request, nothing to report to

    threading.Thread(target=watch, daemon=True, name="extractor-parent-watch").start()


async def _serve(end: Connection, settings: Settings) -> None:
    loop = asyncio.get_running_loop()
    jobs: asyncio.Queue = asyncio.Queue()

    def receive() -> None:
        while True:
            try:
                job = end.recv()
            except (EOFError, OSError):
                # The parent's end closed without a stop: the parent is gone (killed, or crashed).
                # Nobody will read an outcome: stop at once, with no request sent after this.
                os._exit(1)
            loop.call_soon_threadsafe(jobs.put_nowait, job)
            if job is _STOP:
                return

    threading.Thread(target=receive, daemon=True).start()  # first: it sees the parent go, even during the imports
    from extractor.normalise.actors import use_registry_file
    from extractor.normalise.gazetteer import default_gazetteer
    from extractor.runs.article import extract_one
    from extractor.runs.context import run_context

    use_registry_file(settings.actors_file)  # a spawned worker inherits nothing

    with run_context(settings) as ctx:
        gazetteer_ready = asyncio.ensure_future(asyncio.to_thread(default_gazetteer))
        tasks: set[asyncio.Task] = set()

        async def one(number: int, index: int, article: Article, key: str) -> None:
            outcome, error = None, None
            try:
                outcome = await extract_one(index, article, key, ctx, gazetteer_ready)
                outcome.document_json()  # serialised here, not in the parent
            except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it as one process would
                error = exc
            try:
                end.send((number, outcome, error))
            except Exception as exc:  # noqa: BLE001 - an error that does not pickle: its words still go up
                end.send((number, None, RuntimeError(f"{type(error or exc).__name__}: {error or exc}")))

        try:
            while (job := await jobs.get()) is not _STOP:
                task = asyncio.create_task(one(*job))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            gazetteer_ready.cancel()
            await ctx.aclose()
