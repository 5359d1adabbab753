"""Worker processes die with their parent, by each of the three means alone (`extractor.runs.workers`):
the kernel's parent-death signal (Linux), the end-of-file of the worker's pipe, and the watchdog
that sees the worker's parent change. The whole run, killed with kill -9 against the fault server,
is tested in tests/test_runs.py."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT
from support.processes import STARTED_GROUPS, group_members

# A parent that starts a pool of two workers with only some means of noticing its death, says so,
# and waits to be killed.
PARENT = textwrap.dedent(
    """
    import sys, time
    from extractor.runs import workers
    from extractor.settings import resolve

    keep = set(sys.argv[1].split(","))
    if "signal" not in keep:
        workers._parent_death_signal = lambda: None
    if "pipe" not in keep:
        workers._close_inherited = lambda fds: None
    if "watch" not in keep:
        workers._watch_parent = lambda parent: None
    pool = workers.WorkerPool(2, resolve({"base_url": "http://127.0.0.1:9/v1", "model": "fake", "no_cache": True}))
    print("ready", flush=True)
    time.sleep(60)
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="finds the run's processes in /proc")
@pytest.mark.parametrize(
    "means",
    [
        pytest.param(
            "signal", marks=pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
        ),
        "pipe",
        "watch",
        "signal,pipe,watch",
    ],
)
def test_workers_end_within_seconds_of_their_parents_kill_9(means):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, means],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "test-placeholder"},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    STARTED_GROUPS.append(parent.pid)
    try:
        assert parent.stdout.readline().strip() == "ready"
        workers = group_members(parent.pid) - {parent.pid}
        assert len(workers) == 2, workers
        killed_at = time.monotonic()
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        while (left := group_members(parent.pid)) and time.monotonic() < killed_at + 5:
            time.sleep(0.02)
        assert not left, f"workers still alive 5 s after their parent's kill, noticing it by {means} alone"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        parent.stdout.close()


def _watched(parent: int) -> None:
    from extractor.runs.workers import _watch_parent

    _watch_parent(parent)
    time.sleep(30)


def test_the_watchdog_ends_a_process_whose_parent_is_not_the_one_that_started_it():
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    orphan = context.Process(target=_watched, args=(os.getpid() + 1_000_000,))  # never its parent
    kept = context.Process(target=_watched, args=(os.getpid(),))  # its parent, alive
    orphan.start(), kept.start()
    try:
        orphan.join(5)
        assert orphan.exitcode == 1
        assert kept.is_alive()
    finally:
        for process in (orphan, kept):
            if process.is_alive():
                process.terminate()
            process.join(5)
