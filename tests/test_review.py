"""`extractor review`: the HTML page, read as markup (logic tests) and in headless Chromium.

The browser tests drive Debian's chromium through chromedriver (tests/support/browser.py); they are
skipped, naming what is missing, only when those two programs are not installed (.ci/run
installs them, so CI runs them).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

import support.browser as chromium
from conftest import ARTICLES, FIXTURES, ROOT, article, gold_files_by_article, require_shared
from extractor.articles.load import article_from_text
from extractor.errors import InputError
from extractor.results.read import Result, read_results
from extractor.results.review import render_review, write_review
from extractor.schema import GoldExtraction

HOSTILE = (
    'Officials said <script>window.__pwned=1</script> & <img src=x onerror="window.__pwned=2"> '
    "drones struck a convoy near Boukamal.\r\nThe monitor blamed the militia.\n"
)
CONVOY_PREDICTION = FIXTURES / "expected" / "ap-2023-01-29-syria-convoy.json"


# --- helpers ------------------------------------------------------------------------------


def span(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote), "alignment": "exact"}


def document(
    text: str,
    *,
    incident: list[str],
    actor: list[str],
    attribution: list[str],
    summary: str = "Drones struck a convoy.",
) -> dict:
    """One incident, one actor and one attribution whose evidence quotes `text`."""
    return {
        "schema_version": "1",
        "article": {"id": "hostile", "sha256": hashlib.sha256(text.encode()).hexdigest()},
        "incidents": [
            {
                "id": "I1",
                "summary": summary,
                "event_type": "Explosions/Remote violence",
                "sub_event_type": "Air/drone strike",
                "stage": "accomplished",
                "primary": True,
                "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day"},
                "location": {"name": "Boukamal", "country": "Syria", "country_code": "SY", "precision": "place"},
                "fatalities": {"low": 1, "high": 3},
                "evidence": [span(text, q) for q in incident],
            }
        ],
        "actors": [
            {
                "id": "A1",
                "name": "the militia & co",
                "kind": "political_militia",
                "evidence": [span(text, q) for q in actor],
            }
        ],
        "attributions": [
            {
                "id": "T1",
                "incident_id": "I1",
                "perpetrator_id": "A1",
                "source_id": None,
                "kind": "alleged",
                "hedged": False,
                "evidence": [span(text, q) for q in attribution],
            }
        ],
        "warnings": [{"code": "actor_not_named", "ids": [], "message": "actor A2: <b>dropped</b>"}],
    }


def pair(text: str, doc: dict) -> tuple[Result, object]:
    return Result("test.json", GoldExtraction.model_validate(doc)), article_from_text(text, "hostile", "hostile.txt")


class Pieces(HTMLParser):
    """The article text of each section as (attributes of the enclosing highlight or None, text)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[tuple[dict | None, str]]] = []
        self._inside, self._mark = False, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "text":
            self._inside = True
            self.sections.append([])
        elif tag == "mark" and self._inside:
            self._mark = attrs

    def handle_endtag(self, tag):
        if tag == "div" and self._inside:
            self._inside = False
        elif tag == "mark":
            self._mark = None

    def handle_data(self, data):
        if self._inside:
            self.sections[-1].append((self._mark, data))


def spans_of(doc: GoldExtraction):
    for record in [*doc.incidents, *doc.actors, *doc.attributions]:
        for n, s in enumerate(record.evidence):
            yield f"{record.id}.{n}", s


def real_pairs() -> list[tuple[Result, object]]:
    """The recorded convoy prediction and the richest gold answer found by its content."""
    require_shared("gold")
    gold = gold_files_by_article().get("2021-06-28-omar-oilfield")
    paths = [CONVOY_PREDICTION] + ([gold] if gold else [])
    results = list(read_results(paths))
    return [(r, article(ARTICLES / f"{r.doc.article.id}.txt")) for r in results]


# --- logic: the markup --------------------------------------------------------------------


def test_article_markup_and_ampersands_are_escaped():
    doc = document(
        HOSTILE,
        incident=["drones struck a convoy near Boukamal"],
        actor=["the militia"],
        attribution=["<script>window.__pwned=1</script>"],
    )
    page = render_review([pair(HOSTILE, doc)])
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    for escaped in (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
        " &amp; ",
        "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;",
    ):
        assert escaped in page
    assert "&lt;b&gt;dropped&lt;/b&gt;" in page and "<b>dropped" not in page  # warnings are model text too
    assert '<li class="warning" data-code="actor_not_named" data-ids="">' in page  # each warning's code is shown


