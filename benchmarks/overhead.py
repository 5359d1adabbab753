"""Per-article overhead of the pipeline beyond the LLM calls (docs/benchmarks/overhead.md).

    .venv/bin/python benchmarks/overhead.py [--articles 200] [--repeats 3] [--server process|thread] [--profile FILE]

Three measurements, each repeated `--repeats` times (median reported):

1. end to end against the zero-latency fake server, one article at a time:
   * pipeline: `runs.run_articles` with concurrency 1 over the async client the driver builds
     (`llm.build_async_client` + `limits.Throttle`): cache key, both stages with their checks,
     assembly, normalisation. Per-article time = gap between consecutive outcomes;
   * bare: `instructor.from_openai(openai.OpenAI(...), mode=JSON_SCHEMA).chat.completions.create(
     response_model=DraftIncidents)` then `(response_model=DraftActorsAndAttributions)`, with the
     same prompts, on the same server: two HTTP round trips and nothing else;
   Target: pipeline / bare <= 1.5 (medians per article).
2. offline, no network: `ArticleFlow.steps()` advanced with pre-recorded answers (the fake
   server's own answers for each article, recorded once beforehand). The timed part is what the
   pipeline itself does around the two calls: grounding and checks (the Checked* validators that
   instructor runs on every answer, `model_validate_json(..., context=...)`), assembly, renumbering
   and the document. Target: median under 5 ms. Reported beside it, per article as well:
   `runs.article.key_for` (the cache key), `runs.article.normalised` (dates, places, actors) and
   serialising the document (`model_dump_json`, what the writer does).
3. one-off costs in a fresh process: the first normalisation (builds the gazetteer).

`--profile FILE` writes a cProfile of the offline flow (1 repeat) and prints its top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import (  # noqa: E402
    MODEL,
    PLACEHOLDER_KEY,
    PYTHON,
    ROOT,
    answered_offline,
    fake_server,
    header,
    load1,
    median,
    quiet_instructor,
    result,
    settings_for,
    workdir,
    write_articles,
)

TARGET_RATIO = 1.5
TARGET_MS = 5.0
WARMUP = 3


def read_articles(path: Path) -> list:
    from extractor.articles.load import iter_articles

    return [a for a in iter_articles([str(path)])]


# --- 1. end to end --------------------------------------------------------------------------------


def pipeline_per_article(articles: list, base_url: str) -> list[float]:
    from extractor.runs.concurrent import run_articles
    from extractor.runs.context import run_context

    settings = settings_for(base_url, 1)
    stamps: list[float] = []

    async def drive() -> None:
        with run_context(settings) as ctx:
            try:
                stamps.append(time.perf_counter())
                totals = await run_articles(articles, ctx, lambda outcome: stamps.append(time.perf_counter()))
            finally:
                await ctx.aclose()
        if totals.done != len(articles):
            raise SystemExit(f"pipeline run failed: {totals}")

    asyncio.run(drive())
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    return gaps[WARMUP:]


def bare_calls(articles: list, base_url: str) -> list[float]:
    import instructor
    import openai

    from extractor.flow import prompts
    from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents

    client = instructor.from_openai(
        openai.OpenAI(base_url=base_url, api_key=PLACEHOLDER_KEY, max_retries=0), mode=instructor.Mode.JSON_SCHEMA
    )
    times = []
    for article in articles:
        started = time.perf_counter()
        incidents = client.chat.completions.create(
            model=MODEL,
            messages=prompts.incident_messages(article, prompts.View.of(article, "quotes")),
            response_model=DraftIncidents,
            temperature=0,
            max_tokens=1536,
        )
        listed = [(i.id, i.summary, f'evidence: "{i.evidence[0]}"') for i in incidents.incidents]
        client.chat.completions.create(
            model=MODEL,
            messages=prompts.actor_messages(article, prompts.View.of(article, "quotes"), listed),
            response_model=DraftActorsAndAttributions,
            temperature=0,
            max_tokens=1536,
        )
        times.append(time.perf_counter() - started)
    return times[WARMUP:]


def bare_calls_async(articles: list, base_url: str) -> list[float]:
    import instructor
    import openai

    from extractor.flow import prompts
    from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents

    async def drive() -> list[float]:
        raw = openai.AsyncOpenAI(base_url=base_url, api_key=PLACEHOLDER_KEY, max_retries=0)
        client = instructor.from_openai(raw, mode=instructor.Mode.JSON_SCHEMA)
        times = []
        for article in articles:
            started = time.perf_counter()
            incidents = await client.chat.completions.create(
                model=MODEL,
                messages=prompts.incident_messages(article, prompts.View.of(article, "quotes")),
                response_model=DraftIncidents,
                temperature=0,
                max_tokens=1536,
            )
            listed = [(i.id, i.summary, f'evidence: "{i.evidence[0]}"') for i in incidents.incidents]
            await client.chat.completions.create(
                model=MODEL,
                messages=prompts.actor_messages(article, prompts.View.of(article, "quotes"), listed),
                response_model=DraftActorsAndAttributions,
                temperature=0,
                max_tokens=1536,
            )
            times.append(time.perf_counter() - started)
        await raw.close()
        return times

    return asyncio.run(drive())[WARMUP:]


# --- 2. offline ------------------------------------------------------------------------------------


def record_answers(articles: list) -> list[dict[str, str]]:
    """The fake server's answer for each article and stage, as JSON text, made without a server."""
    return [answered_offline(article, "openai", MODEL)[1] for article in articles]


