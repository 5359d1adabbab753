"""No command ends in a traceback: each is fed malformed input, and input that is unusual but
valid, and either succeeds cleanly or says what is wrong in one line with a non-zero exit.

A case is (arguments, environment) made in a fresh folder; the fake OpenAI-compatible server
(tests/support/fault_server.py) stands in for the model where a command calls one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CONVOY, OILFIELD, gold_for
from extractor.cli import app
from support.fault_server import FaultServer

OIL = "2021-06-28-omar-oilfield"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def gold_folder(tmp: Path, change: Callable[[dict], None] = lambda d: None) -> Path:
    data = gold_for(OIL)
    change(data)
    write(tmp / "gold" / f"{OIL}.json", json.dumps(data))
    return tmp / "gold"


def undated(data: dict) -> None:
    for incident in data["incidents"]:
        incident["date"] = None


def as_result(data: dict) -> None:
    """The gold answer dressed as an extraction (provenance, alignments), as `extract` writes one."""
    data["provenance"] = {
        "provider": "openai",
        "model": "fake",
        "prompt_version": "x",
        "attempts": 2,
        "usage": {"prompt_tokens": 1, "completion_tokens": 1},
        "cache_hit": False,
        "extracted_at": "2026-01-01T00:00:00Z",
    }
    for kind in ("incidents", "actors", "attributions"):
        for item in data[kind]:
            item.pop("optional", None)
            for span in item.get("evidence", []):
                span.setdefault("alignment", "exact")


def result_file(tmp: Path, change: Callable[[dict], None] = lambda d: None) -> Path:
    data = gold_for(OIL)
    as_result(data)
    change(data)
    return write(tmp / "results" / f"{OIL}.json", json.dumps(data))


def extract(*inputs: str | Path, extra: tuple[str, ...] = ()) -> Callable[[Path, str], list]:
    def args(tmp: Path, url: str) -> list:
        return ["extract", *inputs, "--base-url", url, "--model", "fake", "--no-cache", "-q", *extra]

    return args


def extract_made(make: Callable[[Path], Path]) -> Callable[[Path, str], list]:
    """`extract` of an input file made in the case's folder."""
    return lambda tmp, url: extract(make(tmp))(tmp, url)


