"""Evidence cited by sentence number: the numbered article, the schema that allows only numbers
shown, spans made by the tool (actors narrowed to their mention), one prompt prefix per article,
and long articles in windows. Logic tests over the queue-based FakeModel (hand-written answers)."""

import itertools
import os

import pytest

from conftest import CONVOY, OILFIELD, article
from extractor.articles.load import article_from_text
from extractor.articles.sentences import MAX_SENTENCE, numbered
from extractor.flow.draft import DraftIncidents, cited
from extractor.flow.pipeline import extract_article
from extractor.flow.prompts import View, incident_messages, prefix
from extractor.flow.windows import windows_of
from extractor.llm.client import LLMClient
from extractor.settings import Settings
from support.cited import ACTORS, INCIDENTS
from support.cited import incident as _incident
from support.fakes import FakeModel

SETTINGS = Settings(provider="openai", model="fake", response_format="json_object", max_attempts=1)


def run(*answers, settings=SETTINGS, path=CONVOY):
    fake = FakeModel(*answers)
    return extract_article(article(path), LLMClient.from_transport(fake, settings)), fake


def test_sentences_are_numbered_with_offsets_into_the_text():
    convoy = article(CONVOY)
    found = numbered(convoy.searchable_text)
    assert [s.number for s in found] == list(range(1, len(found) + 1))
    assert (
        found[0].shown.startswith("BEIRUT (AP)") and "date 2023" not in found[0].shown
    )  # the masked date line is not shown
    for s in found:
        assert " ".join(convoy.text[s.start : s.end].split()) == s.shown
    assert "____" not in [s.shown for s in found]  # a rule is no sentence


def test_headlines_list_items_and_masked_blocks_end_sentences():
    text = "Clashes in the north\nBy a staff writer\n\nTwo were killed, police said:\n- one in Goma\n- one in Beni\nThe army said so."
    shown = [s.shown for s in numbered(text)]
    assert shown == [
        "Clashes in the north",
        "By a staff writer",
        "Two were killed, police said:",
        "- one in Goma",
        "- one in Beni",
        "The army said so.",
    ]
    masked = "Rebels attacked a base.\x00\x00\x00\n\x00\x00\x00\x00\nTroops fired back."
    assert [s.shown for s in numbered(masked)] == ["Rebels attacked a base.", "Troops fired back."]


def test_wrapped_upper_case_wire_text_keeps_its_sentences_whole():
    text = (
        "THE POLICE ALSO STOPPED 8,000 CARS IN THE SEARCH FOR ASSASSINS, WHO ARE PRESUMABLY\n"
        "MEMBERS OF THE MAOIST TERRORIST ORGANIZATION SHINING PATH.  LOPEZ ALBUJAR, 63, WAS RETIRED.  HE\n"
        "WAS DRIVING WITHOUT AN ESCORT."
    )
    assert [s.shown for s in numbered(text)] == [
        "THE POLICE ALSO STOPPED 8,000 CARS IN THE SEARCH FOR ASSASSINS, WHO ARE PRESUMABLY MEMBERS OF THE MAOIST "
        "TERRORIST ORGANIZATION SHINING PATH.",
        "LOPEZ ALBUJAR, 63, WAS RETIRED.",
        "HE WAS DRIVING WITHOUT AN ESCORT.",
    ]


def test_a_run_without_stops_is_cut_into_citable_pieces():
    text = ", ".join(f"village number {n} was shelled" for n in range(100))
    pieces = numbered(text)
    assert len(pieces) > 1 and all(s.end - s.start <= MAX_SENTENCE for s in pieces)
    assert text[pieces[0].start : pieces[-1].end] == text


def test_the_schema_allows_only_the_numbers_shown():
    schema = cited(DraftIncidents, 3, 6).model_json_schema()
    evidence = schema["$defs"]["DraftIncident"]["properties"]["evidence"]
    assert evidence["items"]["enum"] == [3, 4, 5, 6] and evidence["minItems"] == 1
    assert list(schema["$defs"]["DraftIncident"]["properties"])[1] == "evidence"  # still before the judgements


