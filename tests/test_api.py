"""The public library API (extractor.api, extractor/__init__): one call gives the CLI's document."""

import json
import re

import pytest

import extractor
from conftest import CONVOY, ROOT
from support.cited import ACTORS, INCIDENTS
from support.fakes import FakeModel, patch_clients

CAPABLE = {
    "provider": "openai",
    "api_key": "placeholder",
    "model": "fake",
    "response_format": "json_object",
    "max_attempts": 1,
    "no_cache": True,
}


def test_the_public_names_are_pinned():
    assert extractor.__all__ == [
        "Actor",
        "ArticleExtraction",
        "Attribution",
        "ConfigError",
        "ExtractionFailed",
        "ExtractorError",
        "Incident",
        "InputError",
        "Interrupted",
        "LLMError",
        "ModelUnavailableError",
        "Settings",
        "Span",
        "StoreError",
        "TransportError",
        "__version__",
        "article",
        "extract",
        "extract_files",
        "extract_many",
        "extract_many_async",
        "resolve",
    ]
    assert all(getattr(extractor, name) is not None for name in extractor.__all__)
    with pytest.raises(AttributeError):
        extractor.no_such_name  # noqa: B018


def test_extract_gives_the_document_the_cli_writes(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from extractor.cli import app

    monkeypatch.setenv("OPENAI_API_KEY", "placeholder")
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS))
    out = tmp_path / "cli.json"
    result = CliRunner().invoke(
        app,
        [
            "extract",
            str(CONVOY),
            "-o",
            str(out),
            "--no-cache",
            "--model",
            "fake",
            "--response-format",
            "json_object",
            "--max-attempts",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS))
    doc = extractor.extract(CONVOY.read_text(encoding="utf-8"), article_id=CONVOY.stem, **CAPABLE)
    cli = json.loads(out.read_text())
    mine = doc.model_dump(mode="json")
    for d in (cli, mine):
        d["provenance"].pop("extracted_at")
    assert mine == cli
    assert any("gazetteer" in w.message for w in doc.warnings)  # normalised, as the CLI's


def test_extract_many_keeps_every_article_and_reports_the_bad_one_in_its_place(monkeypatch):
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS, INCIDENTS, ACTORS))
    text = CONVOY.read_text(encoding="utf-8")
    results = extractor.extract_many([text, "   ", text + "\nOne more sentence."], **{**CAPABLE, "concurrency": 1})
    assert [type(r).__name__ for r in results] == ["ArticleExtraction", "InputError", "ArticleExtraction"]
    assert results[0].incidents and results[2].incidents


def test_the_readmes_python_example_runs(monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using it from Python") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("EXTRACTOR_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder")
    monkeypatch.setenv("EXTRACTOR_RESPONSE_FORMAT", "json_object")
    monkeypatch.setenv("EXTRACTOR_MAX_ATTEMPTS", "1")
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS))  # the fake in place of the embedded model
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    assert namespace["doc"].incidents


def test_extract_many_resumes_a_named_run_without_asking_again(tmp_path, monkeypatch):
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS))
    text = CONVOY.read_text(encoding="utf-8")
    options = {**CAPABLE, "run_store": str(tmp_path / "runs.sqlite3")}
    first = extractor.extract_many([text], run="r1", **options)
    patch_clients(monkeypatch, FakeModel())  # no answer queued: a second request would fail the test
    again = extractor.extract_many([text], run="r1", **options)
    assert type(again[0]).__name__ == "ArticleExtraction"
    assert again[0].model_dump(exclude={"provenance"}) == first[0].model_dump(exclude={"provenance"})


@pytest.mark.parametrize("provider", ["openai", "embedded"])
def test_the_sync_and_async_paths_give_the_same_documents(monkeypatch, provider):
    """Parity: `extract` (the sync client) and `extract_many_async` (the async client, as the CLI's
    runs) make the same documents from the same answers, for a capable and a small model's flow."""
    import asyncio

    texts = [CONVOY.read_text(encoding="utf-8"), CONVOY.read_text(encoding="utf-8") + "\nOne more sentence."]
    settings = {**CAPABLE, "provider": provider}
    answers = (INCIDENTS, ACTORS) if provider == "openai" else (INCIDENTS,)  # a small model answers questions instead

    def documents(docs):
        dumped = [d.model_dump(mode="json") for d in docs]
        for d in dumped:
            d["provenance"].pop("extracted_at")
        return dumped

    patch_clients(monkeypatch, FakeModel(*answers * len(texts)))
    sync = [extractor.extract(text, article_id=f"a{n}", **settings) for n, text in enumerate(texts)]
    patch_clients(monkeypatch, FakeModel(*answers * len(texts)))
    arts = [extractor.article(text, article_id=f"a{n}") for n, text in enumerate(texts)]
    concurrent = asyncio.run(extractor.extract_many_async(arts, **{**settings, "concurrency": 1}))
    assert all(isinstance(d, extractor.ArticleExtraction) for d in concurrent)
    assert documents(sync) == documents(concurrent)
    assert sync[0].incidents and (sync[0].attributions or provider == "embedded")


def test_extract_files_is_what_the_cli_runs(tmp_path, monkeypatch):
    patch_clients(monkeypatch, FakeModel(INCIDENTS, ACTORS))
    out = tmp_path / "out.json"
    totals = extractor.extract_files([str(CONVOY)], output=str(out), quiet=True, **CAPABLE)
    assert (totals.done, totals.failed) == (1, 0)
    assert json.loads(out.read_text())["article"]["id"] == CONVOY.stem
