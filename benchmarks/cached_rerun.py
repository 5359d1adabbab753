"""Re-running articles that are all in the cache : target under 5 s for 10,000 (docs/benchmarks/cached-rerun.md).

    .venv/bin/python benchmarks/cached_rerun.py [--articles 10000] [--repeats 3] [--populate direct|server]
                                                [--profile FILE]

1. A zero-latency fake server starts in its own process (the cache key includes the base URL, so
   the re-run must name the same server the cache was filled for).
2. The cache (a private EXTRACTOR_CACHE_DIR) is filled for `--articles` small articles:
   * `direct` (default): for each article, the pipeline's own flow (`ArticleFlow.steps()`) is fed
     the fake server's answer for that article (`fake_answers.default_responder`, no HTTP), and
     the document is stored under `runs.article.key_for(article, settings)` exactly as a run stores
     it (`Cache.put(key, document.model_dump(mode="json"))`);
   * `server`: a real `extractor extract` run against the server fills it (slower, same entries).
3. Timed, `--repeats` times each (median reported), as a user runs it:
       extractor extract articles.jsonl -o out.jsonl -q --base-url URL --model fake
       extractor extract articles.jsonl -o out.jsonl -q --base-url URL --model fake --run rerun-N
   (a fresh run name each time, so every article goes through the run store). Each run must make
   no request (the server's log is checked), write every article, and mark every one cache_hit.

`--profile FILE` runs the plain re-run once more under cProfile and prints its top functions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    EXTRACTOR,
    MODEL,
    PYTHON,
    ServerProcess,
    answered_offline,
    child_env,
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

TARGET_S = 5.0


def populate_direct(path: Path, settings) -> int:
    from extractor.articles.load import iter_articles
    from extractor.cache import Cache
    from extractor.runs.article import key_for

    cache = Cache(settings.cache_dir / "cache.sqlite3")
    count = 0
    try:
        for article in iter_articles([str(path)]):
            document, _ = answered_offline(
                article, settings.provider, settings.model, {"prompt_tokens": 100, "completion_tokens": 50}
            )
            cache.put(key_for(article, settings), document.model_dump(mode="json"))
            count += 1
    finally:
        cache.close()
    return count


def command(path: Path, folder: Path, base_url: str, run: str | None) -> list[str]:
    args = [
        EXTRACTOR,
        "extract",
        str(path),
        "-o",
        str(folder / "out.jsonl"),
        "-q",
        "--base-url",
        base_url,
        "--model",
        MODEL,
    ]
    return args + (["--run", run] if run else [])


def check_output(folder: Path, articles: int) -> None:
    lines = (folder / "out.jsonl").read_text(encoding="utf-8").splitlines()
    hits = sum(json.loads(line)["provenance"]["cache_hit"] for line in lines)
    if len(lines) != articles or hits != articles:
        raise SystemExit(f"expected {articles} cached documents, got {len(lines)} lines with {hits} cache hits")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--populate", choices=["direct", "server"], default="direct")
    parser.add_argument("--profile", default=None)
    parser.add_argument(
        "--keep", default=None, help="keep the work folder here (with --port, a later run reuses its cache)"
    )
    parser.add_argument("--port", type=int, default=0, help="the fake server's port (the cache key holds the base URL)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 50 articles, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.repeats = 50, 1
    quiet_instructor()
    header(f"cached re-run of {args.articles} articles")
    with workdir(args.keep) as folder, ServerProcess(0.0, args.port) as server:
        env = child_env(folder)
        path = folder / "articles.jsonl"
        marker = folder / f"populated-{args.articles}-{server.base_url.replace('/', '_').replace(':', '_')}"
        reuse = args.keep and marker.exists() and path.exists()
        if not reuse:
            write_articles(path, args.articles, seed=3)
        settings = settings_for(
            server.base_url, no_cache=False, cache_dir=folder / "cache", run_store=folder / "runs.sqlite3"
        )
        started = time.perf_counter()
        if reuse:
            print("  reusing the cache filled by an earlier run in this folder", flush=True)
        elif args.populate == "direct":
            populate_direct(path, settings)
        else:
            seconds, done = timed_run(command(path, folder, server.base_url, None) + ["--concurrency", "16"], env)
            if done.returncode:
                raise SystemExit(done.stderr[-2000:])
        if args.keep:
            marker.touch()
        populated_requests = server.chat_requests()
        print(
            f"  cache filled ({args.populate}) in {time.perf_counter() - started:.1f} s; "
            f"{populated_requests} requests so far",
            flush=True,
        )

        verdicts = []
        for label, run_names in (
            ("no --run", [None] * args.repeats),
            ("--run", [f"rerun-{time.time_ns()}-{i}" for i in range(args.repeats)]),
        ):
            seconds_runs, loads = [], []
            for run in run_names:
                seconds, done = timed_run(command(path, folder, server.base_url, run), env)
                if done.returncode:
                    raise SystemExit(f"extractor failed ({done.returncode}): {done.stderr[-2000:]}")
                made = server.chat_requests() - populated_requests
                if made:
                    raise SystemExit(f"the re-run made {made} requests; the cache should have answered all")
                check_output(folder, args.articles)
                seconds_runs.append(seconds)
                loads.append(load1())
                print(
                    f"  {label}: {seconds:.2f} s, {args.articles / seconds:.0f} articles/s, 0 requests; load1 {loads[-1]:.2f}",
                    flush=True,
                )
            value = median(seconds_runs)
            verdicts.append(
                result(
                    f"cached re-run[{args.articles} articles, {label}]",
                    f"< {TARGET_S:.0f} s",
                    f"{value:.2f} s ({value / args.articles * 1e3:.2f} ms/article)",
                    seconds_runs,
                    value < TARGET_S,
                    fmt="{:.2f}",
                    loads=loads,
                )
            )

        if args.profile:
            cmd = command(path, folder, server.base_url, None)
            cmd = [PYTHON, "-m", "cProfile", "-o", args.profile, "-m", "extractor.cli"] + cmd[1:]
            seconds, done = timed_run(cmd, env)
            print(f"  profiled re-run: {seconds:.2f} s (under cProfile)")
            import pstats

            pstats.Stats(args.profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
