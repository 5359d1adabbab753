"""Batch API runs (extractor.batch.commands) against the fake Files and Batches endpoints of
tests/support/fault_server.py, through the real openai SDK: the request lines and their strict schema,
submit -> status -> collect over both stages with a fresh RunStore each step (as separate
processes would), failed custom_ids sent again and only they, re-asks and salvage matching the
interactive path, idempotent collect, and tokens and cost at the batch discount."""

import json
from collections import Counter
from contextlib import closing

import httpx2
import jsonschema
import openai
import pytest

from conftest import CONVOY, OILFIELD, ROOT, article
from extractor.articles.load import article_from_text
from extractor.articles.sentences import numbered
from extractor.batch import commands as batch
from extractor.batch.lines import REASK_PREFIX, response_format
from extractor.errors import ConfigError, ExtractionFailed
from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.llm.transport import RetryingTransport
from extractor.normalise.document import normalise
from extractor.runs.pricing import load_prices
from extractor.runs.store import RunStore, article_key
from extractor.schema import SCHEMA_FILE, ArticleExtraction
from extractor.settings import Settings
from support.fault_server import FaultServer
from support.fault_server import article_key as fake_key

KEY = "test-placeholder"  # not a real key, and not shaped like one
PRICES = load_prices(None)
SCHEMA = json.loads((ROOT / "schemas" / SCHEMA_FILE).read_text())
RUN = "nightly"


def settings(server, **changes):
    return Settings(provider="openai", model="gpt-4o-mini", base_url=server.base_url, api_key=KEY, timeout=5, **changes)


def sdk(server):
    return openai.OpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)


def synthetic():
    """A short article the fake answers with one incident, and one it finds nothing to quote in
    (its flow ends after the incident stage: no actor request)."""
    return [
        article_from_text(
            "Gunmen attacked a market in Kano on Monday, police said. Three traders were killed there.\n",
            "kano-market",
            "kano.txt",
            published="2024-03-04",
        ),
        article_from_text("Calm. Quiet day.\n", "quiet-day", "quiet.txt", published="2024-03-04"),
    ]


def articles():
    return [article(CONVOY), article(OILFIELD), *synthetic()]


def cid(item, stage, attempt=1):
    return f"{article_key(item.id, item.sha256)}:{stage}:{attempt}"


def sent_lines(client, batch_id):
    """The request lines of a batch, read back from the server."""
    input_file = client.batches.retrieve(batch_id).input_file_id
    return [json.loads(line) for line in client.files.content(input_file).text.splitlines()]


def step(server, path, action, *args, **kwargs):
    """One command on a freshly opened run store, as a separate process would run it."""
    with closing(RunStore(path)) as store:
        client = sdk(server)
        if action is batch.status:
            return batch.status(RUN, store, client)
        chosen = kwargs.pop("settings", settings(server))
        if action is batch.submit:
            return batch.submit(RUN, args[0], chosen, store, client, **kwargs)
        return batch.collect(RUN, store, client, chosen, PRICES, **kwargs)


def documents(path):
    with closing(RunStore(path)) as store:
        return {json.loads(result)["article"]["id"]: json.loads(result) for _, result in store.results(RUN)}


def summary(path):
    with closing(RunStore(path)) as store:
        return store.summary(RUN)


def assert_grounded(document, item):
    spans = [
        s for kind in ("incidents", "actors", "attributions") for record in document[kind] for s in record["evidence"]
    ]
    assert spans and all(item.text[s["start"] : s["end"]] == s["quote"] for s in spans)


# --- request lines --------------------------------------------------------------------------


def _objects(schema):
    if isinstance(schema, dict):
        if "properties" in schema:
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


