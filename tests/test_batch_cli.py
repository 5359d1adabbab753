"""`extractor batch submit|status|collect` end to end against the fake Files and Batches server."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import ARTICLES
from extractor.cli import app
from support.fault_server import FaultServer


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_submit_status_collect_until_every_article_is_done(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-placeholder")
    with FaultServer(batch_polls=0) as server:
        common = ["--base-url", server.base_url, "--model", "fake"]
        submitted = invoke("batch", "submit", "b1", ARTICLES, *common)
        assert submitted.exit_code == 0, submitted.output
        assert "requests for 2 articles" in submitted.stderr
        status = invoke("batch", "status", "b1", *common)
        assert status.exit_code == 0 and "completed" in status.stdout
        for _ in range(4):  # stage 1, then stage 2 (and any re-asks)
            collected = invoke("batch", "collect", "b1", *common)
            assert collected.exit_code == 0, collected.output
            if "0 batch(es) still running" in collected.stderr and "next batch" not in collected.stderr:
                break
        assert {entry.via for entry in server.requests} == {"batch"}
    shown = invoke("runs", "show", "b1")
    assert "2 done, 0 failed, 0 pending" in shown.stdout
    exported = invoke("export", "b1")
    documents = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(documents) == 2 and all(d["incidents"] for d in documents)


def test_batch_refuses_the_embedded_model_with_a_hint(tmp_path):
    result = invoke("batch", "submit", "b2", ARTICLES)
    assert result.exit_code == 2 and "error:" in result.stderr and "hint:" in result.stderr
