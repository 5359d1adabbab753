import multiprocessing
import sqlite3
import sys

import pytest

from conftest import CONVOY, article
from extractor.cache import Cache
from extractor.llm.client import LLMClient
from extractor.runs import article as through
from extractor.runs.article import key_for
from extractor.runs.context import RunContext
from extractor.runs.pricing import load_prices
from extractor.settings import Settings
from support.fakes import FakeModel
from support.quoted import ACTORS, INCIDENTS

SECRET = "placeholder-test-credential-never-stored"


def setup(tmp_path, *answers):
    fake = FakeModel(*answers)
    settings = Settings(
        response_format="json_object",
        api_key=SECRET,
        base_url="http://user:pw@127.0.0.1:9/v1",
        provider="openai",
        evidence="quotes",
    )
    llm = LLMClient.from_transport(fake, settings)
    return fake, settings, llm, Cache(tmp_path / "cache.sqlite3")


def extract_cached(item, settings, client, cache, *, refresh=False):
    """One article through the cache, as the library's `extract` takes it (`runs.article.extract`)."""
    ctx = RunContext(settings.with_(refresh=refresh), load_prices(None), cache, given=client)
    return through.extract(item, ctx)


def test_miss_then_hit_then_refresh(tmp_path):
    fake, settings, client, cache = setup(tmp_path, INCIDENTS, ACTORS, INCIDENTS, ACTORS)
    first = extract_cached(article(CONVOY), settings, client, cache)
    assert len(fake.requests) == 2 and not first.provenance.cache_hit
    second = extract_cached(article(CONVOY), settings, client, cache)
    assert len(fake.requests) == 2 and second.provenance.cache_hit
    assert second.incidents == first.incidents and second.provenance.usage == first.provenance.usage
    third = extract_cached(article(CONVOY), settings, client, cache, refresh=True)
    assert len(fake.requests) == 4 and not third.provenance.cache_hit


def test_a_hit_does_not_build_the_client(tmp_path):
    fake, settings, client, cache = setup(tmp_path, INCIDENTS, ACTORS)
    extract_cached(article(CONVOY), settings, client, cache)

    ctx = RunContext(settings, load_prices(None), cache)

    def must_not_build():
        raise AssertionError("a cache hit built the LLM client")

    ctx.sync_client = must_not_build
    assert through.extract(article(CONVOY), ctx).provenance.cache_hit


def test_key_covers_model_prompt_params_and_text(tmp_path):
    base = Settings(response_format="json_object")
    item = article(CONVOY)
    key = key_for(item, base)
    assert key_for(item, base.with_(model="other")) != key
    assert key_for(item, base.with_(temperature=0.5)) != key
    assert key_for(item, base.with_(provider="openai")) != key
    assert key_for(item, base.with_(api_key="sk-changes-nothing")) == key
    other = article(CONVOY).__class__(id=item.id, text=item.text + " More.", published=item.published)
    assert key_for(other, base) != key


def test_a_small_models_key_covers_the_code_that_made_its_answer_and_a_capable_models_does_not(monkeypatch):
    from extractor.flow import prompts

    item = article(CONVOY)
    small = Settings(provider="embedded", response_format="json_object")
    capable = Settings(provider="openai", model="m", response_format="json_object")
    assert small.asks_small and not capable.asks_small
    before = key_for(item, small), key_for(item, capable)
    monkeypatch.setattr(prompts, "code_version", lambda: "another build")
    assert key_for(item, small) != before[0]  # better rules reach articles cached before them
    assert key_for(item, capable) == before[1]  # no paid call again for a refactor


def test_no_secret_reaches_the_cache(tmp_path):
    _, settings, client, cache = setup(tmp_path, INCIDENTS, ACTORS)
    extract_cached(article(CONVOY), settings, client, cache)
    cache.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("cache.sqlite3*"))
    assert SECRET.encode() not in raw and b"user:pw" not in raw


def _writer(path: str, worker: int) -> None:
    cache = Cache(__import__("pathlib").Path(path))
    for n in range(40):
        doc = {
            "article": {"sha256": "0" * 64},
            "provenance": {"provider": "p", "model": "m", "prompt_version": "v"},
            "n": n,
            "w": worker,
        }
        cache.put(f"{worker}-{n}", doc)
        cache.log_call(f"{worker}-{n}", "a", "incidents", 1, {"prompt_tokens": 1}, 0.1, "ok")
    cache.close()


def test_two_processes_writing_at_once_do_not_corrupt_it(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    Cache(tmp_path / "shared.sqlite3").close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w)) for w in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM extractions").fetchone()[0] == 80
    assert db.execute("SELECT count(*) FROM calls").fetchone()[0] == 80


def test_migrations_are_forward_only_and_idempotent(tmp_path):
    Cache(tmp_path / "c.sqlite3").close()
    cache = Cache(tmp_path / "c.sqlite3")
    from extractor.cache import MIGRATIONS

    assert cache.db.execute("SELECT version FROM migrations WHERE owner = 'cache'").fetchone()[0] == len(MIGRATIONS)


