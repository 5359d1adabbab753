"""The processes a test leaves behind: runs started in the background lead process groups of
their own (`run_helpers.start_subprocess`), and tests/conftest.py checks after every test that no
process of those groups, and no child of the test process it started, is still alive."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

STARTED_GROUPS: list[int] = []  # process groups started by `start_subprocess` during the current test


def live_processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every live process (not zombies), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command name)"
        state, ppid, pgrp = fields[0], int(fields[1]), int(fields[2])
        if state not in ("Z", "X"):
            found[int(entry.name)] = (ppid, pgrp)
    return found


def group_members(group: int) -> set[int]:
    """The live processes of a process group (a run started by `start_subprocess`, workers included)."""
    return {pid for pid, (_, pgrp) in live_processes().items() if pgrp == group}


def children() -> set[int]:
    """The live child processes of this process, but for multiprocessing's own helpers (its
    resource tracker and fork server start once and end with the interpreter)."""
    me = os.getpid()
    return {pid for pid, (ppid, _) in live_processes().items() if ppid == me and not _helper(pid)}


def _helper(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing.resource_tracker" in command or b"multiprocessing.forkserver" in command


def left_behind(groups: list[int], before: set[int], grace: float = 5.0) -> set[int]:
    """Processes still alive `grace` seconds on: members of `groups`, and children of this process
    that were not there `before`. Each is killed (so one test's leftovers do not fail the next)."""
    deadline = time.monotonic() + grace
    while True:
        alive = {pid for group in groups for pid in group_members(group)} | (children() - before)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return alive
