"""Shared pieces of the performance benchmarks (throughput, overhead, cached_rerun, cold_start, memory).

Everything runs against the fake OpenAI-compatible server of tests/support/fault_server.py on loopback,
by default in its own process (`python -m support.fault_server --latency L` in tests/ prints its base URL), so
the server's work never competes with the client for one GIL. Subprocesses get a private cache
folder and run store, and a placeholder key, so nothing touches the developer's settings.

Each figure is printed as one RESULT line: name, target, median of the repeats, every repeat,
the 1-minute load average when it was taken, and PASS or MISS.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PYTHON = sys.executable
EXTRACTOR = str(Path(PYTHON).with_name("extractor"))
PLACEHOLDER_KEY = "bench-placeholder"
MODEL = "fake"

for _path in (str(ROOT), str(TESTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# --- articles -------------------------------------------------------------------------------------

_PLACES = [
    "Homs",
    "Aleppo",
    "Idlib",
    "Raqqa",
    "Daraa",
    "Mosul",
    "Kirkuk",
    "Kabul",
    "Kandahar",
    "Sanaa",
    "Aden",
    "Gao",
    "Mopti",
    "Maiduguri",
    "Goma",
    "Beni",
    "Mogadishu",
    "Kismayo",
    "Tripoli",
    "Benghazi",
]
_ACTORS = [
    "Gunmen",
    "Militants",
    "Soldiers",
    "Police officers",
    "Protesters",
    "Rebel fighters",
    "Security forces",
    "Armed men",
    "Insurgents",
    "Villagers",
]
_BLAMED = [
    "Islamic State",
    "al-Shabab",
    "Boko Haram",
    "the Taliban",
    "a local militia",
    "government forces",
    "unidentified assailants",
    "the Houthis",
]
_ACTS = [
    "attacked a checkpoint near",
    "opened fire on a market in",
    "ambushed a convoy outside",
    "stormed a village near",
    "clashed with residents in",
    "shelled a district of",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def article_record(number: int, rng: random.Random) -> dict:
    """A small, unique news-like article (about 400 characters) that the fake server can answer:
    a first sentence the incident quotes, a capitalised actor name, a place the gazetteer knows."""
    place, actor, act = rng.choice(_PLACES), rng.choice(_ACTORS), rng.choice(_ACTS)
    killed, day = rng.randint(2, 40), rng.choice(_DAYS)
    text = (
        f"{actor} {act} {place} on {day}, killing {killed} people, officials said. "
        f"Local sources blamed {rng.choice(_BLAMED)} for the attack, which was the {number + 1}th reported in the area this year. "
        f"Witnesses described heavy gunfire lasting about {rng.randint(10, 90)} minutes before reinforcements arrived. "
        f"A spokesman said an investigation had been opened and that {rng.randint(1, 30)} people were wounded."
    )
    published = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {"id": f"bench-{number}", "published": published, "title": f"Attack in {place}", "text": text}


def write_articles(path: Path, count: int, seed: int = 0, start: int = 0) -> Path:
    """`count` unique articles as JSONL (numbered from `start`, so two files can be disjoint)."""
    rng = random.Random(f"{seed}|{start}")
    with path.open("w", encoding="utf-8") as out:
        for number in range(start, start + count):
            out.write(json.dumps(article_record(number, rng)) + "\n")
    return path


# --- the fake server ------------------------------------------------------------------------------


class ServerProcess:
    """tests/support/fault_server.py in its own process; `log()` reads its request log over HTTP."""

    def __init__(self, latency: float, port: int = 0) -> None:
        self.latency = latency
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.base_url = ""

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "support.fault_server", "--latency", str(self.latency), "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(TESTS),
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            self.proc.kill()
            raise RuntimeError(f"the fake server did not start: {line!r} {self.proc.stderr.read()}")
        self.base_url = line
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> dict:
        with urllib.request.urlopen(self.base_url.rsplit("/v1", 1)[0] + "/_fault/log", timeout=120) as response:
            return json.loads(response.read())

    def chat_requests(self) -> int:
        return sum(1 for r in self.log()["requests"] if r["via"] == "http")

    def max_in_flight(self, since: int = 0) -> int:
        """Most requests the server held at once, among its requests numbered `since` and on."""
        return _max_overlap([(r["at"], r["seconds"]) for r in self.log()["requests"][since:]])


class ServerThread:
    """The same server in this process (a background asyncio thread), for comparison."""

    def __init__(self, latency: float) -> None:
        from support.fault_server import FaultServer

        self.server = FaultServer(latency=latency)
        self.base_url = ""

    def __enter__(self) -> ServerThread:
        self.server.start()
        self.base_url = self.server.base_url
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()

    def chat_requests(self) -> int:
        return sum(1 for r in self.server.requests if r.via == "http")

    def max_in_flight(self, since: int = 0) -> int:
        return _max_overlap([(r.at, r.seconds) for r in self.server.requests[since:]])


def _max_overlap(spans: list[tuple[float, float | None]]) -> int:
    events = sorted(
        [(at, 1) for at, _ in spans] + [(at + (seconds or 0.0), -1) for at, seconds in spans if seconds is not None],
        key=lambda e: (e[0], e[1]),
    )
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def fake_server(latency: float, where: str = "process"):
    return ServerProcess(latency) if where == "process" else ServerThread(latency)


# --- settings and environments ----------------------------------------------------------------------


def settings_for(
    base_url: str,
    concurrency: int = 1,
    *,
    no_cache: bool = True,
    cache_dir: Path | None = None,
    run_store: Path | None = None,
):
    from extractor.settings import resolve

    flags = {
        "base_url": base_url,
        "api_key": PLACEHOLDER_KEY,
        "model": MODEL,
        "concurrency": concurrency,
        "no_cache": no_cache,
    }
    if cache_dir is not None:
        flags["cache_dir"] = str(cache_dir)
    if run_store is not None:
        flags["run_store"] = str(run_store)
    return resolve(flags, {})


def child_env(workdir: Path) -> dict[str, str]:
    """The environment for an `extractor` subprocess: private cache and run store, placeholder key."""
    env = {k: v for k, v in os.environ.items() if not (k.startswith("OPENAI_") or k.startswith("EXTRACTOR_"))}
    env.update(
        OPENAI_API_KEY=PLACEHOLDER_KEY,
        EXTRACTOR_CACHE_DIR=str(workdir / "cache"),
        EXTRACTOR_RUN_STORE=str(workdir / "runs.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def workdir(keep: str | None = None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="extractor-bench-") as name:
        yield Path(name)


def quiet_instructor() -> None:
    import logging

    logging.getLogger("instructor").addHandler(logging.NullHandler())
    logging.getLogger("instructor").propagate = False


# --- reporting ----------------------------------------------------------------------------------------


def load1() -> float:
    return os.getloadavg()[0]


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


def median(values: list[float]) -> float:
    return statistics.median(values)


def header(title: str) -> None:
    print(f"\n== {title} ({time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} cores, {load_text()})", flush=True)


def result(
    name: str,
    target: str,
    measured: str,
    runs: list[float] | None,
    ok: bool | None,
    *,
    fmt: str = "{:.3f}",
    loads: list[float] | None = None,
    note: str = "",
) -> bool | None:
    """One summary line; `ok` None means 'informational, no target'."""
    verdict = "INFO" if ok is None else ("PASS" if ok else "MISS")
    parts = [f"RESULT {name}", f"target {target}", f"median {measured}"]
    if runs:
        parts.append("runs [" + ", ".join(fmt.format(r) for r in runs) + "]")
    if loads:
        parts.append("load1 [" + ", ".join(f"{x:.2f}" for x in loads) + "]")
    parts.append(verdict)
    line = " | ".join(parts)
    if note:
        line += f"  ({note})"
    print(line, flush=True)
    return ok


def timed_run(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - started, done


def answered_offline(article, provider: str, model: str, usage: dict[str, int] | None = None):
    """Drive one article's flow with the fake server's answers, made without a server.
    Returns (the finished document, {stage: answer JSON text})."""
    from extractor.flow.pipeline import ArticleFlow
    from extractor.llm.client import Answer
    from support.fake_answers import ChatRequest, default_responder

    usage = usage or {"prompt_tokens": 1, "completion_tokens": 1}
    answers: dict[str, str] = {}
    steps = ArticleFlow(article, provider, model).steps()
    request = next(steps)
    try:
        while True:
            body = {
                "model": model,
                "messages": request.messages,
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": request.plain.__name__, "schema": request.plain.model_json_schema()},
                },
            }
            content = json.dumps(default_responder(ChatRequest.parse(body)))
            answers[request.stage] = content
            value = request.checked.model_validate_json(content, context=request.context)
            request = steps.send(Answer(value=value, attempts=1, usage=dict(usage)))
    except StopIteration as done:
        return done.value, answers