@pytest.mark.parametrize("model", [DraftIncidents, DraftActorsAndAttributions])
def test_the_strict_schema_requires_every_property(model):
    fmt = response_format(model.__name__)
    assert (
        fmt["type"] == "json_schema"
        and fmt["json_schema"]["strict"] is True
        and fmt["json_schema"]["name"] == model.__name__
    )
    objects = list(_objects(fmt["json_schema"]["schema"]))
    assert len(objects) >= 3
    for obj in objects:
        assert obj["required"] == list(obj["properties"]) and obj["additionalProperties"] is False
    # pydantic's own schema leaves fields with defaults out of `required`: strict mode rejects that
    plain = list(_objects(model.model_json_schema()))
    assert any(set(o.get("required", [])) != set(o["properties"]) for o in plain)


def test_submit_writes_one_strict_line_per_article_and_records_the_batch(tmp_path):
    items = articles()
    with FaultServer(batch_polls=2) as server:
        submission = step(
            server, tmp_path / "runs.sqlite3", batch.submit, items, settings=settings(server, temperature=0.0, seed=7)
        )
        lines = sent_lines(sdk(server), submission.batch_ids[0])
        created = sdk(server).batches.retrieve(submission.batch_ids[0])
    assert (submission.articles, submission.skipped, len(submission.batch_ids)) == (4, 0, 1)
    assert [line["custom_id"] for line in lines] == submission.custom_ids == [cid(i, "incidents") for i in items]
    assert (
        created.metadata["run"] == RUN and len(created.metadata["extractor_intent"]) == 32
    )  # the batch's idempotency key
    assert created.endpoint == "/v1/chat/completions"
    for line, item in zip(lines, items, strict=True):
        assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
        body = line["body"]
        assert set(body) == {"model", "messages", "max_tokens", "temperature", "seed", "response_format"}
        assert (body["model"], body["max_tokens"], body["temperature"], body["seed"]) == ("gpt-4o-mini", 1536, 0.0, 7)
        shown = numbered(item.searchable_text)
        assert "\n".join(f"[{s.number}] {s.shown}" for s in shown) in body["messages"][-1]["content"]
        assert body["response_format"] == response_format(f"DraftIncidents@1-{len(shown)}")
        evidence = body["response_format"]["json_schema"]["schema"]["$defs"]["DraftIncident"]["properties"]["evidence"]
        assert evidence["items"]["enum"] == list(range(1, len(shown) + 1))
    with closing(RunStore(tmp_path / "runs.sqlite3")) as store:
        assert {store.status(RUN, article_key(i.id, i.sha256)) for i in items} == {"pending"}


def test_the_embedded_provider_cannot_batch(tmp_path):
    with closing(RunStore(tmp_path / "runs.sqlite3")) as store, pytest.raises(ConfigError):
        batch.submit(RUN, [], Settings(), store, openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key=KEY))


# --- the full cycle -------------------------------------------------------------------------


def test_submit_status_collect_runs_both_stages_to_grounded_documents(tmp_path):
    path = tmp_path / "runs.sqlite3"
    items = articles()
    with FaultServer(batch_polls=2) as server:
        first = step(server, path, batch.submit, items)
        assert [s.status for s in step(server, path, batch.status)] == ["in_progress"]
        collected = step(server, path, batch.collect)  # the second poll completes the batch
        assert collected.collected == first.batch_ids and collected.answered == 4 and collected.failed_lines == 0
        # The quiet article had no incident: it is finished; the others go on to the actor stage.
        assert [o.article_id for o in collected.outcomes] == ["quiet-day"] and collected.next_stage == 3
        second = collected.submission
        assert sorted(second.custom_ids) == sorted(cid(i, "actors") for i in items[:3])
        statuses = step(server, path, batch.status)
        assert [(s.id, s.status, s.collected) for s in statuses] == [
            (first.batch_ids[0], "completed", True),
            (second.batch_ids[0], "in_progress", False),
        ]
        final = step(server, path, batch.collect)
        log = server.requests
    assert final.collected == second.batch_ids and final.submission.batch_ids == [] and final.done == 3
    assert {(e.via, e.stage) for e in log} == {("batch", "incidents"), ("batch", "actors")} and len(log) == 7
    docs = documents(path)
    assert summary(path).done == 4 and summary(path).pending == 0
    for item in items:
        doc = docs[item.id]
        jsonschema.validate(doc, SCHEMA)
        ArticleExtraction.model_validate(doc)
        if item.id == "quiet-day":
            assert doc["incidents"] == [] and doc["provenance"]["attempts"] == 1
            continue
        assert (len(doc["incidents"]), len(doc["actors"]), len(doc["attributions"])) == (1, 1, 1)
        assert doc["provenance"]["attempts"] == 2 and doc["provenance"]["provider"] == "openai"
        assert_grounded(doc, item)


