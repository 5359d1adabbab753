"""The served review page (`extractor review RUN --serve`): how long a verdict takes to reach the
run store, and what the page does with many records.

    .venv/bin/python benchmarks/review_page.py [--records 500 2000] [--verdicts 100] [--loads 5] [--quick]

The run: unique articles (benchmarks/_bench.py) extracted with `extractor extract --run` against
the fake server (tests/support/fault_server.py in its own process), whose answer is one incident,
one actor and one attribution per article, so `--records N` makes N / 3 articles (rounded up). The review
server is `extractor review RUN --serve` in its own process, as a user starts it; the page runs in
Debian's headless Chromium (tests/support/browser.py). Nothing reaches a model.

Verdict latency, on the first `--records` run: `--verdicts` clicks on accept and reject in turn,
down the page's rows. Three clocks, each a median and 95th percentile:
  page      the page's own time from the click to the server's answer, which is sent only after
            the verdict's commit (`document.body.dataset.lastVerdictMs`): click to committed row,
            as the analyst waits for it;
  observer  from the WebDriver click command to the row being visible to another SQLite
            connection, polled every 0.5 ms: the same, plus WebDriver's round trip;
  http      a POST from Python straight to the server (no browser), answered after the commit.
Page load, for every `--records`: `--loads` navigations to the page, each timed by the browser's
Navigation Timing (first byte: the server reading the store and rendering; DOMContentLoaded; load)
and when the verdict script had set up every row (`dataset.readyMs`); the HTML's size and the
script heap. Each figure is one RESULT line; none has a target (INFO).
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench import EXTRACTOR, MODEL, child_env, fake_server, header, result, workdir, write_articles  # noqa: E402

from support.browser import Browser, missing  # noqa: E402

NAVIGATION = """
const n = performance.getEntriesByType("navigation")[0];
return {ttfb: n.responseStart, response: n.responseEnd, dom: n.domContentLoadedEventEnd, load: n.loadEventEnd,
        ready: Number(document.body.dataset.readyMs), bytes: n.transferSize || n.encodedBodySize,
        rows: document.querySelectorAll("tr[data-record]").length,
        heap: performance.memory ? performance.memory.usedJSHeapSize : null};
"""


def make_run(folder: Path, records: int, base_url: str) -> tuple[Path, int]:
    """A run named `bench` of records / 3 articles; returns (articles file, records in the run)."""
    articles = write_articles(folder / "articles.jsonl", max(1, -(-records // 3)))
    env = child_env(folder)
    done = subprocess.run(
        [EXTRACTOR, "extract", str(articles), "--run", "bench", "--base-url", base_url, "--model", MODEL]
        + ["--concurrency", "16", "--no-cache", "-q", "-o", str(folder / "out.jsonl")],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"extract failed: {done.stderr[-2000:]}")
    db = sqlite3.connect(folder / "runs.sqlite3")
    made = sum(
        len(doc[k])
        for (text,) in db.execute("SELECT result FROM articles WHERE run = 'bench' AND status = 'done'")
        for doc in [json.loads(text)]
        for k in ("incidents", "actors", "attributions")
    )
    db.close()
    return articles, made


class ReviewProcess:
    def __init__(self, folder: Path, articles: Path) -> None:
        env = child_env(folder)
        env.update(EXTRACTOR_ACTORS=str(folder / "actors.json"), EXTRACTOR_REVIEWER="bench")
        self.log = folder / "serve.err"
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [EXTRACTOR, "review", "bench", "--serve", "--no-browser", "--articles", str(articles)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + 120
        while "token=" not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the review server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        self.url = next(w for w in self.log.read_text().split() if w.startswith("http://127.0.0.1:"))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its handle
            self.proc.wait(30)


def loads(browser: Browser, url: str, times: int) -> list[dict]:
    out = []
    for _ in range(times):
        browser._s("POST", "/url", {"url": "about:blank"})
        browser._s("POST", "/url", {"url": url})
        deadline = time.monotonic() + 120
        while not browser.run("return document.readyState === 'complete' && !!document.body.dataset.readyMs"):
            if time.monotonic() > deadline:
                raise SystemExit("the page did not load in 120 s")
            time.sleep(0.01)
        out.append(browser.run(NAVIGATION))
    return out


def verdict_latencies(browser: Browser, store: Path, count: int) -> tuple[list[float], list[float]]:
    """(page's click-to-answer ms, observer's click-to-row-visible ms) for `count` clicks."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, isolation_level=None)
    rows = browser.run("return [...document.querySelectorAll('tr[data-record]')].map(r => r.dataset.record)")
    sections = browser.run("return [...document.querySelectorAll('tr[data-record]')].map(r => r.closest('section').id)")
    page, observer = [], []
    for n in range(count):
        # Accept each row once, down the page (a reject could leave an accepted attribution naming
        # a rejected record: refused, as it should be, but then no verdict to time).
        record, section = rows[n % len(rows)], sections[n % len(rows)]
        (button,) = browser.find(f'#{section} tr[data-record="{record}"] button.v-accept')
        browser.run("arguments[0].scrollIntoView({block: 'center'})", button)
        before = db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        confirmed = int(browser.run("return Number(document.body.dataset.verdicts || 0)"))
        started = time.perf_counter()
        browser.click(button)
        while db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == before:
            _give_up_after(started, browser)
            time.sleep(0.0005)
        observer.append(1000 * (time.perf_counter() - started))
        while int(browser.run("return Number(document.body.dataset.verdicts || 0)")) == confirmed:
            _give_up_after(started, browser)
            time.sleep(0.001)
        page.append(float(browser.run("return document.body.dataset.lastVerdictMs")))
    db.close()
    return page, observer