def offline_flow(articles: list, recorded: list[dict[str, str]], settings) -> dict[str, list[float]]:
    """Per-article seconds of: flow (incl. checks), of which checks, key_for, normalised, dump."""
    from extractor.flow.pipeline import ArticleFlow
    from extractor.llm.client import Answer
    from extractor.runs.article import key_for, normalised

    out: dict[str, list[float]] = {"flow": [], "checks": [], "key_for": [], "normalise": [], "dump": [], "total": []}
    usage = {"prompt_tokens": 1, "completion_tokens": 1}
    for article, answers in zip(articles, recorded, strict=True):
        t0 = time.perf_counter()
        checks = 0.0
        steps = ArticleFlow(article, "openai", MODEL).steps()
        request = next(steps)
        try:
            while True:
                c0 = time.perf_counter()
                value = request.checked.model_validate_json(answers[request.stage], context=request.context)
                checks += time.perf_counter() - c0
                request = steps.send(Answer(value=value, attempts=1, usage=usage))
        except StopIteration as done:
            document = done.value
        t1 = time.perf_counter()
        key_for(article, settings)
        t2 = time.perf_counter()
        document = normalised(document, article)
        t3 = time.perf_counter()
        document.model_dump_json()
        t4 = time.perf_counter()
        out["flow"].append(t1 - t0)
        out["checks"].append(checks)
        out["key_for"].append(t2 - t1)
        out["normalise"].append(t3 - t2)
        out["dump"].append(t4 - t3)
        out["total"].append(t4 - t0)
    return {k: v[WARMUP:] for k, v in out.items()}