def test_a_schema_version_1_document_shows_its_warnings_as_sentences():
    doc = document(HOSTILE, incident=["drones struck a convoy near Boukamal"], actor=["the militia"], attribution=[])
    doc.update(schema_version="1", warnings=["incident I1: a sentence of version 1"])
    page = render_review([pair(HOSTILE, doc)])
    assert '<span class="code">legacy</span> incident I1: a sentence of version 1</li>' in page
    (pieces,) = Pieces(page).sections
    assert "".join(text for _, text in pieces) == HOSTILE  # the text as read, CR included (&#13;)


def test_record_data_cannot_close_its_script_block():
    summary = "Struck </script><script>window.__pwned=3</script> & more"
    doc = document(
        HOSTILE, incident=["drones struck"], actor=["the militia"], attribution=["blamed the militia"], summary=summary
    )
    page = render_review([pair(HOSTILE, doc)])
    assert page.count("</script>") == 2  # the data block's own end and the page script's
    blob = re.search(r'<script type="application/json" class="records-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in blob and "&" not in blob
    assert json.loads(blob)["I1"]["fields"][0] == ["summary", summary]


def test_overlapping_spans_split_the_text_and_list_every_record_innermost_first():
    text = "Drones struck the convoy near Boukamal, the monitor said."
    doc = document(
        text,
        incident=["the convoy"],
        actor=["Drones struck the convoy near Boukamal"],
        attribution=["struck the convoy near Boukamal, the monitor said"],
    )
    (pieces,) = Pieces(render_review([pair(text, doc)])).sections
    marked = [
        (attrs["data-records"], attrs["data-spans"], int(attrs["data-start"]), int(attrs["data-end"]), t)
        for attrs, t in pieces
        if attrs
    ]
    assert marked == [
        ("A1", "A1.0", 0, 7, "Drones "),
        ("A1 T1", "A1.0 T1.0", 7, 14, "struck "),
        ("I1 A1 T1", "I1.0 A1.0 T1.0", 14, 24, "the convoy"),  # shortest span first: a click picks I1
        ("A1 T1", "A1.0 T1.0", 24, 38, " near Boukamal"),
        ("T1", "T1.0", 38, 56, ", the monitor said"),
    ]
    assert pieces[-1] == (None, ".")
    # Each span's first piece carries the label drawn before it, and only the first.
    labels = [attrs.get("data-label") for attrs, _ in pieces if attrs]
    assert labels == ["A1", "T1", "I1", None, None]


def test_every_span_of_real_results_is_marked_at_exactly_its_offsets():
    pairs = real_pairs()
    sections = Pieces(render_review(pairs)).sections
    assert len(sections) == len(pairs)
    checked = 0
    for (result, art), pieces in zip(pairs, sections, strict=True):
        assert "".join(t for _, t in pieces) == art.text
        for key, s in spans_of(result.doc):
            covering = [(a, t) for a, t in pieces if a and key in a["data-spans"].split()]
            assert "".join(t for _, t in covering) == s.quote == art.text[s.start : s.end], key
            assert int(covering[0][0]["data-start"]) == s.start and int(covering[-1][0]["data-end"]) == s.end, key
            checked += 1
    assert checked >= 2


def test_page_loads_nothing_from_any_network():
    page = render_review(real_pairs())
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"\b(?:src|href)\s*=\s*(?![\"']?#)", page), "only in-page links are allowed"
    assert "default-src 'none'" in page  # the CSP forbids every fetch, even one added later


def test_several_results_give_one_section_each_and_an_index():
    pairs = real_pairs()
    assert len(pairs) == 2, "both example articles have a gold answer in ../shared/gold"
    page = render_review(pairs)
    assert re.findall(r'<section class="result" id="(r\d+)"', page) == ["r0", "r1"]
    assert (
        '<a href="#r0">ap-2023-01-29-syria-convoy</a>' in page and '<a href="#r1">2021-06-28-omar-oilfield</a>' in page
    )
    assert all(html.escape(w.message) in page for w in pairs[0][0].doc.warnings)


def test_a_span_outside_the_text_is_reported_not_drawn():
    text = "Drones struck the convoy."
    doc = document(text, incident=["Drones struck"], actor=["the convoy"], attribution=["struck the convoy"])
    doc["actors"][0]["evidence"] = [{"quote": "x" * 10, "start": 20, "end": 30}]
    page = render_review([pair(text, doc)])
    assert "span A1.0 (20:30) lies outside the article&#x27;s 25 characters; not shown" in page
    assert 'data-spans="A1.0' not in page