def _give_up_after(started: float, browser: Browser, seconds: float = 20.0) -> None:
    if time.perf_counter() - started > seconds:
        said = browser.run("return document.querySelector('.review-bar .said').textContent")
        raise SystemExit(f"no verdict reached the store in {seconds:.0f} s; the page says: {said!r}")


def http_latencies(url: str, store: Path, count: int) -> list[float]:
    base, token = url.split("/?token=")
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    keys = [k for (k,) in db.execute("SELECT key FROM articles WHERE run = 'bench' AND status = 'done' ORDER BY seq")]
    db.close()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    out = []
    for n in range(count):
        body = json.dumps({"article": keys[n % len(keys)], "record": "I1", "action": "accept"}).encode()
        request = urllib.request.Request(
            base + "/verdicts",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Review-Token": token, "Origin": base},
        )
        started = time.perf_counter()
        with opener.open(request, timeout=30) as response:
            response.read()
        out.append(1000 * (time.perf_counter() - started))
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def report(name: str, values: list[float], unit: str = "ms") -> None:
    result(
        name,
        "none",
        f"{statistics.median(values):.1f} {unit}",
        None,
        None,
        note=f"p95 {p95(values):.1f} {unit}, min {min(values):.1f}, max {max(values):.1f}, n={len(values)}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--verdicts", type=int, default=100)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="60 records, 10 verdicts, 2 loads")
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()
    if args.quick:
        args.records, args.verdicts, args.loads = [60], 10, 2
    reason = missing()
    if reason:
        raise SystemExit(f"this benchmark drives a browser: {reason}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped: close the browser and servers too
    header("review page: verdict latency and page load")
    with fake_server(0.0) as server, Browser(1280, 900) as browser:
        for number, records in enumerate(args.records):
            with workdir(args.keep and f"{args.keep}/{records}") as folder:
                articles, made = make_run(folder, records, server.base_url)
                review = ReviewProcess(folder, articles)
                try:
                    timings = loads(browser, review.url, args.loads)
                    first = timings[0]
                    print(
                        f"page with {made} records ({first['rows']} rows, {-(-made // 3)} articles): "
                        f"{first['bytes'] / 1e6:.2f} MB of HTML"
                        + (f", script heap {first['heap'] / 1e6:.1f} MB" if first["heap"] else ""),
                        flush=True,
                    )
                    for key, label in (
                        ("ttfb", "first byte (store read, page rendered)"),
                        ("response", "HTML received"),
                        ("dom", "DOMContentLoaded"),
                        ("load", "load"),
                        ("ready", "every row's controls ready"),
                    ):
                        report(f"page load[{made} records] {label}", [t[key] for t in timings])
                    if number == 0:
                        page, observer = verdict_latencies(browser, folder / "runs.sqlite3", args.verdicts)
                        report(f"verdict[{made} records] click to committed, the page's clock", page)
                        report(f"verdict[{made} records] click to row visible, an observer's clock", observer)
                        report(
                            f"verdict[{made} records] HTTP POST to committed answer, no browser",
                            http_latencies(review.url, folder / "runs.sqlite3", args.verdicts),
                        )
                finally:
                    review.close()


if __name__ == "__main__":
    main()
