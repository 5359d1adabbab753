"""Throughput against the fake server with a fixed latency, as a ratio of the ideal (docs/benchmarks/throughput.md).

    .venv/bin/python benchmarks/throughput.py [--latency 0.2] [--concurrency 1 8 32 64] [--repeats 3]
                                              [--server process|thread|both] [--cli 32] [--quick]

Every article makes two requests (incidents, then actors: the fake server's default answer has one
incident), so with `c` articles in flight and a server latency `L` the ideal is c / L requests/s,
i.e. c / (2 L) articles/s. The figure reported is

    ratio = measured requests/s / (c / L)

where requests are counted by the server (every chat request it saw) and the time is the wall
time of the whole run. Target: ratio >= 0.9 at concurrency 32.

Library path: `extractor.runs.driver.extract_paths` over a JSONL of max(100, 20 x c) unique articles,
--no-cache, output to a JSONL file, after one warm-up run in the same process (so imports and
one-off loads such as the gazetteer are not counted). CLI path (`--cli c`): `extractor extract
... --concurrency c --no-cache -q` as a subprocess; its wall time includes interpreter start-up
and imports, as a user sees it. Each point is the median of `--repeats` runs; the server runs in
its own process by default (`--server thread` puts it in the client's process, where its work
competes for the client's GIL; `both` reports both). For reference (`--bare c`), the same articles
through bare instructor calls (AsyncOpenAI, the same prompts and two calls, `c` at a time): the
ceiling of the client stack itself, without the pipeline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    EXTRACTOR,
    MODEL,
    PLACEHOLDER_KEY,
    child_env,
    fake_server,
    header,
    load1,
    median,
    quiet_instructor,
    result,
    settings_for,
    timed_run,
    workdir,
    write_articles,
)

TARGET = 0.9
TARGET_AT = 32
WORKERS: list[int | None] = [None]  # --workers, when given


def library_run(server, folder: Path, concurrency: int, articles: int, repeat: int) -> tuple[float, int, float, int]:
    """(seconds, requests the server saw, load, most requests in flight) for one extract_paths run."""
    from extractor.runs.driver import extract_paths

    path = write_articles(
        folder / f"c{concurrency}-r{repeat}.jsonl", articles, seed=repeat, start=concurrency * 100_000
    )
    settings = settings_for(server.base_url, concurrency)
    settings = settings.with_(workers=WORKERS[0]) if WORKERS[0] else settings
    before = server.chat_requests()
    started = time.perf_counter()
    totals = extract_paths([str(path)], settings, output=str(folder / "out.jsonl"), fmt="jsonl", run=None, quiet=True)
    seconds = time.perf_counter() - started
    requests = server.chat_requests() - before
    if totals.done != articles or totals.failed:
        raise SystemExit(f"run failed: {totals}")
    return seconds, requests, load1(), server.max_in_flight(before)


def cli_run(server, folder: Path, concurrency: int, articles: int, repeat: int) -> tuple[float, int, float, int]:
    path = write_articles(
        folder / f"cli-c{concurrency}-r{repeat}.jsonl", articles, seed=repeat, start=9_000_000 + concurrency * 100_000
    )
    before = server.chat_requests()
    seconds, done = timed_run(
        [
            EXTRACTOR,
            "extract",
            str(path),
            "--base-url",
            server.base_url,
            "--model",
            MODEL,
            "--concurrency",
            str(concurrency),
            "--no-cache",
            "-q",
            "-o",
            str(folder / "cli-out.jsonl"),
            *(["--workers", str(WORKERS[0])] if WORKERS[0] else []),
        ],
        child_env(folder),
    )
    if done.returncode != 0:
        raise SystemExit(f"extractor failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, server.chat_requests() - before, load1(), server.max_in_flight(before)


def bare_run(server, folder: Path, concurrency: int, articles: int, repeat: int) -> tuple[float, int, float, int]:
    """The same articles through bare instructor calls (AsyncOpenAI, JSON_SCHEMA mode, the same
    prompts), `concurrency` at a time: what the client stack alone can do, without the pipeline."""
    import asyncio

    import instructor
    import openai

    from extractor.articles.load import iter_articles
    from extractor.flow import prompts
    from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents

    path = write_articles(
        folder / f"bare-c{concurrency}-r{repeat}.jsonl", articles, seed=repeat, start=5_000_000 + concurrency * 100_000
    )
    items = list(iter_articles([str(path)]))

    async def drive() -> float:
        raw = openai.AsyncOpenAI(base_url=server.base_url, api_key=PLACEHOLDER_KEY, max_retries=0)
        client = instructor.from_openai(raw, mode=instructor.Mode.JSON_SCHEMA)
        queue = list(reversed(items))

        async def worker() -> None:
            while queue:
                article = queue.pop()
                found = await client.chat.completions.create(
                    model=MODEL,
                    messages=prompts.incident_messages(article, prompts.View.of(article, "quotes")),
                    response_model=DraftIncidents,
                    temperature=0,
                    max_tokens=1536,
                )
                listed = [(i.id, i.summary, f'evidence: "{i.evidence[0]}"') for i in found.incidents]
                await client.chat.completions.create(
                    model=MODEL,
                    messages=prompts.actor_messages(article, prompts.View.of(article, "quotes"), listed),
                    response_model=DraftActorsAndAttributions,
                    temperature=0,
                    max_tokens=1536,
                )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        await raw.close()
        return seconds

    before = server.chat_requests()
    seconds = asyncio.run(drive())
    return seconds, server.chat_requests() - before, load1(), server.max_in_flight(before)


def measure(kind: str, server, folder: Path, concurrency: int, latency: float, repeats: int, articles: int) -> float:
    run = {"library": library_run, "cli": cli_run, "bare": bare_run}[kind]
    ratios, rates, loads = [], [], []
    for repeat in range(repeats):
        seconds, requests, load, in_flight = run(server, folder, concurrency, articles, repeat)
        rate = requests / seconds
        ratios.append(rate / (concurrency / latency))
        rates.append(rate)
        loads.append(load)
        print(
            f"  {kind} c={concurrency}: {articles} articles, {requests} requests in {seconds:.2f} s = {rate:.1f} req/s, "
            f"{articles / seconds:.1f} articles/s; ideal {concurrency / latency:.1f} req/s; ratio {ratios[-1]:.3f}; "
            f"most requests in flight at the server {in_flight}; load1 {load:.2f}",
            flush=True,
        )
    ratio = median(ratios)
    ok = ratio >= TARGET if concurrency == TARGET_AT and kind != "bare" else None
    result(
        f"throughput[{kind}, server={getattr(server, 'where', '?')}, c={concurrency}, L={latency}s, n={articles}]",
        f">= {TARGET} of ideal at c={TARGET_AT}"
        if ok is not None
        else ("none (reference)" if kind == "bare" else "none (reported)"),
        f"ratio {ratio:.3f} ({median(rates):.1f} req/s of {concurrency / latency:.0f} ideal)",
        ratios,
        ok,
        loads=loads,
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32, 64])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server", choices=["process", "thread", "both"], default="process")
    parser.add_argument(
        "--cli", type=int, nargs="*", default=[32], help="concurrency levels to run through the CLI too"
    )
    parser.add_argument(
        "--bare",
        type=int,
        nargs="*",
        default=[32],
        help="concurrency levels to run bare instructor calls at, as the client stack's own ceiling",
    )
    parser.add_argument("--articles", type=int, default=None, help="articles per run (default max(100, 20 x c))")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes for the library and CLI runs (default: the tool's own, one per core from c=32)",
    )
    parser.add_argument("--keep", default=None, help="keep inputs and outputs in this folder")
    parser.add_argument("--quick", action="store_true", help="a smoke test: c=4, 12 articles, one repeat, 50 ms")
    args = parser.parse_args()
    WORKERS[0] = args.workers
    if args.quick:
        args.latency, args.concurrency, args.repeats, args.cli, args.bare, args.articles = 0.05, [4], 1, [4], [4], 12
    quiet_instructor()
    header(f"throughput, latency {args.latency}s")
    wheres = ["process", "thread"] if args.server == "both" else [args.server]
    misses = 0
    with workdir(args.keep) as folder:
        for where in wheres:
            with fake_server(args.latency, where) as server:
                server.where = where
                from extractor.runs.driver import extract_paths  # warm-up: imports, gazetteer, first connection

                warm = write_articles(folder / "warm.jsonl", 2, seed=99, start=99_000_000)
                extract_paths(
                    [str(warm)],
                    settings_for(server.base_url, 2),
                    output=str(folder / "warm-out.jsonl"),
                    fmt="jsonl",
                    run=None,
                    quiet=True,
                )
                for concurrency in args.concurrency:
                    articles = args.articles or max(100, 20 * concurrency)
                    ratio = measure("library", server, folder, concurrency, args.latency, args.repeats, articles)
                    misses += concurrency == TARGET_AT and ratio < TARGET
                for concurrency in args.cli or []:
                    articles = args.articles or max(100, 20 * concurrency)
                    measure("cli", server, folder, concurrency, args.latency, args.repeats, articles)
                for concurrency in args.bare or []:
                    articles = args.articles or max(100, 20 * concurrency)
                    measure("bare", server, folder, concurrency, args.latency, args.repeats, articles)
    sys.exit(1 if misses and not args.quick else 0)


if __name__ == "__main__":
    main()
