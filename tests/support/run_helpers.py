"""Helpers for the run tests (tests/test_runs.py): generated articles, the `extract` command line
against the fault server, and what the run store and the output file hold afterwards."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from conftest import ROOT
from support.fault_server import article_key
from support.processes import STARTED_GROUPS

KEY = "test-placeholder"  # not a real key, and not shaped like one
TRANSPORT_ATTEMPTS = 4
MAX_ATTEMPTS = 3  # LLM calls per stage (the CLI's default for a server)
STAGES = 2  # incidents, then actors and attributions

PLACES = ("Idlib", "Aleppo", "Homs", "Raqqa", "Hama", "Daraa", "Latakia", "Palmyra", "Manbij", "Qamishli")
WEAPONS = ("warplanes", "drones", "artillery", "rocket launchers", "helicopters")


def article_text(number: int) -> str:
    """A distinct news text: sentences long enough for the fake responder to quote, a capitalised
    name for its actor, nothing that looks like script residue."""
    place = PLACES[number % len(PLACES)]
    weapon = WEAPONS[number % len(WEAPONS)]
    return (
        f"Government {weapon} struck a crowded market in {place} on Tuesday morning, killing {number + 3} civilians, "
        f"according to local medics. The Syrian Observatory for Human Rights said the strike was the {number}th attack "
        f"on the area this year. Residents of {place} told reporters that rescue teams searched the rubble for hours "
        f"after the attack. Correspondent dispatch {number} was filed from the northern countryside."
    )


def article_record(number: int) -> dict:
    return {"id": f"a{number:03d}", "text": article_text(number), "published": "2024-05-02"}


def write_jsonl(path: Path, count: int) -> list[str]:
    """`count` articles, one JSON object a line; returns their ids in order."""
    records = [article_record(n) for n in range(1, count + 1)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return [r["id"] for r in records]


def write_folder(folder: Path, count: int) -> list[str]:
    """`count` articles as .txt files (id = file stem) with the ` date` prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(1, count + 1):
        (folder / f"f{n:03d}.txt").write_text(f"date 2024-05-02\n{article_text(n)}\n", encoding="utf-8")
        ids.append(f"f{n:03d}")
    return ids


def server_keys(*paths: Path) -> dict[str, str]:
    """Article id -> the key the fault server logs it under (sha256 of the text the model reads)."""
    from extractor.articles.load import iter_articles
    from extractor.errors import InputError

    return {
        a.id: article_key(a.model_text) for a in iter_articles([str(p) for p in paths]) if not isinstance(a, InputError)
    }


def extract_args(
    inputs: list[Path | str],
    *,
    run: str,
    tmp: Path,
    base_url: str,
    out: Path | None = None,
    concurrency: int = 16,
    extra: tuple[str, ...] = (),
) -> list[str]:
    return [
        "extract",
        *map(str, inputs),
        "--run",
        run,
        "--store",
        str(tmp / "runs.sqlite3"),
        "--base-url",
        base_url,
        "--model",
        "fake",
        "--concurrency",
        str(concurrency),
        "--no-cache",
        "-o",
        str(out or tmp / "out.jsonl"),
        "-q",
        *extra,
    ]


def cli_env(timeout: float = 2, transport_attempts: int = TRANSPORT_ATTEMPTS) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": KEY,
        "EXTRACTOR_TRANSPORT_ATTEMPTS": str(transport_attempts),
        "EXTRACTOR_TIMEOUT": str(timeout),
    }


def invoke(args: list[str], **env_options):
    """The CLI in this process (typer's runner), stdout and stderr apart."""
    from extractor.cli import app

    return CliRunner().invoke(app, args, env=cli_env(**env_options))


def subprocess_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "extractor.cli", *args]


def subprocess_env(**env_options) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    env.update(cli_env(**env_options))
    env["EXTRACTOR_CACHE_DIR"] = os.environ["EXTRACTOR_CACHE_DIR"]  # the test's own (tests/conftest.py)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_subprocess(args: list[str], tmp: Path, **env_options) -> subprocess.Popen:
    """`python -m extractor.cli ARGS` in the background; its output goes to tmp/stdout.txt and stderr.txt.
    It leads a process group of its own, so that the run's processes (its workers) can be found
    again after it is killed (`group_members`), and none outlives the test (tests/conftest.py)."""
    with (tmp / "stdout.txt").open("ab") as stdout, (tmp / "stderr.txt").open("ab") as stderr:
        process = subprocess.Popen(
            subprocess_command(args),
            cwd=ROOT,
            env=subprocess_env(**env_options),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            # Ctrl-C as a terminal's: a test suite started as a background job of a script ignores
            # SIGINT, and a child inherits that (the interrupted-run test then saw a run finish)
            preexec_fn=_default_sigint,
        )
    STARTED_GROUPS.append(process.pid)
    return process


def store_rows(store: Path, run: str) -> dict[str, tuple[str, str | None, int]]:
    """article id -> (status, reason, attempts) from the run store, read as another process would."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute("SELECT article_id, status, reason, attempts FROM articles WHERE run = ?", (run,)).fetchall()
    finally:
        db.close()
    assert len({r[0] for r in rows}) == len(rows), "two rows for one article id"
    return {article_id: (status, reason, attempts) for article_id, status, reason, attempts in rows}


def done_ids(store: Path, run: str) -> set[str]:
    if not store.exists():
        return set()
    try:
        return {i for i, (status, _, _) in store_rows(store, run).items() if status == "done"}
    except sqlite3.OperationalError:  # not created yet
        return set()


def output_ids(out: Path) -> list[str]:
    """The article id of every line of a JSONL output (each line must be a whole document)."""
    if not out.exists():
        return []
    return [json.loads(line)["article"]["id"] for line in out.read_text(encoding="utf-8").splitlines()]


def duplicates(items) -> dict:
    return {k: n for k, n in Counter(items).items() if n > 1}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]
