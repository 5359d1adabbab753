"""Named runs through the CLI over the queue-based FakeModel: resume without resending, the
runs/export/merge/review commands over what a run stored."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from conftest import CONVOY
from extractor.cli import app
from support.fakes import FakeModel, patch_clients
from support.quoted import ACTORS, INCIDENTS


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("EXTRACTOR_EVIDENCE", "quotes")  # the queued answers quote (tests/test_pipeline.py)
    monkeypatch.setenv("EXTRACTOR_SMALL_MODEL", "0")  # and answer the actors call a capable model gets
    return patch_clients(monkeypatch, FakeModel())


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def two_reports(tmp_path):
    """The convoy article as two reports (two ids, one text): the fake answers fit its words."""
    text = CONVOY.read_text(encoding="utf-8")
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps({"id": f"report-{n}", "text": text}) + "\n" for n in (1, 2)), encoding="utf-8")
    return path


@pytest.fixture
def finished_run(fake, tmp_path, two_reports):
    fake.queue(INCIDENTS, ACTORS, INCIDENTS, ACTORS)
    out = tmp_path / "out.jsonl"
    result = invoke("extract", two_reports, "--run", "r1", "-o", out, "--no-cache")
    assert result.exit_code == 0, result.output
    return out


def _ids(path):
    return sorted(json.loads(line)["article"]["id"] for line in path.read_text().splitlines())


def test_a_finished_run_sends_nothing_again_and_its_output_keeps_each_article_once(fake, finished_run, two_reports):
    sent = len(fake.requests)
    again = invoke("extract", two_reports, "--run", "r1", "-o", finished_run, "--no-cache")
    assert again.exit_code == 0, again.output
    assert len(fake.requests) == sent  # FakeModel would fail on an unqueued request anyway
    assert _ids(finished_run) == ["report-1", "report-2"]


def test_a_lost_output_line_is_restored_from_the_run_store_on_resume(fake, finished_run, two_reports):
    lines = finished_run.read_text().splitlines()
    finished_run.write_text(lines[0] + "\n" + lines[0] + "\n")  # one lost, one duplicated (e.g. a kill mid-write)
    result = invoke("extract", two_reports, "--run", "r1", "-o", finished_run, "--no-cache")
    assert result.exit_code == 0, result.output
    assert _ids(finished_run) == ["report-1", "report-2"]


def test_failed_articles_are_retried_only_when_asked(fake, tmp_path):
    fake.queue({"incidents": "not a list"})  # the article fails: nothing usable (the embedded provider does not re-ask)
    first = invoke("extract", CONVOY, "--run", "r2", "--no-cache", "-o", tmp_path / "o.jsonl")
    assert first.exit_code == 1 and "no usable incidents" in first.stderr
    shown = invoke("runs", "show", "r2")
    assert "1 failed" in shown.stdout and "no usable incidents" in shown.stdout
    skipped = invoke("extract", CONVOY, "--run", "r2", "--no-cache", "-o", tmp_path / "o.jsonl")
    # Not sent again without --retry-failed, and the run still ends with a failure: exit 1, with how to retry it.
    assert skipped.exit_code == 1 and len(fake.requests) == 1
    assert "1 article failed (1 in an earlier run of r2); run the same command with --retry-failed" in skipped.stderr
    fake.queue(INCIDENTS, ACTORS)
    retried = invoke("extract", CONVOY, "--run", "r2", "--no-cache", "--retry-failed", "-o", tmp_path / "o.jsonl")
    assert retried.exit_code == 0, retried.output
    assert "1 done, 0 failed" in invoke("runs", "show", "r2").stdout


def test_runs_list_summarises_tokens_and_cost(finished_run):
    listed = invoke("runs", "list")
    assert listed.exit_code == 0
    row = next(line for line in listed.stdout.splitlines() if line.startswith("r1"))
    assert row.split()[1:4] == ["2", "0", "0"]
    assert "$0.0000" in row  # the embedded provider (the fake stands in for it) costs nothing


def test_export_formats_from_a_run(finished_run, tmp_path):
    rows = list(csv.DictReader(io.StringIO(invoke("export", "r1", "--format", "csv").stdout)))
    assert len(rows) == 2 * len(INCIDENTS["incidents"]) and rows[0]["event_type"]
    assert {"event_date", "actor1", "fatalities", "geo_precision"} <= set(rows[0])
    geo = json.loads(invoke("export", "r1", "--format", "geojson").stdout)
    assert geo["type"] == "FeatureCollection"
    assert all(f["geometry"]["type"] == "Point" for f in geo["features"])
    out = tmp_path / "docs.jsonl"
    result = invoke("export", "r1", "-o", out)
    assert result.exit_code == 0 and len(out.read_text().splitlines()) == 2


def test_export_and_merge_of_an_unknown_run_is_one_line(finished_run):
    for command in ("export", "merge"):
        result = invoke(command, "no-such-run")
        assert result.exit_code == 2 and "is neither a run" in result.stderr and "r1" in result.stderr


def test_merge_clusters_the_same_events_reported_twice(finished_run):
    result = invoke("merge", "r1")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)["incidents"]
    assert len(events) == len(INCIDENTS["incidents"])  # each event once, with both reports as sources
    assert all(sorted(s["article_id"] for s in e["sources"]) == ["report-1", "report-2"] for e in events)


def test_review_of_a_run_output(finished_run, two_reports, tmp_path):
    page = tmp_path / "review.html"
    result = invoke("review", finished_run, "--articles", two_reports, "-o", page)
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "report-1" in html and "report-2" in html and "wrote" in result.stderr


def test_review_reads_a_run_from_the_run_store(finished_run, two_reports, tmp_path):
    page = tmp_path / "run.html"
    result = invoke("review", "r1", "--articles", two_reports, "-o", page)
    assert result.exit_code == 0, result.output
    assert "report-1" in page.read_text() and "(2 articles)" in result.stderr
    missing = invoke("review", "no-such-run", "-o", tmp_path / "x.html")
    assert missing.exit_code == 2 and "is neither a run" in missing.stderr