def test_cited_sentences_become_exact_spans_and_actor_evidence_names_the_actor():
    doc, fake = run(INCIDENTS, ACTORS)
    convoy = article(CONVOY)
    spans = (
        [s for i in doc.incidents for s in i.evidence]
        + [s for a in doc.actors for s in a.evidence]
        + [s for t in doc.attributions for s in t.evidence]
    )
    assert spans and all(convoy.text[s.start : s.end] == s.quote and s.alignment == "exact" for s in spans)
    assert doc.incidents[0].evidence[0].quote.startswith("BEIRUT (AP) — Drones attacked")
    assert [s.quote for s in doc.incidents[1].evidence][1].startswith("It said at least 14 people")
    names = {a.name: [s.quote for s in a.evidence] for a in doc.actors}
    assert names["U.S.-led coalition"] == ["U.S.-led coalition"]  # narrowed to the mention in sentence 5
    assert names["Sham FM"] == ["Sham FM"]  # cited nothing: the tool found its name
    assert "Israel" in names  # sentence 2 does not name it: its first mention in the article is used instead
    assert any('the sentence cited ("There was no immediate word' in w.message for w in doc.warnings)
    alleged = next(t for t in doc.attributions if t.kind == "alleged")
    assert alleged.evidence[0].quote.startswith("The Britain-based Syrian Observatory")
    assert "evidence" not in fake.requests[0]["messages"][0]["content"].split("Rules:")[0]


def test_every_call_of_an_article_starts_with_the_same_prefix():
    doc, fake = run(INCIDENTS, ACTORS)
    first, second = (r["messages"] for r in fake.requests)
    assert first[0] == second[0]
    common = os.path.commonprefix([first[1]["content"], second[1]["content"]])
    assert common.startswith("Publication date: 2023-01-29") and "[24] Abdul-Zahra reported from Baghdad." in common
    assert "Attributions: who is said to be behind an incident" in common  # the rules of both stages are in it
    assert "Task:" not in common and "I1:" not in common  # what varies per stage comes after the prefix
    assert "- I1: A strike. (sentences 1)" in second[1]["content"]


def test_a_number_the_article_does_not_have_is_refused_with_a_warning():
    # A server that ignores the schema's enumeration: the number is refused by validation, the
    # item without other evidence is dropped, the rest is kept.
    doc, fake = run({"incidents": [_incident(1, [99]), _incident(2, [1])]}, ACTORS)
    assert (
        len(doc.incidents) == 1
        and doc.incidents[0].evidence[0].start == numbered(article(CONVOY).searchable_text)[0].start
    )
    assert any(
        "incident 1 had evidence.0 repaired to fit the schema (Input should be 1, 2," in w.message for w in doc.warnings
    )
    assert any(
        "incident 1 does not fit the schema (evidence: List should have at least 1 item" in w.message
        for w in doc.warnings
    )
    assert all(len(w.message) < 400 for w in doc.warnings)


def test_the_assembler_refuses_a_number_it_was_not_shown():
    from extractor.flow.assemble import _spans
    from extractor.flow.ground import Grounder

    convoy = article(CONVOY)
    grounder = Grounder(convoy.searchable_text, raw=convoy.text, sentences=numbered(convoy.searchable_text))
    issues = []
    spans = _spans(grounder, [99, 2], "incident I1", "I1", issues)
    assert [s.quote for s in spans] == ["There was no immediate word on casualties."]
    assert [(i.code, i.ids, i.message) for i in issues] == [
        (
            "sentence_not_shown",
            ["I1"],
            "incident I1: evidence cites sentence 99, which is not one of the numbered sentences; cite a number shown",
        )
    ]


