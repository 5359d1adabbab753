"""The performance benchmarks (benchmarks/*.py) still run, and what the overhead fix relies on holds.

Fast checks run always: the benchmarks' helpers, `extractor --help` cold start in its smoke mode,
and the prepared response models of `extractor.llm.client` (built once; validation context without
instructor's Jinja templating, so an article holding `{{` or `{%` is extracted as written).
Each benchmark's own `--quick` mode (about 10 s each, it builds the gazetteer in a fresh process)
runs when EXTRACTOR_BENCH_SMOKE=1.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from support.benchmarks import load
from support.fake_answers import ChatRequest, completion, default_responder, spoil_quotes

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"


def run_quick(name: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "RESULT" in done.stdout
    return done.stdout


def test_bench_helpers(tmp_path):
    _bench = load("_bench")

    path = _bench.write_articles(tmp_path / "a.jsonl", 50, seed=1)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({r["text"] for r in records}) == 50  # unique: no article is skipped as a duplicate
    assert _bench._max_overlap([(0.0, 1.0), (0.5, 1.0), (1.2, 0.1), (3.0, None)]) == 2


def test_cold_start_quick():
    out = run_quick("cold_start")
    assert "cold start[.venv/bin/extractor --help]" in out


@pytest.mark.skipif(os.environ.get("EXTRACTOR_BENCH_SMOKE") != "1", reason="set EXTRACTOR_BENCH_SMOKE=1 (about 50 s)")
@pytest.mark.parametrize("name", ["throughput", "overhead", "cached_rerun", "memory", "review_page"])
def test_benchmark_quick(name):
    run_quick(name)


# --- what the overhead fix in extractor.llm.client relies on ------------------------------------------------


def _client(spoil_first: bool = False):
    from extractor.llm.client import AsyncLLMClient
    from extractor.settings import resolve

    seen: list[dict] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        seen.append(body)
        chat = ChatRequest.parse(body)
        content = json.dumps(default_responder(chat))
        if spoil_first and len(seen) == 1:
            content = spoil_quotes(content)
        return httpx2.Response(200, json=completion(chat, content, len(seen)))

    settings = resolve({"base_url": "http://127.0.0.1:9/v1", "api_key": "test-placeholder", "model": "fake"}, {})
    return AsyncLLMClient.from_async_transport(httpx2.MockTransport(answer), settings), seen


def _extract(client, text: str):
    from extractor.articles.load import article_from_text
    from extractor.flow.pipeline import extract_article_async

    async def go():
        try:
            return await extract_article_async(article_from_text(text, "a", "a.txt"), client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_template_syntax_in_an_article_is_sent_as_written():
    client, seen = _client()
    text = (
        "Gunmen attacked a checkpoint near Homs on Monday, killing 3 soldiers, officials said. "
        "A banner read {{ victory }} and {% the end %} in red paint."
    )
    document = _extract(client, text)
    assert document.incidents and len(seen) == 2
    assert all("{{ victory }} and {% the end %}" in body["messages"][1]["content"] for body in seen)


def test_checks_still_see_the_validation_context():
    client, seen = _client(spoil_first=True)  # the first answer quotes words the article lacks
    document = _extract(client, "Gunmen attacked a checkpoint near Homs on Monday, killing 3 soldiers, officials said.")
    assert len(seen) == 3  # the checks ran with the grounder and instructor re-asked once
    assert document.provenance.attempts == 3 and document.incidents


def test_prepared_models_are_built_once_and_send_instructors_schema():
    from instructor.v2.core.function_calls import response_schema

    from extractor.flow.assemble import CheckedIncidents
    from extractor.llm.client import _prepared

    assert _prepared(CheckedIncidents) is _prepared(CheckedIncidents)
    schema = _prepared(CheckedIncidents).model_json_schema()
    assert schema == response_schema(CheckedIncidents).model_json_schema()
    schema["mutated"] = True  # a caller changing its copy does not change the next one
    assert "mutated" not in _prepared(CheckedIncidents).model_json_schema()