def one_off_costs() -> str:
    """The first normalisation in a fresh process (it builds the gazetteer) and import time."""
    code = (
        "import time, sys; t0 = time.perf_counter(); sys.path.insert(0, %r)\n"
        "from extractor.runs.article import normalised, key_for\n"
        "from extractor.articles.load import article_from_text\n"
        "from extractor.schema import ArticleExtraction\n"
        "t1 = time.perf_counter()\n"
        "from extractor.normalise.gazetteer import default_gazetteer\n"
        "default_gazetteer()\n"
        "t2 = time.perf_counter()\n"
        "print(f'{t1 - t0:.3f} {t2 - t1:.3f}')\n"
    ).replace("%r", repr(str(ROOT)))
    import subprocess

    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True)
    if done.returncode:
        return f"(failed: {done.stderr[-300:]})"
    imports, gazetteer = map(float, done.stdout.split())
    return f"imports of pipeline+schema {imports:.2f} s, default_gazetteer() first call {gazetteer:.2f} s"


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--server", choices=["process", "thread"], default="process")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 10 articles, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.repeats = 10, 1
    quiet_instructor()
    header("per-article overhead, zero-latency fake server")
    with workdir() as folder:
        articles = read_articles(write_articles(folder / "a.jsonl", args.articles + WARMUP, seed=7))
        recorded = record_answers(articles)
        settings = settings_for("http://127.0.0.1:9/v1", 1)

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            offline_flow(articles, recorded, settings)
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile).sort_stats("cumulative").print_stats(40)
            return

        pipe_runs, bare_runs, abare_runs, ratio_runs, extra_runs, loads = [], [], [], [], [], []
        with fake_server(0.0, args.server) as server:
            pipeline_per_article(articles[: WARMUP + 2], server.base_url)  # warm-up: imports, gazetteer
            for _ in range(args.repeats):
                pipe = median(pipeline_per_article(articles, server.base_url))
                bare = median(bare_calls(articles, server.base_url))
                abare = median(bare_calls_async(articles, server.base_url))
                pipe_runs.append(pipe * 1e3)
                bare_runs.append(bare * 1e3)
                abare_runs.append(abare * 1e3)
                ratio_runs.append(pipe / bare)
                extra_runs.append((pipe - bare) * 1e3)
                loads.append(load1())
                print(
                    f"  pipeline {pipe * 1e3:.2f} ms/article, bare instructor (sync) {bare * 1e3:.2f} ms, "
                    f"bare (async) {abare * 1e3:.2f} ms, ratio {pipe / bare:.2f}; load1 {loads[-1]:.2f}",
                    flush=True,
                )
        result(
            "overhead[end-to-end pipeline / bare instructor x2, zero latency]",
            f"<= {TARGET_RATIO}x",
            f"{median(ratio_runs):.2f}x (pipeline {median(pipe_runs):.2f} ms vs bare {median(bare_runs):.2f} ms per article)",
            ratio_runs,
            median(ratio_runs) <= TARGET_RATIO,
            fmt="{:.2f}",
            loads=loads,
        )
        result(
            "overhead[pipeline minus bare, per article]",
            "none (reported)",
            f"{median(extra_runs):.2f} ms",
            extra_runs,
            None,
            fmt="{:.2f}",
            loads=loads,
            note=f"bare async client: {median(abare_runs):.2f} ms per article",
        )

        parts: dict[str, list[float]] = {}
        loads = []
        for _ in range(args.repeats):
            figures = offline_flow(articles, recorded, settings)
            loads.append(load1())
            for name, values in figures.items():
                parts.setdefault(name, []).append(statistics.median(values) * 1e3)
            print(
                "  offline per article (median): "
                + ", ".join(f"{k} {ms(v)}" for k, v in figures.items())
                + f"; load1 {loads[-1]:.2f}",
                flush=True,
            )
        flow = median(parts["flow"])
        result(
            "overhead[offline ArticleFlow.steps(): grounding + checks + assembly]",
            f"< {TARGET_MS} ms median",
            f"{flow:.2f} ms (of which Checked* validation {median(parts['checks']):.2f} ms)",
            parts["flow"],
            flow < TARGET_MS,
            fmt="{:.2f}",
            loads=loads,
        )
        result(
            "overhead[offline, per article outside the flow]",
            "none (reported)",
            f"key_for {median(parts['key_for']):.2f} ms, normalised {median(parts['normalise']):.2f} ms, "
            f"model_dump_json {median(parts['dump']):.2f} ms; all with the flow {median(parts['total']):.2f} ms",
            parts["total"],
            None,
            fmt="{:.2f}",
            loads=loads,
        )
        print(f"  one-off, fresh process: {one_off_costs()}", flush=True)


if __name__ == "__main__":
    main()
