"""Record real HTTP exchanges with the embedded model, served on loopback, into fixtures/.

    .venv/bin/python scripts/record_fixtures.py

Needs the `local`, `record` and `dev` extras. It assembles the default weights, starts
llama-cpp-python's OpenAI-compatible server on 127.0.0.1 (a free port), runs the pipeline on each
article of ../shared/articles through that server with vcrpy recording, writes
fixtures/cassettes/<id>.yaml, the resulting documents to fixtures/expected/<id>.json and the
settings used to fixtures/recording.json, and stops the server, also on failure.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.articles.load import iter_articles  # noqa: E402
from extractor.flow.pipeline import extract_article  # noqa: E402
from extractor.llm.client import build_client  # noqa: E402
from extractor.llm.embedded import LOCAL_MODELS, default_weights  # noqa: E402
from extractor.llm.recording import RECORDING_KEY, vcr_for  # noqa: E402
from extractor.runs.article import normalised  # noqa: E402
from extractor.settings import DEFAULT_EMBEDDED_MODEL, resolve, usable_cores  # noqa: E402

FIXTURES = ROOT / "fixtures"
ARTICLES = ROOT.parent / "shared" / "articles"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base_url: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the model server exited with code {server.returncode}")
        try:
            if httpx2.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the model server did not come up in time")


def main() -> None:
    settings = resolve({}, {})
    weights = default_weights(settings.cache_dir, LOCAL_MODELS[settings.local_model])
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(weights),
        "--model_alias",
        DEFAULT_EMBEDDED_MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "8192",
        "--n_threads",
        str(usable_cores()),
        "--n_threads_batch",
        str(usable_cores()),
        # the attribution questions ask for log-probabilities (the confidence), which this server
        # gives only with every position's logits kept (gigabytes of memory; the in-process
        # transport computes them without)
        "--logits_all",
        "true",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base_url, server)
        recorded = resolve(
            {
                "base_url": base_url,
                "model": DEFAULT_EMBEDDED_MODEL,
                "response_format": "json_object",
                "max_attempts": settings.max_attempts,
                "timeout": settings.timeout,
                "no_cache": True,
                "small_model": True,
            },  # as the embedded default asks: compact incidents, then small attribution questions
            {"OPENAI_API_KEY": RECORDING_KEY},
        )
        recorder = vcr_for(FIXTURES / "cassettes", record_mode="all")
        (FIXTURES / "expected").mkdir(parents=True, exist_ok=True)
        timings = {}
        for article in iter_articles(sorted(str(p) for p in ARTICLES.glob("*.txt"))):
            # record_mode "all" appends to an existing cassette; start each one afresh.
            (FIXTURES / "cassettes" / f"{article.id}.yaml").unlink(missing_ok=True)
            started = time.monotonic()
            with recorder.use_cassette(f"{article.id}.yaml"):
                # What the CLI emits: the pipeline's document, normalised (after the cache, as there).
                document = normalised(extract_article(article, build_client(recorded)), article)
            timings[article.id] = round(time.monotonic() - started, 1)
            (FIXTURES / "expected" / f"{article.id}.json").write_text(document.model_dump_json(indent=2) + "\n")
            print(
                f"{article.id}: {len(document.incidents)} incidents, {document.provenance.attempts} calls, {timings[article.id]} s"
            )
        (FIXTURES / "recording.json").write_text(
            json.dumps(
                {
                    "base_url": base_url,
                    "model": DEFAULT_EMBEDDED_MODEL,
                    "response_format": "json_object",
                    "max_attempts": recorded.max_attempts,
                    "small_model": True,
                    "server": "llama-cpp-python " + _llama_version(),
                    "weights_sha256": LOCAL_MODELS[settings.local_model].sha256,
                    "seconds_per_article": timings,
                },
                indent=2,
            )
            + "\n"
        )
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def _llama_version() -> str:
    import llama_cpp

    return llama_cpp.__version__


if __name__ == "__main__":
    main()
