"""The CLI over a fake model: output formats, schema validity, errors as one line with exit codes."""

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import CONVOY, OILFIELD, ROOT
from extractor.cli import app
from extractor.schema import SCHEMA_FILE
from support.fakes import FakeModel, patch_clients
from support.quoted import ACTORS, INCIDENTS

SCHEMA = json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text())


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setenv("EXTRACTOR_EVIDENCE", "quotes")  # the queued answers quote (tests/test_pipeline.py)
    # the queued answers are a capable model's incidents and actors; a small model's questions are
    # tested through the pipeline (tests/test_pipeline.py) and the recorded exchanges (tests/test_replay.py)
    monkeypatch.setenv("EXTRACTOR_SMALL_MODEL", "0")
    return patch_clients(monkeypatch, FakeModel())


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_one_article_gives_one_valid_json_document(fake):
    fake.queue(INCIDENTS, ACTORS)
    result = invoke("extract", str(CONVOY))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert "2 incidents" in result.stderr


def test_several_articles_stream_jsonl_and_a_folder_gets_one_file_each(fake, tmp_path):
    fake.queue(INCIDENTS, ACTORS, {"incidents": []})
    result = invoke("extract", str(CONVOY), str(OILFIELD))
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 0 and len(lines) == 2
    for line in lines:
        jsonschema.validate(json.loads(line), SCHEMA)
    folder = tmp_path / "out"
    folder.mkdir()
    result = invoke("extract", str(CONVOY), str(OILFIELD), "-o", str(folder))  # both cached now
    assert result.exit_code == 0 and sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{CONVOY.stem}.json", f"{OILFIELD.stem}.json"]
    )
    assert json.loads((folder / f"{CONVOY.stem}.json").read_text())["provenance"]["cache_hit"] is True


def test_json_format_with_several_articles_is_an_array_of_valid_documents(fake, tmp_path):
    fake.queue(INCIDENTS, ACTORS, {"incidents": []})
    out = tmp_path / "all.json"
    result = invoke("extract", str(CONVOY), str(OILFIELD), "--format", "json", "-o", str(out))
    assert result.exit_code == 0
    documents = json.loads(out.read_text())
    assert len(documents) == 2
    for document in documents:
        jsonschema.validate(document, SCHEMA)
    assert not out.with_name("all.json.partial").exists()


def test_bad_files_give_one_line_each_exit_2_and_the_others_are_still_written(fake, tmp_path):
    fake.queue(INCIDENTS, ACTORS)
    empty, binary, huge = tmp_path / "empty.txt", tmp_path / "image.txt", tmp_path / "book.txt"
    empty.write_text("")
    binary.write_bytes(b"\x00\x01\x02PNG")
    huge.write_text("Rebels attacked a base. " * 100_000)  # 2.4 MB: over the hard limit for one article
    out = tmp_path / "out.jsonl"
    result = invoke("extract", str(empty), str(CONVOY), str(binary), str(huge), "-o", str(out))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3 and "empty.txt: is empty" in errors[0] and "image.txt: looks binary" in errors[1]
    assert "book.txt: is 2.3 MB of text; the limit for one article is 2 MB" in errors[2] and "split it" in errors[2]
    assert "Traceback" not in result.output
    assert len(out.read_text().splitlines()) == 1


def test_an_article_that_fails_does_not_stop_the_others(fake, tmp_path):
    fake.queue("not json", "not json", INCIDENTS, ACTORS)
    result = invoke("extract", str(OILFIELD), str(CONVOY), "--max-attempts", "2")
    assert result.exit_code == 1
    assert "no usable incidents after 2 attempts" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1


def test_missing_weights_or_server_is_one_line_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "extractor.llm.embedded.part_files",
        lambda weights: (_ for _ in ()).throw(
            __import__("extractor.errors").errors.ModelUnavailableError(
                "weights missing", hint="install the local extra"
            )
        ),
    )
    result = invoke("extract", str(CONVOY))
    assert result.exit_code == 3
    assert result.stderr.strip() == "error: weights missing (hint: install the local extra)"


def test_an_unreachable_server_fails_fast_with_one_line(monkeypatch):
    monkeypatch.setenv("EXTRACTOR_TRANSPORT_ATTEMPTS", "2")
    result = invoke("extract", str(CONVOY), "--base-url", "http://127.0.0.1:9/v1", "--no-cache")
    assert result.exit_code == 1
    line, summary = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {CONVOY.stem}: the model server could not be reached") and "hint:" in line
    assert (
        summary == "1 article failed; run the same command again to retry them (finished articles come from the cache)"
    )


def test_bad_settings_exit_2():
    result = invoke("extract", str(CONVOY), "--provider", "cohere")
    assert result.exit_code == 2 and "unknown provider" in result.stderr


def test_every_command_has_help():
    for command in (
        [],
        ["extract"],
        ["schema"],
        ["eval"],
        ["review"],
        ["export"],
        ["merge"],
        ["runs"],
        ["runs", "list"],
        ["runs", "show"],
        ["batch"],
        ["batch", "submit"],
        ["batch", "status"],
        ["batch", "collect"],
    ):
        result = invoke(*command, "--help")
        assert result.exit_code == 0 and len(result.stdout) > 100


@pytest.mark.parametrize(
    "command",
    [
        ["extract", str(CONVOY), "--provider", "cohere"],
        ["runs", "show", "no-such-run"],
        ["eval", "--gold", "no-such-folder", "--pred", "no-such-folder"],
    ],
)
def test_one_error_boundary_serves_every_command_and_the_debug_flag_shows_the_traceback(command, tmp_path, monkeypatch):
    from extractor.errors import ExtractorError

    if command[0] == "runs":
        command = [*command, "--store", str(tmp_path / "runs.sqlite3")]
    result = invoke(*command)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "(hint: " in lines[0]
    monkeypatch.setenv("EXTRACTOR_DEBUG", "1")
    result = invoke(*command)
    assert isinstance(result.exception, ExtractorError) and "error: " not in result.stderr


def test_the_cache_and_the_run_store_close_as_context_managers(tmp_path):
    import sqlite3

    from extractor.cache import Cache
    from extractor.runs.store import RunStore

    for make in (lambda: Cache(tmp_path / "cache.sqlite3"), lambda: RunStore(tmp_path / "runs.sqlite3")):
        with make() as opened:
            opened.db.execute("SELECT 1")
        with pytest.raises(sqlite3.ProgrammingError):
            opened.db.execute("SELECT 1")  # closed on leaving the block


def test_version_is_written_in_one_place_and_shown_by_the_cli():
    import tomllib

    import extractor

    result = invoke("--version")
    assert result.exit_code == 0 and result.stdout == f"extractor {extractor.__version__}\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "extractor.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{extractor.__version__}]" in changelog, "the version has a section in CHANGELOG.md"