def test_quotes_stay_available_as_an_option():
    doc, fake = run(
        {"incidents": [_incident(1, ["Drones attacked a convoy of trucks in eastern Syria Sunday night"])]},
        {"actors": [], "attributions": [], "targets": []},
        settings=SETTINGS.with_(evidence="quotes"),
    )
    assert doc.incidents[0].evidence[0].quote == "Drones attacked a convoy of trucks in eastern Syria Sunday night"
    assert "[1]" not in fake.requests[0]["messages"][1]["content"]
    schema = fake.requests[0]["response_format"]["schema"]
    assert schema["$defs"]["DraftIncident"]["properties"]["evidence"]["items"]["type"] == "string"


def test_windows_cover_every_sentence_with_overlap():
    found = numbered(article(OILFIELD).searchable_text)
    windows = windows_of(found, 800, overlap=2)
    assert len(windows) > 2
    assert windows[0][0].number == 1 and windows[-1][-1].number == found[-1].number
    for before, after in itertools.pairwise(windows):
        assert after[0].number <= before[-1].number  # they overlap
        assert after[-1].number > before[-1].number  # and always move on
        assert sum(len(s.shown) + 8 for s in before) <= 800 or len(before) == 1
    assert windows_of(found, 1_000_000) == [found]


def test_a_long_article_is_read_in_windows_and_merged_with_global_offsets():
    convoy = article(CONVOY)
    body = convoy.text[convoy.masked[0][1] :]
    long_text = "\n\n".join([body] * 8)  # about 24,000 characters
    long_article = article_from_text(long_text, "long", "test", published="2023-01-29")
    found = numbered(long_article.searchable_text)
    windows = windows_of(found, 6_000)
    fake = FakeModel()
    for window in windows:  # incidents at the window's first sentence and at the start of its overlap with the next
        first = window[0].number
        fake.queue(
            {"incidents": [_incident(1, [first]), _incident(2, [window[-3].number])]},
            {
                "actors": [
                    {"id": "A1", "evidence": [], "name": "Syrian Observatory for Human Rights", "kind": "monitor"}
                ],
                "attributions": [
                    {
                        "incident_id": "I1",
                        "evidence": [first],
                        "perpetrator_id": None,
                        "source_id": "A1",
                        "kind": "unknown",
                        "hedged": False,
                    }
                ],
                "targets": [],
            },
        )
    doc = extract_article(long_article, LLMClient.from_transport(fake, SETTINGS.with_(window_chars=6_000)))
    assert len(fake.requests) == 2 * len(windows) and len(windows) >= 4
    assert len(doc.actors) == 1  # the same actor from every window is one
    starts = [i.evidence[0].start for i in doc.incidents]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert len(doc.incidents) < 2 * len(windows)  # incidents citing the overlap's sentences were merged
    assert any("merged into" in w.message for w in doc.warnings)
    for incident in doc.incidents:
        for span in incident.evidence:
            assert long_text[span.start : span.end] == span.quote
    assert {t.incident_id for t in doc.attributions} <= {i.id for i in doc.incidents}
    assert all(t.source_id == doc.actors[0].id for t in doc.attributions)
    shown = [r["messages"][1]["content"] for r in fake.requests[::2]]
    assert all(
        f"[{w[0].number}] " in text and f"[{w[-1].number}] " in text for w, text in zip(windows, shown, strict=True)
    )
    assert f"[{windows[1][0].number - 1}] " not in shown[1] or windows[1][0].number == 1


def test_view_of_a_window_in_quote_mode_shows_its_text():
    convoy = article(CONVOY)
    window = numbered(convoy.searchable_text)[:3]
    view = View.of(convoy, "quotes", window)
    assert view.body.splitlines()[0].startswith("BEIRUT") and len(view.body.splitlines()) == 3
    system, start = prefix(convoy, view)
    assert incident_messages(convoy, view)[1]["content"].startswith(start)


@pytest.mark.parametrize("evidence", ["sentences", "quotes"])
def test_both_modes_are_part_of_the_cache_parameters(evidence):
    assert Settings(evidence=evidence).params()["evidence"] == evidence