def test_each_owner_of_a_file_registers_its_own_migrations_and_older_files_are_adopted(tmp_path):
    """The run store and the Batch state share a file; each keeps its own count, and a file from
    before owners (one PRAGMA user_version) is read as the versions it then held, losing nothing."""
    import sqlite3

    from extractor.batch import store as batch_store
    from extractor.runs import store as run_store
    from extractor.runs.store import RunStore

    with RunStore(tmp_path / "runs.sqlite3") as runs:
        versions = dict(runs.db.execute("SELECT owner, version FROM migrations"))
        assert versions == {"runs": len(run_store.MIGRATIONS)}  # no Batch tables until a Batch run opens the file
        batch_store.BatchStore(runs)
        versions = dict(runs.db.execute("SELECT owner, version FROM migrations"))
        assert versions == {"runs": len(run_store.MIGRATIONS), "batch": len(batch_store.MIGRATIONS)}
    # a file written before owners: user_version 2 held the run tables and the Batch tables
    old = tmp_path / "old.sqlite3"
    db = sqlite3.connect(old)
    for script in (*run_store.MIGRATIONS[:1], *batch_store.MIGRATIONS[:1]):  # what a file held then
        db.executescript(script)
    db.execute("INSERT INTO runs VALUES ('r', '{}', 'then', 'then')")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()
    with RunStore(old) as runs:
        batch_store.BatchStore(runs)  # would fail "table batches already exists" if the old file were not adopted
        assert runs.summary("r") is not None


def test_a_hit_reuses_its_normalised_document_until_normalisation_changes(tmp_path, monkeypatch):
    import extractor.normalise.document as document

    fake, settings, client, cache = setup(tmp_path, INCIDENTS, ACTORS)
    extract_cached(article(CONVOY), settings, client, cache)
    assert (
        cache.get_normalised(key_for(article(CONVOY), settings), document.fingerprint()) is not None
    )  # kept with the answer
    first_hit = extract_cached(article(CONVOY), settings, client, cache)
    renamed = article(CONVOY)
    object.__setattr__(renamed, "id", "another-name")  # same text under another id: a hit too
    real = through.normalised
    monkeypatch.setattr(through, "normalised", lambda doc, art: pytest.fail("normalised again"))
    kept = extract_cached(renamed, settings, client, cache)
    assert kept.provenance.cache_hit and kept.article.id == "another-name"
    assert kept.model_dump(exclude={"article"}) == first_hit.model_dump(exclude={"article"})
    calls = []
    monkeypatch.setattr(through, "normalised", lambda doc, art: calls.append(1) or real(doc, art))
    monkeypatch.setattr(document, "fingerprint", lambda: "another normalisation")
    assert extract_cached(article(CONVOY), settings, client, cache).incidents == first_hit.incidents
    assert calls == [1] and len(fake.requests) == 2


def test_the_run_store_holds_only_the_writes_a_crash_may_lose_and_commits_them_with_the_next(tmp_path):
    from extractor.runs.store import RunStore

    path = tmp_path / "runs.sqlite3"
    reader = None
    with RunStore(path) as store:
        store.begin_run("r", {})
        reader = sqlite3.connect(path)
        count = lambda: reader.execute("SELECT count(*) FROM articles").fetchone()[0]  # noqa: E731
        store.mark_pending("r", "k1", "a1", "a1", hold=True)
        store.finish("r", "k2", status="done", result="{}", cache_hit=True, article_id="a2", origin="a2")
        assert count() == 0  # held: taking on and a cache hit cost nothing to redo after a crash
        store.finish(
            "r", "k1", status="done", result="{}", article_id="a1", origin="a1"
        )  # a paid answer: committed now
        assert count() == 2
        store.mark_pending("r", "k3", "a3", "a3", hold=True)
    assert count() == 3  # closing commits what was held
    reader.close()


def test_a_run_the_cache_answers_loads_neither_openai_nor_instructor(tmp_path):
    """Importing the LLM stack costs about a second (a quarter of re-running 10,000 cached articles,
    benchmarks/cached_rerun.py): a run the cache answers whole must not pay it."""
    import json
    import subprocess

    from support.fault_server import FaultServer
    from support.run_helpers import subprocess_command, subprocess_env, write_jsonl

    write_jsonl(tmp_path / "in.jsonl", 3)
    env = subprocess_env() | {"EXTRACTOR_CACHE_DIR": str(tmp_path / "cache")}
    probe = tmp_path / "modules.json"
    report = (
        "import atexit, json, sys\n"
        "probe = sys.argv.pop()\n"
        "atexit.register(lambda: open(probe, 'w').write(json.dumps(sorted(sys.modules))))\n"
        "from extractor.cli import main\n"
        "sys.argv[0] = 'extractor'\n"
        "main()\n"
    )
    with FaultServer() as server:
        args = ["extract", str(tmp_path / "in.jsonl"), "--base-url", server.base_url, "--model", "fake", "-q"]
        first = subprocess.run(
            subprocess_command([*args, "-o", str(tmp_path / "first.jsonl")]), env=env, capture_output=True, text=True
        )
        assert first.returncode == 0, first.stderr
        sent = len(server.requests)
        again = subprocess.run(
            [sys.executable, "-c", report, *args, "-o", str(tmp_path / "again.jsonl"), str(probe)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == sent  # the cache answered every article
    lines = (tmp_path / "again.jsonl").read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["provenance"]["cache_hit"] for line in lines)
    loaded = set(json.loads(probe.read_text()))
    assert "extractor.runs.article" in loaded  # the probe saw the run's modules
    assert not loaded & {"openai", "instructor", "extractor.llm.client", "extractor.flow.pipeline"}