CASES: dict[str, tuple[Callable[[Path, str], list], dict[str, str]]] = {
    # extract: inputs that are not articles, settings that cannot be, a model that answers nothing usable
    "extract: a file that does not exist": (extract("no-such-file.txt"), {}),
    "extract: an empty file": (extract_made(lambda t: write(t / "empty.txt", "")), {}),
    "extract: latin-1 bytes": (extract_made(lambda t: write(t / "l1.txt", "caf\xe9".encode("latin-1"))), {}),
    "extract: a binary file": (extract_made(lambda t: write(t / "b.txt", bytes(range(256)) * 4)), {}),
    "extract: malformed .json": (extract_made(lambda t: write(t / "a.json", "{not json")), {}),
    "extract: a .json list": (extract_made(lambda t: write(t / "a.json", "[1, 2]")), {}),
    "extract: a .json record without text": (extract_made(lambda t: write(t / "a.json", '{"id": "x"}')), {}),
    "extract: a .jsonl with a bad line": (
        extract_made(lambda t: write(t / "a.jsonl", '{"text": "Gunmen attacked a bus."}\n{oops\n')),
        {},
    ),
    "extract: an empty folder": (extract_made(lambda t: (t / "none").mkdir() or t / "none"), {}),
    "extract: a glob matching nothing": (extract("nothing-here/*.txt"), {}),
    "extract: a bad date line": (extract_made(lambda t: write(t / "d.txt", " date 2023-13-45\nText.")), {}),
    "extract: concurrency 0": (extract(CONVOY, extra=("--concurrency", "0")), {}),
    "extract: a timeout that is no number": (extract(CONVOY), {"EXTRACTOR_TIMEOUT": "soon"}),
    "extract: -o in a folder that does not exist": (extract(CONVOY, extra=("-o", "no/such/dir/out.json")), {}),
    "extract: a server that is not there": (
        lambda t, url: extract(CONVOY)(t, "http://127.0.0.1:9/v1"),
        {"EXTRACTOR_TRANSPORT_ATTEMPTS": "1"},
    ),
    "extract: a model that answers no JSON": (extract(CONVOY, OILFIELD), {"FAKE": "refuse"}),
    "extract: unusual but valid text": (
        extract_made(
            lambda t: write(
                t / "odd.txt", " date 2023-01-29\r\n\ufeffDRONES HIT A CONVOY\u2014\t\u00a0near Boukamal.\r\n"
            )
        ),
        {},
    ),
    # schema
    "schema: -o in a folder that does not exist": (lambda t, url: ["schema", "-o", t / "no" / "schema.json"], {}),
    "schema: to a file": (lambda t, url: ["schema", "-o", t / "schema.json"], {}),
    # eval
    "eval: gold folder missing": (lambda t, url: ["eval", "--gold", t / "none", "--pred", t / "none"], {}),
    "eval: malformed prediction": (
        lambda t, url: ["eval", "--gold", gold_folder(t), "--pred", write(t / "p" / f"{OIL}.json", "{")],
        {},
    ),
    "eval: a prediction that is a list": (
        lambda t, url: ["eval", "--gold", gold_folder(t), "--pred", write(t / "p" / "x.json", "[]")],
        {},
    ),
    "eval: a prediction against the contract": (
        lambda t, url: ["eval", "--gold", gold_folder(t), "--pred", write(t / "p" / "x.json", '{"article": 3}')],
        {},
    ),
    "eval: null dates on both sides": (
        lambda t, url: ["eval", "--gold", gold_folder(t, undated), "--pred", result_file(t, undated), "--json"],
        {},
    ),
    "eval: an empty gold folder": (
        lambda t, url: ["eval", "--gold", (t / "g").mkdir() or t / "g", "--pred", result_file(t)],
        {},
    ),
    # review
    "review: a result with null dates": (
        lambda t, url: ["review", result_file(t, undated), "--articles", OILFIELD.parent, "-o", t / "r.html"],
        {},
    ),
    "review: malformed result": (lambda t, url: ["review", write(t / "x.json", "{"), "-o", t / "r.html"], {}),
    "review: without the article text": (lambda t, url: ["review", result_file(t), "-o", t / "r.html"], {}),
    "review: unknown run": (lambda t, url: ["review", "no-such-run", "-o", t / "r.html"], {}),
    # export and merge
    "export: unknown run": (lambda t, url: ["export", "no-such-run"], {}),
    "export: a gold answer, not a result": (lambda t, url: ["export", gold_folder(t) / f"{OIL}.json"], {}),
    "export: csv of a result": (lambda t, url: ["export", result_file(t), "--format", "csv"], {}),
    "export: geojson of a result without coordinates": (
        lambda t, url: [
            "export",
            result_file(t, lambda d: [i["location"].update(latitude=None, longitude=None) for i in d["incidents"]]),
            "--format",
            "geojson",
        ],
        {},
    ),
    "export: malformed result": (lambda t, url: ["export", write(t / "x.json", "{")], {}),
    "export: a result with null dates": (lambda t, url: ["export", result_file(t, undated), "--format", "csv"], {}),
    "export: -o under a file": (
        lambda t, url: ["export", result_file(t), "-o", write(t / "plain", "x") / "out.csv", "--format", "csv"],
        {},
    ),
    "merge: unknown run": (lambda t, url: ["merge", "no-such-run"], {}),
    "merge: a result": (lambda t, url: ["merge", result_file(t)], {}),
    "merge: an empty results file": (lambda t, url: ["merge", write(t / "empty.jsonl", "")], {}),
    # runs
    "runs list: no store yet": (lambda t, url: ["runs", "list", "--store", t / "none.sqlite3"], {}),
    "runs list: a store that is not SQLite": (
        lambda t, url: ["runs", "list", "--store", write(t / "bad.sqlite3", "not a database")],
        {},
    ),
    "runs show: unknown run": (lambda t, url: ["runs", "show", "nothing", "--store", t / "none.sqlite3"], {}),
    # batch, offline: refused before any request, or against the fake server's Batches endpoints
    "batch status: unknown run": (lambda t, url: ["batch", "status", "nothing", "--base-url", url], {}),
    "batch collect: unknown run": (lambda t, url: ["batch", "collect", "nothing", "--base-url", url], {}),
    "batch submit: nothing to submit": (
        lambda t, url: ["batch", "submit", "r", t / "no-such.txt", "--base-url", url, "--model", "fake"],
        {},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_command_ends_cleanly_or_in_one_line(case, tmp_path, monkeypatch):
    build, env = CASES[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder")
    monkeypatch.setenv("EXTRACTOR_RUN_STORE", str(tmp_path / "runs.sqlite3"))
    monkeypatch.setenv("EXTRACTOR_TRANSPORT_ATTEMPTS", "2")
    monkeypatch.setenv("EXTRACTOR_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("EXTRACTOR_EVIDENCE", "quotes")
    responder = {"responder": lambda chat: "I cannot help with that."} if env.get("FAKE") == "refuse" else {}
    with FaultServer(**responder) as server:
        args = [str(a) for a in build(tmp_path, server.base_url)]
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, args)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{case}: {type(result.exception).__name__}: {result.exception}"
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code != 0:
        said = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in said if line.startswith(("error: ", "Error: "))]
        assert errors, f"{case}: exit {result.exit_code} without an error line: {result.stderr!r}"
        assert all(len(line) < 1000 for line in errors), errors  # one line each, not a dump
