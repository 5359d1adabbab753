"""A quiet library: `extractor.extract` writes nothing to the terminal, whatever the model server
and the model do; it logs through the `extractor` logger, and the CLI chooses what to show.

The library runs in a fresh interpreter for these tests: pytest installs logging handlers of its
own, which would hide what Python prints when a program configures none."""

import logging
import subprocess
import sys

import httpx2

from conftest import CONVOY, ROOT, article
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.llm.transport import RetryingTransport
from extractor.settings import Settings
from support.fault_server import FaultServer
from support.run_helpers import KEY, subprocess_command, subprocess_env

LIBRARY_CALL = r"""
import sys
import extractor

text = open(sys.argv[2], encoding="utf-8").read()
try:
    extractor.extract(text, article_id="convoy", base_url=sys.argv[1], api_key="placeholder", model="fake",
                      no_cache=True, max_attempts=3, evidence="quotes", transport_attempts=3)
    outcome = "done"
except extractor.ExtractorError as exc:
    outcome = type(exc).__name__
open(sys.argv[3], "w", encoding="utf-8").write(outcome)
"""


def run_library(server: FaultServer, tmp_path) -> tuple[subprocess.CompletedProcess, str]:
    outcome = tmp_path / "outcome.txt"
    done = subprocess.run(
        [sys.executable, "-c", LIBRARY_CALL, server.base_url, str(CONVOY), str(outcome)],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, outcome.read_text(encoding="utf-8") if outcome.exists() else "(none)"


def test_the_library_prints_nothing_while_the_server_fails_and_the_model_is_re_asked(tmp_path):
    with FaultServer(retry_after="0.01") as server:
        # A 429 and a 503 (transport retries), then three answers against the schema (re-asks; the
        # last one is salvaged), then a good actors answer.
        server.script("429", "503", "invalid", "invalid", "invalid", stage="incidents")
        done, outcome = run_library(server, tmp_path)
        faults = [e.fault for e in server.requests]
    assert faults == ["429", "503", "invalid", "invalid", "invalid", None]
    assert done.returncode == 0 and outcome == "done"
    assert done.stdout == "" and done.stderr == ""


def test_the_library_prints_nothing_when_the_model_never_answers_usably(tmp_path):
    with FaultServer(responder=lambda chat: "I cannot help with that.") as server:
        done, outcome = run_library(server, tmp_path)
        asked = len(server.requests)
    assert asked == 3 and outcome == "ExtractionFailed"  # every re-ask made, then one error raised
    assert done.stdout == "" and done.stderr == ""


def test_retries_and_re_asks_are_logged_to_the_extractor_logger(caplog):
    caplog.set_level(logging.DEBUG, logger="extractor")
    with FaultServer(retry_after="0.01") as server:
        server.script("503", "invalid", stage="incidents")
        settings = Settings(
            provider="openai", base_url=server.base_url, api_key=KEY, model="fake-model", timeout=5, max_attempts=3
        )
        retrying = RetryingTransport(httpx2.HTTPTransport(), initial_wait=0.01, max_backoff=0.05)
        extract_article(article(CONVOY), LLMClient.from_transport(retrying, settings))
    said = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert ("extractor.llm.transport", "INFO") in {(n, lv) for n, lv, m in said if "HTTP 503" in m}
    assert any(n == "extractor.llm.client" and lv == "INFO" and "refused" in m for n, lv, m in said), said
    assert any(n == "extractor.llm.client" and lv == "DEBUG" and "answered after 2 calls" in m for n, lv, m in said)
    assert {n.split(".")[0] for n, _, _ in said} == {"extractor"}


def cli_extract(server: FaultServer, tmp_path, *flags: str) -> subprocess.CompletedProcess:
    args = ["extract", str(CONVOY), "--base-url", server.base_url, "--model", "fake", "--no-cache"]
    args += ["--max-attempts", "3", "--evidence", "quotes", "-o", str(tmp_path / "out.json"), *flags]
    env = subprocess_env(transport_attempts=3)
    return subprocess.run(subprocess_command(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_the_cli_shows_retries_and_re_asks_with_v_and_hides_them_without(tmp_path):
    shown = {}
    for flags in ((), ("-v",), ("-vv",)):
        with FaultServer(retry_after="0.01") as server:
            server.script("503", "invalid", stage="incidents")
            done = cli_extract(server, tmp_path, *flags)
        assert done.returncode == 0, done.stderr
        shown[flags] = done.stderr
    assert "HTTP 503" not in shown[()] and "refused" not in shown[()]
    assert "HTTP 503" in shown[("-v",)] and "refused" in shown[("-v",)]
    assert "answered after" not in shown[("-v",)]
    assert "answered after" in shown[("-vv",)]  # every call, at DEBUG
    assert "Traceback" not in "".join(shown.values())