def test_collecting_twice_changes_nothing_and_a_running_batch_is_left_alone(tmp_path):
    path = tmp_path / "runs.sqlite3"
    with FaultServer(batch_polls=3) as server:
        first = step(server, path, batch.submit, synthetic())
        early = step(server, path, batch.collect)  # polled once: still running
        assert (early.waiting, early.collected, early.outcomes, early.submission.batch_ids) == (
            first.batch_ids,
            [],
            [],
            [],
        )
        for _ in range(6):
            step(server, path, batch.collect)
        before, docs = summary(path), documents(path)
        again = step(server, path, batch.collect)
        requests = len(server.requests)
        assert len(server.batches.batches) == 2
    assert (again.collected, again.outcomes, again.answered, again.submission.batch_ids) == ([], [], 0, [])
    assert before.done == 2 and summary(path) == before and documents(path) == docs and requests == 3


def test_usage_and_cost_are_recorded_at_the_batch_discount(tmp_path):
    path = tmp_path / "runs.sqlite3"
    with FaultServer(batch_polls=0) as server:
        step(server, path, batch.submit, [article(OILFIELD)])
        step(server, path, batch.collect)
        report = step(server, path, batch.collect)
    (outcome,) = report.outcomes
    doc = documents(path)["2021-06-28-omar-oilfield"]
    usage = doc["provenance"]["usage"]
    assert usage == outcome.usage and usage["prompt_tokens"] > 1000 and usage["completion_tokens"] > 50
    full = PRICES.cost("openai", "gpt-4o-mini", usage)
    assert outcome.cost == pytest.approx(full / 2) and summary(path).cost == pytest.approx(full / 2)
    assert (summary(path).prompt_tokens, summary(path).completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )


# --- failed lines ---------------------------------------------------------------------------


def test_only_the_failed_custom_ids_are_sent_again(tmp_path):
    path = tmp_path / "runs.sqlite3"
    items = articles()
    failing = {cid(items[0], "actors"): 500, cid(items[2], "actors"): "batch_expired"}
    with FaultServer(batch_polls=1, batch_failures=failing) as server:  # each batch runs at its first poll
        step(server, path, batch.submit, items)
        step(server, path, batch.collect)  # incidents answered; the actor batch goes out
        hit = step(server, path, batch.collect)
        assert hit.failed_lines == 2 and hit.done == 1 and hit.resent == 2
        assert sorted(hit.submission.custom_ids) == sorted(failing)  # exactly those, nothing else
        server.batches.failures.clear()  # the API recovers (before the poll in sent_lines runs the batch)
        assert sorted(line["custom_id"] for line in sent_lines(sdk(server), hit.submission.batch_ids[0])) == sorted(
            failing
        )
        healed = step(server, path, batch.collect)
        log = server.requests
    assert healed.done == 2 and healed.submission.batch_ids == [] and summary(path).done == 4
    assert [e.custom_id for e in log if e.custom_id in failing].count(cid(items[0], "actors")) == 2
    for item in items[:3]:
        assert_grounded(documents(path)[item.id], item)