# --- logic: files -------------------------------------------------------------------------


def test_write_review_writes_the_page_atomically(tmp_path):
    out = tmp_path / "review.html"
    assert write_review([CONVOY_PREDICTION], [ARTICLES], out) == 1
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not (tmp_path / "review.html.partial").exists()


def test_missing_article_text_is_an_input_error_naming_the_result(tmp_path):
    other = tmp_path / "articles"
    other.mkdir()
    (other / "other.txt").write_text("Something else entirely happened.\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_review([CONVOY_PREDICTION], [other], tmp_path / "review.html")
    line = caught.value.one_line()
    assert str(CONVOY_PREDICTION) in line and "ap-2023-01-29-syria-convoy" in line and "--articles" in line
    assert "\n" not in line
    assert list(tmp_path.glob("review.html*")) == []


def test_no_documents_and_unwritable_output_are_input_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no extraction documents"):
        write_review([empty], [ARTICLES], tmp_path / "review.html")
    with pytest.raises(InputError, match=r"cannot be written \(No such file or directory\)"):
        write_review([CONVOY_PREDICTION], [ARTICLES], tmp_path / "absent" / "review.html")


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    reason = chromium.missing()
    if reason:
        pytest.skip(f"browser tests need Debian's chromium and chromium-driver: {reason}")
    with chromium.Browser(1280, 900) as b:
        yield b


@pytest.fixture(scope="module")
def real_page(tmp_path_factory) -> Path:
    page = tmp_path_factory.mktemp("review") / "review.html"
    page.write_text(render_review(real_pairs()), encoding="utf-8")
    return page


READ_SPANS = """
const out = {};
for (const section of document.querySelectorAll("section.result")) {
  const data = JSON.parse(section.querySelector("script.records-data").textContent);
  const spans = {};
  for (const id of Object.keys(data)) for (const key of data[id].spans) {
    const marks = [...section.querySelectorAll(`mark.seg[data-spans~="${key}"]`)];
    spans[key] = {text: marks.map(m => m.textContent).join(""),
                  painted: marks.every(m => getComputedStyle(m).backgroundImage.startsWith("linear-gradient"))};
  }
  out[section.id] = {text: section.querySelector(".text").textContent, spans};
}
return out;
"""


@pytest.mark.browser
def test_browser_shows_every_span_highlighted_at_its_text(browser, real_page):
    pairs = real_pairs()
    browser.open(real_page)
    shown = browser.run(READ_SPANS)
    for n, (result, art) in enumerate(pairs):
        section = shown[f"r{n}"]
        assert section["text"] == art.text
        expected = {key: s.quote for key, s in spans_of(result.doc)}
        assert {key: v["text"] for key, v in section["spans"].items()} == expected
        assert all(v["painted"] for v in section["spans"].values())


def in_view(browser, element) -> bool:
    return browser.run(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;",
        element,
    )


FAR_RECORD = """
const section = arguments[0];
const inView = el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; };
for (const row of section.querySelectorAll("tr[data-record]")) {
  const first = section.querySelector(`mark.seg[data-spans~="${row.dataset.record}.0"]`);
  if (first && inView(row) && !inView(first)) return row.dataset.record;
}
return null;
"""


@pytest.mark.browser
def test_browser_clicking_a_record_marks_and_scrolls_to_its_spans(browser, real_page):
    assert len(real_pairs()) == 2, "both example articles have a gold answer in ../shared/gold"
    browser.open(real_page)
    section = browser.find("#r1")[0]
    browser.run("arguments[0].scrollIntoView()", section)
    # A record whose row is on screen but whose first span is not, so only the page can scroll to it
    # (WebDriver scrolls only to bring the row it clicks into view).
    record = browser.run(FAR_RECORD, section)
    assert record, "the layout no longer puts any span below its row: pick another check"
    first = browser.find(f'#r1 mark.seg[data-spans~="{record}.0"]')[0]
    assert browser.find("#r1 mark.seg.active") == []
    browser.click(browser.find(f'#r1 tr[data-record="{record}"]')[0])
    assert in_view(browser, first)
    active = browser.run(
        'return [...document.querySelectorAll("#r1 mark.seg.active")].map(m => m.dataset.records.split(" "))'
    )
    assert len(active) == len(browser.find(f'#r1 mark.seg[data-records~="{record}"]')) > 0
    assert all(record in ids for ids in active)
    assert browser.find(f'#r1 tr.selected[data-record="{record}"]')
    # The other highlights fade: a visible change, not only a class.
    others = browser.find(f'#r1 mark.seg:not([data-records~="{record}"])')
    assert float(browser.run("return getComputedStyle(arguments[0]).opacity", others[0])) < 1
    data = browser.run(
        'return JSON.parse(document.querySelector("#r1 script.records-data").textContent)[arguments[0]]', record
    )
    assert data["title"].split(" ")[0] in browser.visible_text(browser.find("#r1 .card")[0])
    # Clicking the row again clears the selection.
    browser.click(browser.find(f'#r1 tr[data-record="{record}"]')[0])
    assert browser.find("#r1 mark.seg.active") == [] and browser.run(
        "return arguments[0].hidden", browser.find("#r1 .card")[0]
    )


@pytest.mark.browser
def test_browser_hovering_a_highlight_shows_its_record_and_clicking_selects_it(browser, real_page):
    pairs = real_pairs()
    n, result = len(pairs) - 1, pairs[-1][0]
    actor = next(a for a in result.doc.actors if a.evidence)
    browser.open(real_page)
    card = browser.find(f"#r{n} .card")[0]
    assert browser.run("return arguments[0].hidden", card)
    mark = browser.find(f'#r{n} mark.seg[data-spans~="{actor.id}.0"]')[0]
    browser.hover(mark)
    assert not browser.run("return arguments[0].hidden", card)
    hovered = browser.run("return arguments[0].dataset.records.split(' ')", mark)
    titles = browser.run("return [...arguments[0].querySelectorAll('.rec')].map(r => r.dataset.record)", card)
    assert titles == hovered and actor.id in titles
    assert actor.name in browser.visible_text(card)
    browser.click(mark)
    assert browser.find(f'#r{n} tr.selected[data-record="{hovered[0]}"]')


@pytest.mark.browser
def test_browser_renders_markup_in_the_article_as_text_without_running_it(browser, tmp_path):
    summary = "Struck </script><script>window.__pwned=3</script>"
    doc = document(
        HOSTILE,
        incident=["drones struck a convoy near Boukamal"],
        actor=["the militia"],
        attribution=["<script>window.__pwned=1</script>"],
        summary=summary,
    )
    (tmp_path / "hostile.txt").write_text(HOSTILE, encoding="utf-8", newline="")
    (tmp_path / "hostile.json").write_text(json.dumps(doc), encoding="utf-8")
    write_review([tmp_path / "hostile.json"], [tmp_path / "hostile.txt"], tmp_path / "review.html")
    browser.open(tmp_path / "review.html")
    assert browser.run("return typeof window.__pwned") == "undefined"
    assert browser.find(".text script, .text img, .card script") == []
    assert browser.run('return document.querySelector(".text").textContent') == HOSTILE
    mark = browser.find('mark.seg[data-spans~="T1.0"]')[0]
    assert browser.visible_text(mark) == "<script>window.__pwned=1</script>"
    browser.click(browser.find('tr[data-record="I1"]')[0])
    assert summary in browser.visible_text(browser.find(".card")[0])
    assert browser.run("return typeof window.__pwned") == "undefined"


@pytest.mark.browser
def test_screenshot_script_writes_a_1280x900_png(browser, tmp_path):
    require_shared("gold")  # the picture is of the oil-field article's gold answer
    spec = importlib.util.spec_from_file_location("review_screenshot", ROOT / "scripts" / "review_screenshot.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = script.main(tmp_path / "review.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)  # IHDR width, height


def test_readme_screenshot_is_committed():
    data = (ROOT / "docs" / "review.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 900)


def test_the_page_names_a_result_as_the_user_gave_it(tmp_path, monkeypatch):
    """Not as an absolute path of the machine it ran on: the page is shared with others."""
    import os

    require_shared("gold")
    monkeypatch.chdir(ROOT)
    gold = Path(os.path.relpath(gold_files_by_article()["2021-06-28-omar-oilfield"], ROOT))
    assert not gold.is_absolute()
    out = tmp_path / "review.html"
    write_review([gold], [Path(os.path.relpath(ARTICLES, ROOT))], out)
    page = out.read_text(encoding="utf-8")
    assert f"from {html.escape(str(gold))}" in page and str(ROOT.parent) not in page
