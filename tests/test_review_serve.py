"""`extractor review RUN --serve`: verdicts made in the page reach the run store, survive a reload
and a killed server, and give back a status column, gold answers `extractor eval` reads, the
measured quality in `runs show` and names in the user's actor registry. The run is made offline by
the fake model (tests/support/review_run.py); the page is driven in headless Chromium as an analyst
drives it; the server runs in this process, or in its own when it is to be killed."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

import support.browser as chromium
from conftest import ROOT
from extractor.cli import app
from extractor.results.read import ArticleTexts
from extractor.runs.review_server import TOKEN_HEADER, ReviewServer, ReviewSession
from extractor.runs.store import RunStore
from extractor.schema import GoldExtraction
from support.review_run import EXPECTED, Analyst, make_run, review_as_an_analyst

SECTION = "r0"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def run(tmp_path, monkeypatch):
    return make_run(tmp_path, monkeypatch)


@contextlib.contextmanager
def served(run, actors_file: Path):
    """The review server in this process, on a free port."""
    store = RunStore(run.store, any_thread=True)
    session = ReviewSession(store, run.name, ArticleTexts([run.articles]), reviewer="ana", actors_file=actors_file)
    server = ReviewServer(session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        store.close()


class ServerProcess:
    """`extractor review RUN --serve` in its own process, as a user starts it."""

    def __init__(self, run, tmp: Path) -> None:
        self.log = tmp / f"serve-{time.monotonic_ns()}.err"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
        env.update(EXTRACTOR_ACTORS=os.environ["EXTRACTOR_ACTORS"], PYTHONPATH=str(ROOT))
        args = ["review", run.name, "--serve", "--no-browser", "--articles", run.articles, "--store", run.store]
        with self.log.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "extractor.cli", *map(str, args), "--reviewer", "ana"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 60
        while "token=" not in self.stderr():
            assert self.process.poll() is None, self.stderr()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        self.url = next(w for w in self.stderr().split() if w.startswith("http://127.0.0.1:"))

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM, as a service manager stops it (Ctrl-C does the same): it prints the review."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.stderr()


def request(server_url: str, path: str, *, method: str = "GET", body: object = None, headers=None):
    """(status, parsed JSON or text, headers) of one request, with exactly the headers given."""
    base = server_url.split("/?")[0]
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as response:
            status, raw, head = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, raw, head = exc.code, exc.read(), exc.headers
    text = raw.decode("utf-8")
    try:
        return status, json.loads(text), head
    except ValueError:
        return status, text, head


def article_key(run) -> str:
    with RunStore(run.store) as store:
        ((key, *_),) = list(store.done_articles(run.name))
    return key


def verdict_count(run) -> int:
    with RunStore(run.store) as store:
        return sum(len(v) for v in store.verdicts(run.name).values())


# --- safe by default (HTTP, no browser) ----------------------------------------------------------


def test_the_server_listens_on_loopback_and_refuses_requests_without_the_token_or_from_elsewhere(run, tmp_path):
    with served(run, tmp_path / "actors.json") as server:
        assert server.server_address[0] == "127.0.0.1"
        token, key = server.session.token, article_key(run)
        good = {"Content-Type": "application/json", TOKEN_HEADER: token, "Origin": server.origin}
        accept = {"article": key, "record": "I1", "action": "accept"}
        refusals = [
            (request(server.origin, "/"), 403, "it holds the token"),
            (request(server.origin, "/?token=" + "x" * len(token)), 403, "it holds the token"),
            (
                request(server.origin, "/verdicts", method="POST", body=accept, headers={**good, TOKEN_HEADER: ""}),
                403,
                "no valid token",
            ),
            (
                request(
                    server.origin,
                    "/verdicts",
                    method="POST",
                    body=accept,
                    headers={**good, "Origin": "http://evil.example"},
                ),
                403,
                "another origin",
            ),
            (
                request(
                    server.origin, "/verdicts", method="POST", body=accept, headers={**good, "Host": "evil.example"}
                ),
                403,
                "another host",
            ),
            (
                request(
                    server.origin,
                    "/verdicts",
                    method="POST",
                    body=accept,
                    headers={**good, "Sec-Fetch-Site": "cross-site"},
                ),
                403,
                "another site",
            ),
            (
                request(
                    server.origin,
                    "/verdicts",
                    method="POST",
                    body=accept,
                    headers={**good, "Content-Type": "text/plain"},
                ),
                415,
                "application/json",
            ),
            (request(server.origin, "/verdicts", method="POST", body=b"x" * 300_000, headers=good), 413, "at most"),
            (
                request(server.origin, "/verdicts", method="OPTIONS", headers={"Origin": "http://evil.example"}),
                405,
                "answers GET / and POST",
            ),
            (
                request(server.origin, "/verdicts", method="POST", body={**accept, "action": "approve"}, headers=good),
                400,
                "action",
            ),
            (
                request(server.origin, "/verdicts", method="POST", body={**accept, "record": "I9"}, headers=good),
                400,
                "I9 is not a record",
            ),
        ]
        for (status, answer, head), expected, words in refusals:
            assert status == expected and words in str(answer), (status, answer)
            assert "Access-Control-Allow-Origin" not in head  # no CORS, ever
        assert verdict_count(run) == 0  # nothing got in
        status, answer, _ = request(server.origin, "/verdicts", method="POST", body=accept, headers=good)
        assert status == 200 and answer["status"] == "accepted" and verdict_count(run) == 1


def test_the_page_keeps_its_content_security_policy_as_a_header_too(run, tmp_path):
    with served(run, tmp_path / "actors.json") as server:
        status, page, head = request(server.origin, f"/?token={server.session.token}")
    assert status == 200 and page.startswith("<!doctype html>")
    csp = head["Content-Security-Policy"]
    meta = csp.removesuffix("; frame-ancestors 'none'")  # a header-only directive
    assert f'content="{meta}"' in page
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and csp.count("'sha256-") == 2
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert head["X-Frame-Options"] == "DENY" and head["Referrer-Policy"] == "no-referrer"
    assert head["Cache-Control"] == "no-store" and server.session.token not in page  # the page never holds it


def test_a_verdict_that_breaks_the_contract_is_refused_and_changes_nothing(run, tmp_path):
    with served(run, tmp_path / "actors.json") as server:
        headers = {"Content-Type": "application/json", TOKEN_HEADER: server.session.token}
        bad = {
            "article": article_key(run),
            "record": "I1",
            "action": "fix",
            "field": "type",
            "value": {"event_type": "Protests", "sub_event_type": "Air/drone strike"},
        }
        status, answer, _ = request(server.origin, "/verdicts", method="POST", body=bad, headers=headers)
    assert status == 400
    assert answer["error"] == (
        "verdict fix I1 type: would break the contract: I1: sub_event_type 'Air/drone strike' is not a kind "
        "of 'Protests' (hint: nothing was recorded)"
    )
    assert verdict_count(run) == 0


def test_serve_needs_one_run_and_its_articles(run, tmp_path):
    no_texts = invoke("review", run.name, "--serve", "--store", run.store, "--no-browser")
    assert no_texts.exit_code == 2 and "--serve needs --articles" in no_texts.stderr
    files = invoke("review", run.output, "--serve", "--articles", run.articles, "--no-browser")
    assert files.exit_code == 2 and "--serve reviews one run" in files.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Something else happened.\n", encoding="utf-8")
    missing = invoke("review", run.name, "--serve", "--store", run.store, "--articles", other, "--no-browser")
    assert missing.exit_code == 2 and "whose text is not in" in missing.stderr


# --- what verdicts give back (no browser) ---------------------------------------------------------


def send(server, run, **verdict):
    headers = {"Content-Type": "application/json", TOKEN_HEADER: server.session.token}
    status, answer, _ = request(
        server.origin, "/verdicts", method="POST", body={"article": article_key(run), **verdict}, headers=headers
    )
    assert status == 200, answer
    return answer


def test_export_gains_a_status_column_and_verified_keeps_only_what_an_analyst_vouched_for(run, tmp_path):
    with served(run, tmp_path / "actors.json") as server:
        send(server, run, record="I1", action="accept")
        send(server, run, record="I2", action="reject")
    rows = list(csv.DictReader(io.StringIO(invoke("export", run.name, "--store", run.store, "--format", "csv").stdout)))
    assert [(r["extractor_id"], r["status"]) for r in rows] == [("convoy:I1", "accepted"), ("convoy:I2", "rejected")]
    verified = invoke("export", run.name, "--store", run.store, "--format", "csv", "--verified").stdout
    assert [r["status"] for r in csv.DictReader(io.StringIO(verified))] == ["accepted"]
    (doc,) = [json.loads(line) for line in invoke("export", run.name, "--store", run.store).stdout.splitlines()]
    assert [i["id"] for i in doc["incidents"]] == ["I1"]  # JSONL has no status: a rejected record is left out
    assert len(doc["actors"]) == 4  # unverified records stay, without --verified
    (only,) = [
        json.loads(line) for line in invoke("export", run.name, "--store", run.store, "--verified").stdout.splitlines()
    ]
    assert [i["id"] for i in only["incidents"]] == ["I1"] and only["actors"] == [] and only["attributions"] == []
    files = invoke("export", run.output, "--verified")
    assert files.exit_code == 2 and "holds no verdicts" in files.stderr


def test_a_name_an_analyst_gave_names_the_actor_in_the_next_run(run, tmp_path, monkeypatch):
    actors = Path(os.environ["EXTRACTOR_ACTORS"])
    with served(run, actors) as server:
        answer = send(server, run, record="A4", action="fix", field="name", value={"name": "Iraqi border guards"})
    assert "Iraqi border guards is in your actor registry" in answer["message"]
    entry = json.loads(actors.read_text(encoding="utf-8"))["actors"][0]
    assert (entry["name"], entry["aliases"]) == ("Iraqi border guards", ["Iraq"])
    again = make_run(tmp_path, monkeypatch, name="r2")  # the same answers: the model says "Iraq" again
    with RunStore(again.store) as store:
        ((*_, result),) = list(store.done_articles("r2"))
    assert [a["name"] for a in json.loads(result)["actors"]][-1] == "Iraqi border guards"


# --- in a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    reason = chromium.missing()
    if reason:
        pytest.skip(f"browser tests need Debian's chromium and chromium-driver: {reason}")
    with chromium.Browser(1280, 900) as b:
        yield b


SHOWN = "return Object.fromEntries([...document.querySelectorAll('tr[data-record]')].map(r => [r.dataset.record, r.dataset.status]))"


@pytest.mark.browser
def test_an_analyst_reviews_a_run_in_the_browser_and_nothing_is_lost(run, tmp_path, browser):
    server = ServerProcess(run, tmp_path)
    try:
        analyst = Analyst(browser, SECTION)
        analyst.open(server.url)
        assert browser.run(SHOWN) == {rid: "unverified" for rid in EXPECTED if rid not in ("I3", "A5", "A6", "T4")}
        review_as_an_analyst(analyst)
        assert browser.run(SHOWN) == EXPECTED
        browser.run("location.reload()")
        analyst.wait(lambda: browser.run(SHOWN) == EXPECTED)  # reloaded: the store's state
        server.kill()  # kill -9: no chance to save anything
        server = ServerProcess(run, tmp_path)  # a new token: the old page's writes would be refused
        analyst.open(server.url)
        assert browser.run(SHOWN) == EXPECTED
        assert "13 of 13 records verified" in browser.run("return document.querySelector('.review-bar').textContent")
        # The fix form of an attribution that names a rejected actor still shows that actor
        analyst.open_fix("T3")
        shown = "return document.querySelector('#r0 .review-form [data-attr=perpetrator_id] select').value"
        assert browser.run(shown) == "A4"
        # A bad fix in the form: the server's one-line error in the form, and nothing changes
        analyst.open_fix("I1")
        analyst.fill("date", "2023-03-01", "2023-03-01")
        analyst.save()
        analyst.wait(lambda: "after publication + 1 day" in analyst.form_error())
        closing = server.stop()
    finally:
        if server.process.poll() is None:
            server.kill()
    assert "review: 1 of 1 documents verified" in closing and "fixes most often made: incident fatalities 1" in closing
    with RunStore(run.store) as store:
        verdicts = store.verdicts(run.name)[article_key(run)]
    assert len(verdicts) == 12 and {v.reviewer for v in verdicts} == {"ana"} and all(v.made_at for v in verdicts)
    registry = json.loads(Path(os.environ["EXTRACTOR_ACTORS"]).read_text(encoding="utf-8"))["actors"]
    assert [(a["name"], a["kind"], a["country_code"], a["aliases"]) for a in registry] == [
        ("Sham FM", "media", "SY", ["Sham FM radio station"]),
        ("Israel", "state_forces", "IL", []),
    ]
    check_gold_and_eval(run, tmp_path)


def check_gold_and_eval(run, tmp_path):
    """The verified document as gold; eval of the model's own output against it."""
    gold_dir = tmp_path / "gold"
    made = invoke("gold", run.name, "--store", run.store, "-o", gold_dir)
    assert made.exit_code == 0 and f"wrote 1 gold answer to {gold_dir}" in made.stderr
    (gold_file,) = gold_dir.glob("*.json")
    gold = GoldExtraction.model_validate_json(gold_file.read_text(encoding="utf-8"))
    assert gold.provenance is None and [i.id for i in gold.incidents] == ["I1", "I2", "I3"]
    assert gold.incidents[1].fatalities.low == 14 and gold.incidents[2].location.name == "Isfahan"
    assert [a.name for a in gold.actors] == [
        "US-led coalition",
        "Syrian Observatory for Human Rights",
        "Iran-backed militias",
        "Sham FM",
        "Israel",
    ]
    assert [(t.incident_id, t.perpetrator_id, t.kind) for t in gold.attributions] == [
        ("I1", "A1", "alleged"),
        ("I1", None, "unknown"),
        ("I2", "A6", "claimed"),
    ]
    scored = invoke("eval", "--gold", gold_dir, "--pred", run.output, "--articles", run.articles, "--json")
    assert scored.exit_code == 0, scored.output
    overall = json.loads(scored.stdout)["overall"]
    counts = {
        level: (overall[level]["tp"], overall[level]["fp"], overall[level]["fn"])
        for level in ("incidents", "actors", "attributions")
    }
    assert counts == {"incidents": (2, 0, 1), "actors": (3, 1, 2), "attributions": (2, 1, 1)}
    assert overall["fields"]["fatalities"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    shown = invoke("runs", "show", run.name, "--store", run.store).stdout
    assert "review: 1 of 1 documents verified (1 reviewed), 12 verdicts by ana" in shown
    assert "  incidents     precision 1.00  recall 0.67  (tp 2, fp 0, fn 1)" in shown
    assert "  actors        precision 0.75  recall 0.60  (tp 3, fp 1, fn 2)" in shown
    assert "fixes most often made: incident fatalities 1" in shown


@pytest.mark.browser
def test_a_page_on_another_origin_cannot_write_a_verdict_even_with_the_token(run, tmp_path, browser):
    """A hostile page that somehow knows the token: its JSON request needs a preflight the server
    never answers; its 'simple' request arrives with its Origin and is refused."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<!doctype html><title>elsewhere</title>", encoding="utf-8")
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    handler.log_message = lambda *args: None
    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        with served(run, tmp_path / "actors.json") as server:
            browser._s("POST", "/url", {"url": f"http://127.0.0.1:{elsewhere.server_address[1]}/index.html"})
            body = json.dumps({"article": article_key(run), "record": "I1", "action": "accept"})
            browser.run(
                """
                const [url, token, body] = arguments;
                window.outcomes = [];
                fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "X-Review-Token": token}, body})
                  .then(r => outcomes.push("json: " + r.status), e => outcomes.push("json: blocked"));
                fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body})
                  .then(r => outcomes.push("simple: " + r.type), e => outcomes.push("simple: blocked"));
                """,
                server.origin + "/verdicts",
                server.session.token,
                body,
            )
            Analyst(browser).wait(lambda: len(browser.run("return window.outcomes")) == 2)
            assert sorted(browser.run("return window.outcomes")) == ["json: blocked", "simple: opaque"]
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()
    assert verdict_count(run) == 0


@pytest.mark.browser
def test_words_selected_after_astral_characters_and_a_crlf_get_python_offsets(tmp_path, monkeypatch, browser):
    """The page counts code points, as Python does (JavaScript strings count UTF-16 units: an
    emoji is two), and the text keeps its CR: the server finds the words at the offsets sent."""
    tail = "\r\n\U0001f4e1\U0001f9ed Reported by Radio Rozana \U0001f30d and others.\r\n"
    run = make_run(tmp_path, monkeypatch, tail=tail)
    with served(run, tmp_path / "actors.json") as server:
        analyst = Analyst(browser, SECTION)
        analyst.open(server.url)
        analyst.select("Radio Rozana")
        analyst.add_as("actor")
        analyst.fill("kind", "media")
        analyst.save()
        analyst.wait_for("A5", "added")
    with RunStore(run.store) as store:
        (added,) = [v for v in store.verdicts(run.name)[article_key(run)] if v.action == "add"]
    with (run.articles / "convoy.txt").open(encoding="utf-8", newline="") as stream:
        text = stream.read()  # CRs kept, as the article was read
    (span,) = added.value["evidence"]
    assert text[span["start"] : span["end"]] == span["quote"] == "Radio Rozana"
    assert span["start"] == text.index("Radio Rozana")


@pytest.mark.browser
def test_the_screenshot_script_writes_a_1280x900_png_of_a_reviewed_run(tmp_path):
    import importlib.util
    import struct

    if chromium.missing():
        pytest.skip(f"the screenshot needs Debian's chromium and chromium-driver: {chromium.missing()}")
    path = ROOT / "scripts" / "review_verdicts_screenshot.py"
    spec = importlib.util.spec_from_file_location("review_verdicts_screenshot", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    data = script.main(tmp_path / "review-verdicts.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 900)
    assert not Path(os.environ["EXTRACTOR_ACTORS"]).exists()  # the script's registry stayed in its own folder


def test_readme_verdicts_screenshot_is_committed():
    import struct

    data = (ROOT / "docs" / "review-verdicts.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 900)
    assert "docs/review-verdicts.png" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_registry_that_cannot_be_written_loses_no_verdict(run, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    with served(run, blocked / "actors.json") as server:
        answer = send(server, run, record="A4", action="fix", field="name", value={"name": "Iraqi border guards"})
    assert "the verdict is saved, but the actor registry is not" in answer["message"]
    assert answer["status"] == "fixed" and verdict_count(run) == 1