def test_a_line_that_keeps_failing_fails_its_article_after_max_tries(tmp_path):
    path = tmp_path / "runs.sqlite3"
    convoy, oilfield = article(CONVOY), article(OILFIELD)
    with FaultServer(batch_polls=0, batch_failures={cid(convoy, "incidents"): 503}) as server:
        step(server, path, batch.submit, [convoy, oilfield])
        reports = [step(server, path, batch.collect) for _ in range(4)]
        sends = [e.custom_id for e in server.requests].count(cid(convoy, "incidents"))
    outcomes = {o.article_id: o for r in reports for o in r.outcomes}
    assert sends == batch.MAX_TRIES and outcomes[convoy.id].status == "failed"
    assert "failed 3 times (HTTP 503" in outcomes[convoy.id].reason and outcomes[oilfield.id].status == "done"
    assert (summary(path).done, summary(path).failed, summary(path).pending) == (1, 1, 0)


def test_retry_failed_starts_a_failed_article_over_and_unreadable_inputs_fail_at_once(tmp_path):
    path = tmp_path / "runs.sqlite3"
    kano = synthetic()[0]
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with FaultServer(batch_polls=0, batch_failures={cid(kano, "incidents"): 500}) as server:
        first = step(server, path, batch.submit, [kano, str(empty)])
        for _ in range(batch.MAX_TRIES):
            step(server, path, batch.collect)
        assert (summary(path).failed, step(server, path, batch.submit, [kano]).skipped) == (2, 1)
        server.batches.failures.clear()
        retried = step(server, path, batch.submit, [kano], retry_failed=True)
        for _ in range(2):
            step(server, path, batch.collect)
    (unreadable,) = first.outcomes
    assert unreadable.unreadable and "is empty" in unreadable.reason
    assert retried.articles == 1 and retried.custom_ids == [cid(kano, "incidents")]
    assert (summary(path).done, summary(path).failed) == (1, 1) and documents(path)["kano-market"]["incidents"]


def test_a_cancelled_batch_is_sent_again_and_queued_requests_wait_for_the_next_submit(tmp_path):
    path = tmp_path / "runs.sqlite3"
    kano = synthetic()[0]
    with FaultServer(batch_polls=5) as server:
        first = step(server, path, batch.submit, [kano])
        sdk(server).batches.cancel(first.batch_ids[0])
        sdk(server).batches.retrieve(first.batch_ids[0])  # cancelling -> cancelled
        report = step(server, path, batch.collect, submit_next=False)
        assert report.failed_lines == 1 and report.resent == 1 and report.submission is None
        with closing(RunStore(path)) as store:
            assert batch.unsent(RUN, store) == 1
        again = step(server, path, batch.submit, [])  # sends what is queued, takes on nothing new
        assert (again.articles, again.custom_ids) == (0, [cid(kano, "incidents")])
        server.batches.polls = 0
        for _ in range(2):
            step(server, path, batch.collect)
    assert documents(path)["kano-market"]["incidents"] and summary(path).done == 1


# --- re-asks and salvage, as in the interactive path -----------------------------------------


def interactive(server, item, max_attempts):
    """What `extract_article` makes of the same article on the same kind of server."""
    retrying = RetryingTransport(httpx2.HTTPTransport(), initial_wait=0.01, max_backoff=0.05)
    client = LLMClient.from_transport(retrying, settings(server, max_attempts=max_attempts))
    try:
        return "done", normalise(extract_article(item, client), item)
    except ExtractionFailed as exc:
        return "failed", exc.one_line()


def comparable(document):
    data = document.model_dump(mode="json")
    del data["provenance"]["extracted_at"]
    return data


@pytest.mark.parametrize("fault", ["bad_quote", "invalid", "truncated_length"])
def test_an_answer_that_fails_the_checks_is_reasked_then_salvaged_like_the_interactive_path(tmp_path, fault):
    path = tmp_path / "runs.sqlite3"
    convoy = article(CONVOY)
    with FaultServer(batch_polls=0) as server:
        server.script(fault, fault, article=fake_key(convoy.model_text), stage="incidents")
        step(server, path, batch.submit, [convoy], settings=settings(server, max_attempts=2))
        first = step(server, path, batch.collect)
        reports = [first] + [step(server, path, batch.collect) for _ in range(2)]
    with FaultServer() as server:
        server.script(fault, fault, article=fake_key(convoy.model_text), stage="incidents")
        expected = interactive(server, convoy, max_attempts=2)
    (outcome,) = [o for r in reports for o in r.outcomes]
    if fault == "truncated_length":  # cut off at the token cap: never re-asked, as instructor does not
        assert first.reasks == 0
    else:
        assert first.reasks == 1 and first.submission.custom_ids == [cid(convoy, "incidents", 2)]
    got = ("done", outcome.document) if outcome.status == "done" else ("failed", outcome.reason)
    assert got[0] == expected[0]
    if got[0] == "done":
        assert comparable(got[1]) == comparable(expected[1])
        assert any("no fully valid answer after" in w.message for w in got[1].warnings) or fault == "truncated_length"
    else:
        assert got[1] == expected[1]


