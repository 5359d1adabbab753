"""A run for the review tests, the README's screenshot and benchmarks/review_page.py, made offline
by the queue-based fake model (tests/support/fakes.py): the convoy article answered with the
hand-written quoted answers (tests/support/quoted.py) plus two mistakes of the kind a small model
makes, so an analyst has something to accept, fix, reject and add:
  * I2's fatalities are left out (not reported) where the article says at least 14 (to fix);
  * an actor "Iraq" (A4, the country the convoy came from) blamed for I1 as reported (T3): both
    to reject.
And the page driven as an analyst drives it (`Analyst`), over tests/support/browser.py.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import CONVOY
from support.quoted import ACTORS, INCIDENTS

ISRAEL_CLAIM = (
    "Israel’s military chief of staff strongly suggested that Israel was behind a strike on a truck convoy in "
    "Syria in November"
)
ISFAHAN = "bomb-carrying drones targeted an Iranian defense factory in the central city of Isfahan"
FIRST_SENTENCE = (
    "Drones attacked a convoy of trucks in eastern Syria Sunday night shortly after it crossed into the country "
    "from Iraq"
)


def incidents_with_a_mistake() -> dict:
    answer = copy.deepcopy(INCIDENTS)
    answer["incidents"][1]["fatalities"] = {"low": None, "best": None, "high": None, "text": None}
    return answer


def actors_with_mistakes() -> dict:
    answer = copy.deepcopy(ACTORS)
    answer["actors"].append({"id": "A4", "evidence": ["from Iraq"], "name": "Iraq", "kind": "other"})
    answer["attributions"].append(
        {
            "incident_id": "I1",
            "evidence": [FIRST_SENTENCE],
            "perpetrator_id": "A4",
            "source_id": None,
            "kind": "reported",
            "hedged": False,
        }
    )
    return answer


@dataclass(frozen=True)
class ReviewRun:
    name: str
    store: Path
    articles: Path  # the folder holding the article as it was read
    output: Path  # what `extract -o` wrote


def make_run(tmp: Path, monkeypatch, name: str = "r1", copies: int = 1, tail: str = "") -> ReviewRun:
    """`extractor extract` over the convoy article (`copies` of it, as reports report-1, ...;
    `tail` written after its text) into the run `name`, through the CLI with the fake model in
    place of a server."""
    from typer.testing import CliRunner

    from extractor.cli import app
    from support.fakes import FakeModel, patch_clients

    monkeypatch.setenv("EXTRACTOR_EVIDENCE", "quotes")  # the queued answers quote
    monkeypatch.setenv("EXTRACTOR_SMALL_MODEL", "0")  # and answer the actors call a capable model gets
    fake = patch_clients(monkeypatch, FakeModel())
    articles = tmp / "articles"
    articles.mkdir(exist_ok=True)
    text = CONVOY.read_text(encoding="utf-8") + tail
    if copies == 1:
        source = articles / "convoy.txt"
        source.write_text(text, encoding="utf-8", newline="")
    else:
        source = articles / "reports.jsonl"
        source.write_text(
            "".join(json.dumps({"id": f"report-{n}", "text": text}) + "\n" for n in range(1, copies + 1)),
            encoding="utf-8",
        )
    for _ in range(copies):
        fake.queue(incidents_with_a_mistake(), actors_with_mistakes())
    store, output = tmp / "runs.sqlite3", tmp / f"{name}.jsonl"
    result = CliRunner().invoke(
        app, ["extract", str(source), "--run", name, "--store", str(store), "-o", str(output), "--no-cache", "-q"]
    )
    assert result.exit_code == 0, result.output
    return ReviewRun(name, store, articles, output)


# --- the page, as an analyst drives it ------------------------------------------------------

# Select words in an article's text as a mouse would (one Range over the text nodes that hold
# them, however the highlights cut them), then let the page see the mouse button come up.
SELECT_WORDS = """
const [section, quote, nth] = arguments;
const text = document.querySelector(`#${section} .text`);
let at = -1;
for (let n = 0; n <= nth; n++) at = text.textContent.indexOf(quote, at + 1);
if (at < 0) return false;
const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
const range = document.createRange();
let seen = 0, node;
while ((node = walker.nextNode())) {
  const end = seen + node.data.length;
  if (seen <= at && at < end) range.setStart(node, at - seen);
  if (seen < at + quote.length && at + quote.length <= end) { range.setEnd(node, at + quote.length - seen); break; }
  seen = end;
}
getSelection().removeAllRanges();
getSelection().addRange(range);
text.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
return true;
"""

SET_INPUT = """
const [box, index, value] = arguments;
const input = box.querySelectorAll("input, select")[index];
if (input.type === "checkbox") input.checked = value; else input.value = value;
input.dispatchEvent(new Event("change", {bubbles: true}));
return input.value;
"""


class Analyst:
    """Clicks, selects and fills in the served page the way a person does, and waits for what the
    page shows after each verdict (its own count of confirmed verdicts, or the page reloaded)."""

    def __init__(self, browser, section: str = "r0") -> None:
        self.browser, self.section = browser, section

    def open(self, url: str) -> None:
        self.browser._s("POST", "/url", {"url": url})
        self.wait(lambda: self.browser.run("return document.readyState") == "complete")

    def verdicts(self) -> int:
        return int(self.browser.run("return Number(document.body.dataset.verdicts || 0)"))

    def status(self, record: str) -> str | None:
        return self.browser.run(
            "const r = document.querySelector(`#${arguments[0]} tr[data-record=${arguments[1]}]`);"
            " return r ? r.dataset.status : null;",
            self.section,
            record,
        )

    def decide(self, record: str, action: str) -> None:
        """Click accept or reject in the record's row; wait until the server confirmed it."""
        before = self.verdicts()
        self.browser.click(self.browser.find(f'#{self.section} tr[data-record="{record}"] button.v-{action}')[0])
        self.wait(lambda: self.verdicts() > before or self.said_bad())

    def said_bad(self) -> bool:
        return self.browser.run("return document.querySelector('.review-bar .said.bad') !== null")

    def said(self) -> str:
        return self.browser.run("return document.querySelector('.review-bar .said').textContent")

    def open_fix(self, record: str) -> None:
        self.browser.click(self.browser.find(f'#{self.section} tr[data-record="{record}"] button.v-fix')[0])

    def select(self, quote: str, nth: int = 0) -> None:
        assert self.browser.run(SELECT_WORDS, self.section, quote, nth), f"{quote!r} is not in the text"

    def add_as(self, level: str) -> None:
        self.browser.click(self.browser.find(f'#{self.section} .adder button[data-level="{level}"]')[0])

    def fill(self, attr: str, *values) -> None:
        """Set the inputs of one field of the open form, in order (None leaves one as it is)."""
        (box,) = self.browser.find(f'#{self.section} .review-form [data-attr="{attr}"]')
        for index, value in enumerate(values):
            if value is not None:
                self.browser.run(SET_INPUT, box, index, value)

    def save(self) -> None:
        self.browser.click(self.browser.find(f"#{self.section} .review-form button.save")[0])

    def form_error(self) -> str:
        return self.browser.run(f"return document.querySelector('#{self.section} .review-form .error').textContent")

    def wait(self, condition, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except RuntimeError:  # the page was reloading
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the page did not get there in time")
            time.sleep(0.02)

    def wait_for(self, record: str, status: str) -> None:
        self.wait(lambda: self.status(record) == status)


def review_as_an_analyst(analyst: Analyst) -> None:
    """The whole review of the run, by clicks, selections and forms."""
    for record, action in (("I1", "accept"), ("A1", "accept"), ("A2", "accept"), ("A3", "accept"), ("A4", "reject")):
        analyst.decide(record, action)
        assert not analyst.said_bad(), analyst.said()
    assert analyst.status("T3") == "rejected"  # blamed the rejected "Iraq": rejected with it
    analyst.decide("T1", "accept")
    analyst.decide("T2", "accept")
    # I2 says no one was killed where the article says at least 14
    analyst.open_fix("I2")
    analyst.fill("fatalities", "14", "14")
    analyst.save()
    analyst.wait_for("I2", "fixed")
    # Sham FM reported it too: an actor the model missed
    analyst.select("Sham FM radio station")
    analyst.add_as("actor")
    analyst.fill("name", "Sham FM")
    analyst.fill("kind", "media")
    analyst.fill("country_code", "SY")
    analyst.save()
    analyst.wait_for("A5", "added")
    # Israel, and its hedged claim of the November strike
    analyst.select("Israel", nth=2)
    analyst.add_as("actor")
    analyst.fill("kind", "state_forces")
    analyst.fill("country_code", "IL")
    analyst.save()
    analyst.wait_for("A6", "added")
    analyst.select(ISRAEL_CLAIM)
    analyst.add_as("attribution")
    analyst.fill("incident_id", "I2")
    analyst.fill("perpetrator_id", "A6")
    analyst.fill("kind", "claimed")
    analyst.fill("hedged", True)
    analyst.save()
    analyst.wait_for("T4", "added")
    # and the drone strike on Isfahan hours before
    analyst.select(ISFAHAN)
    analyst.add_as("incident")
    analyst.fill("summary", "Drones struck a defense factory in Isfahan.")
    analyst.fill("date", "2023-01-28", "2023-01-29", "day")
    analyst.fill("location", "Isfahan", "", "Iran", "IR", "place", "", "")
    analyst.fill("primary", False)
    analyst.save()
    analyst.wait_for("I3", "added")


EXPECTED = {
    "I1": "accepted",
    "I2": "fixed",
    "I3": "added",
    "A1": "accepted",
    "A2": "accepted",
    "A3": "accepted",
    "A4": "rejected",
    "A5": "added",
    "A6": "added",
    "T1": "accepted",
    "T2": "accepted",
    "T3": "rejected",
    "T4": "added",
}