def test_the_reask_line_carries_the_answer_and_its_errors_and_a_good_second_answer_goes_on(tmp_path):
    path = tmp_path / "runs.sqlite3"
    convoy = article(CONVOY)
    with FaultServer(batch_polls=0) as server:
        server.script("bad_quote", article=fake_key(convoy.model_text), stage="incidents")
        step(server, path, batch.submit, [convoy], settings=settings(server, evidence="quotes"))
        first = step(server, path, batch.collect)
        (line,) = sent_lines(sdk(server), first.submission.batch_ids[0])
        for _ in range(2):
            step(server, path, batch.collect)
    assert line["custom_id"] == cid(convoy, "incidents", 2)
    *asked, answer, correction = line["body"]["messages"]
    assert asked == sent_first_messages(convoy)
    assert answer["role"] == "assistant" and "a passage the fake server made up" in answer["content"]
    assert correction["role"] == "user" and correction["content"].startswith(REASK_PREFIX)
    assert "is not in the article" in correction["content"]
    doc = documents(path)[convoy.id]
    assert doc["provenance"]["attempts"] == 3 and doc["warnings"] == [] and len(doc["incidents"]) == 1
    assert_grounded(doc, convoy)


def sent_first_messages(item):
    from extractor.flow import prompts

    return prompts.incident_messages(item, prompts.View.of(item, "quotes"))


class _Crash(BaseException):
    """The process dying at a given step (BaseException: nothing in the code under test catches it)."""


@pytest.mark.parametrize("when", ["before the upload", "after the upload", "after the batch is created"])
def test_a_crash_at_any_step_of_submit_bills_every_request_once(tmp_path, monkeypatch, when):
    """The intent (with an idempotency key that the batch's metadata carries) is recorded before
    anything is sent; the next submit reconciles with the provider's batches before creating any."""
    from extractor.batch import commands

    path = tmp_path / "runs.sqlite3"
    real_api = commands._api

    def crashing(call, what):
        if what == "upload a batch file" and when == "before the upload":
            raise _Crash
        result = real_api(call, what)
        if (what, when) in (
            ("upload a batch file", "after the upload"),
            ("create a batch", "after the batch is created"),
        ):
            raise _Crash
        return result

    items = synthetic()
    with FaultServer() as server:
        monkeypatch.setattr(commands, "_api", crashing)
        with pytest.raises(_Crash):
            step(server, path, batch.submit, items)
        monkeypatch.setattr(commands, "_api", real_api)
        resumed = step(server, path, batch.submit, [])  # the next process: takes nothing new on, sends what it must
        for _ in range(4):  # each collect applies a stage's answers and submits the next stage
            if summary(path).done == len(items):
                break
            step(server, path, batch.collect)
        client = sdk(server)
        billed = Counter(line["custom_id"] for b in client.batches.list() for line in sent_lines(client, b.id))
        assert server.errors == []
    assert billed and set(billed.values()) == {1}, billed  # every request sent in exactly one batch
    assert {cid(item, "incidents") for item in items} <= set(billed)
    assert (len(resumed.batch_ids) == 1) if when == "after the batch is created" else resumed.batch_ids
    assert set(documents(path)) == {item.id for item in items}
    with closing(RunStore(path)) as store:
        assert store.db.execute("SELECT count(*) FROM batch_intents").fetchone()[0] == 0
