"""Verdicts on a document's records (extractor/results/verdicts.py): logic over the recorded convoy
prediction (fixtures/earlier, the recording of 2026-12-05), whose records are wrong in the ways a small model's are."""

from __future__ import annotations

import pytest

from conftest import CONVOY, FIXTURES, article
from extractor.errors import InputError
from extractor.results.evaluate import score_article
from extractor.results.verdicts import (
    VerdictRequest,
    check_verdict,
    describe,
    quality,
    record_state,
    registry_entry,
    review,
)
from extractor.schema import ArticleExtraction, GoldExtraction

KEY = "0" * 32
TEXT = article(CONVOY).text
DOC = ArticleExtraction.model_validate_json(
    (FIXTURES / "earlier" / "ap-2023-01-29-syria-convoy.json").read_text(encoding="utf-8")
)


def ask(**request):
    return VerdictRequest(article=KEY, **request)


def apply(verdicts, **request):
    """One more verdict, checked; returns the verdicts so far and the review they make."""
    verdict, after = check_verdict(DOC, verdicts, ask(**request), TEXT, reviewer="ana", now="2024-05-02T10:00:00")
    return [*verdicts, verdict], after


def selection(quote: str) -> dict:
    start = TEXT.index(quote)
    return {"start": start, "end": start + len(quote), "quote": quote}


def test_without_verdicts_every_record_is_unverified_and_there_is_no_gold():
    r = review(DOC, [])
    assert set(r.status.values()) == {"unverified"} and len(r.status) == 5 + 5 + 4
    assert r.gold() is None and r.kept() == DOC


def test_accept_reject_and_fix_give_statuses_and_a_later_verdict_overrides():
    vs, r = apply([], record="I1", action="accept")
    vs, r = apply(vs, record="I2", action="reject")
    vs, r = apply(vs, record="I3", action="fix", field="fatalities", value={"fatalities": {"low": 2, "best": 2}})
    assert (r.status["I1"], r.status["I2"], r.status["I3"]) == ("accepted", "rejected", "fixed")
    assert r.fixed == {"I3": ["fatalities"]} and r.document.incidents[2].fatalities.best == 2
    assert r.last["I3"].reviewer == "ana" and r.last["I3"].made_at == "2024-05-02T10:00:00"
    vs, r = apply(vs, record="I2", action="accept")  # changed their mind
    vs, r = apply(vs, record="I3", action="fix", field="fatalities", value={"fatalities": {"low": None, "best": None}})
    assert r.status["I2"] == "accepted" and r.status["I3"] == "accepted"  # fixed back to the model's: no fix
    assert r.verdicts == 5 and record_state(r, "I3")["by"] == "ana"


def test_a_rejected_incident_takes_its_unverified_attributions_and_refuses_a_verified_one():
    vs, r = apply([], record="I5", action="reject")
    assert r.status["T3"] == "rejected"  # unverified, of a rejected incident
    with pytest.raises(InputError) as refused:
        apply(vs, record="T3", action="accept")
    assert "T3 (accepted) has I5 as its incident, and I5 is rejected" in refused.value.one_line()
    assert "nothing was recorded" in refused.value.one_line()
    vs, r = apply([], record="T2", action="accept")
    with pytest.raises(InputError, match="T2 .accepted. has A1 as its perpetrator, and A1 is rejected"):
        apply(vs, record="A1", action="reject")


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {
                "record": "I1",
                "action": "fix",
                "field": "type",
                "value": {"event_type": "Protests", "sub_event_type": "Attack"},
            },
            "sub_event_type 'Attack' is not a kind of 'Protests'",
        ),
        (
            {
                "record": "I1",
                "action": "fix",
                "field": "date",
                "value": {"date": {"start": "2023-03-01", "end": "2023-03-01"}},
            },
            "I1 ends 2023-03-01, after publication + 1 day",
        ),
        (
            {"record": "T2", "action": "fix", "field": "perpetrator", "value": {"perpetrator_id": "A9"}},
            "names unknown perpetrator A9",
        ),
        ({"record": "T2", "action": "fix", "field": "kind", "value": {"kind": "rumoured"}}, "T2.kind: Input should be"),
        (
            {"record": "A1", "action": "fix", "field": "kind", "value": {"kind": "state_forces", "name": "x"}},
            "gives kind and nothing else",
        ),
        (
            {"record": "A1", "action": "fix", "field": "summary", "value": {"summary": "x"}},
            "an actor has no field 'summary'",
        ),
        ({"record": "I9", "action": "accept"}, "I9 is not a record of ap-2023-01-29-syria-convoy"),
        ({"record": "I1", "action": "accept", "value": {"x": 1}}, "give no field or value"),
        ({"level": "actor", "action": "add", "value": {"name": "Sham FM", "kind": "media"}}, "has no evidence"),
    ],
)
def test_a_bad_verdict_is_refused_with_a_clear_message(request_, message):
    vs, before = apply([], record="I1", action="accept")
    with pytest.raises(InputError) as refused:
        apply(vs, **request_)
    line = refused.value.one_line()
    assert message in line and "\n" not in line, line


def test_an_added_record_needs_its_words_at_the_offsets_the_page_computed():
    words = selection("Sham FM radio station")
    vs, r = apply([], level="actor", action="add", value={"name": "Sham FM", "kind": "media"}, evidence=words)
    (added,) = [a for a in r.document.actors if a.id == "A6"]
    assert r.status["A6"] == "added" and added.mentions == ["Sham FM radio station"]
    assert added.evidence[0].quote == TEXT[added.evidence[0].start : added.evidence[0].end] == "Sham FM radio station"
    assert registry_entry(vs[-1], r) == ("Sham FM", "media", None, ["Sham FM radio station"])
    for wrong, message in (
        ({**words, "start": words["start"] + 1, "end": words["end"] + 1}, "are not 'Sham FM radio station'"),
        ({**words, "end": len(TEXT) + 5}, "is not within the article's"),
    ):
        with pytest.raises(InputError, match=message):
            apply(vs, level="actor", action="add", value={"name": "Sham FM", "kind": "media"}, evidence=wrong)


def test_an_added_incident_and_attribution_get_the_next_ids():
    incident = {
        "summary": "Strike on a convoy in November.",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "stage": "accomplished",
        "primary": False,
        "date": {"start": "2022-11-01", "end": "2022-11-30", "precision": "month"},
        "location": {"name": "Syria", "country": "Syria", "country_code": "SY", "precision": "country"},
    }
    words = selection("a strike on a truck convoy in Syria in November")
    vs, r = apply([], level="incident", action="add", value=incident, evidence=words)
    attribution = {"incident_id": "I6", "perpetrator_id": "A3", "source_id": "A4", "kind": "claimed", "hedged": True}
    vs, r = apply(vs, level="attribution", action="add", value=attribution, evidence=words)
    assert (r.status["I6"], r.status["T5"]) == ("added", "added")
    with pytest.raises(InputError, match="an added incident lacks primary"):
        apply(
            vs,
            level="incident",
            action="add",
            value={k: v for k, v in incident.items() if k != "primary"},
            evidence=words,
        )


def test_a_fixed_actor_name_keeps_the_former_one_as_a_mention_and_goes_to_the_registry():
    vs, r = apply([], record="A5", action="fix", field="name", value={"name": "Iraqi border guards"})
    actor = r.document.actors[4]
    assert actor.name == "Iraqi border guards" and actor.mentions == ["Iraq"] and r.status["A5"] == "fixed"
    assert registry_entry(vs[-1], r) == ("Iraqi border guards", "other", None, ["Iraq"])
    vs, r = apply(vs, record="A5", action="fix", field="kind", value={"kind": "state_forces"})
    assert registry_entry(vs[-1], r) is None  # only names go to the registry


def test_a_place_fixed_elsewhere_loses_the_old_places_coordinates():
    place = DOC.incidents[0].location
    assert place.latitude is not None
    _, r = apply(
        [],
        record="I1",
        action="fix",
        field="place",
        value={"location": {"name": "Al-Qaim", "country": "Iraq", "country_code": "IQ"}},
    )
    fixed = r.document.incidents[0].location
    assert (fixed.name, fixed.country_code, fixed.latitude, fixed.longitude) == ("Al-Qaim", "IQ", None, None)
    assert fixed.precision == place.precision  # what the fix did not give stays


def verify_all():
    """A whole review: I1 right; I2-I4 repeat I1 (rejected); I5 fixed; A3 renamed, A5 rejected
    with its attribution T4; a missing actor added; T1-T3 right."""
    vs = []
    for request in (
        {"record": "I1", "action": "accept"},
        {"record": "I2", "action": "reject"},
        {"record": "I3", "action": "reject"},
        {"record": "I4", "action": "reject"},
        {
            "record": "I5",
            "action": "fix",
            "field": "date",
            "value": {"date": {"start": "2022-11-01", "end": "2022-11-30", "precision": "month"}},
        },
        {"record": "A1", "action": "accept"},
        {"record": "A2", "action": "accept"},
        {"record": "A3", "action": "accept"},
        {"record": "A4", "action": "accept"},
        {"record": "A5", "action": "reject"},
        {"record": "T1", "action": "accept"},
        {"record": "T2", "action": "accept"},
        {"record": "T3", "action": "accept"},
        {
            "level": "actor",
            "action": "add",
            "value": {"name": "Sham FM", "kind": "media"},
            "evidence": selection("Sham FM radio station"),
        },
    ):
        vs, r = apply(vs, **request)
    return r


def test_a_verified_document_is_a_gold_answer_that_scores_the_model():
    r = verify_all()
    assert r.verified and r.status["T4"] == "rejected"  # with A5, never looked at
    gold = r.gold()
    assert isinstance(gold, GoldExtraction) and gold.provenance is None and gold.warnings == []
    assert [i.id for i in gold.incidents] == ["I1", "I5"] and [a.id for a in gold.actors] == [
        "A1",
        "A2",
        "A3",
        "A4",
        "A6",
    ]
    assert [t.id for t in gold.attributions] == ["T1", "T2", "T3"]
    score = score_article(gold, DOC)
    assert (score.incidents.tp, score.incidents.fp, score.incidents.fn) == (2, 3, 0)
    assert (score.actors.tp, score.actors.fp, score.actors.fn) == (4, 1, 1)
    assert (score.attributions.tp, score.attributions.fp, score.attributions.fn) == (3, 1, 0)
    assert score.fields["date"].correct == 1 and score.fields["date"].total == 2  # I5's date was wrong


def test_quality_sums_the_reviews_and_describes_them():
    q = quality([verify_all(), review(DOC, [])])
    assert (q.documents, q.verified, q.verdicts) == (2, 1, 14)
    assert q.statuses["rejected"] == 5 and q.statuses["added"] == 1 and q.statuses["unverified"] == 14
    assert q.fixes == {"incident date": 1}
    lines = describe(q, done=3)
    assert lines[0].startswith("review: 1 of 3 documents verified (2 reviewed), 14 verdicts by ana")
    assert "  incidents     precision 0.40  recall 1.00  (tp 2, fp 3, fn 0)" in lines
    assert lines[-1] == "fixes most often made: incident date 1"


def test_an_attributions_confidence_is_shown_and_is_not_the_analysts():
    """`confidence`, the model's answer probability, is shown by the page and the fix form where an
    attribution has one; it goes when the analyst names another perpetrator, and from gold."""
    from extractor.results.review import _fields

    doc = DOC.model_copy(deep=True)
    plain = doc.attributions[1]
    doc.attributions[1] = sure = plain.model_copy(update={"confidence": 0.834})
    assert ["confidence", "0.83"] in _fields("attribution", sure, doc, {})
    assert not any(row[0] == "confidence" for row in _fields("attribution", plain, doc, {}))
    r = review(doc, [])
    assert record_state(r, "T2")["values"]["confidence"] == 0.834
    assert "confidence" not in record_state(r, "T1")["values"]
    verdict, r = check_verdict(
        doc,
        [],
        ask(record="T2", action="fix", field="perpetrator", value={"perpetrator_id": "A3"}),
        TEXT,
        reviewer="ana",
    )
    assert r.document.attributions[1].confidence is None
    verdict, r = check_verdict(doc, [], ask(record="T2", action="accept"), TEXT, reviewer="ana")
    assert r.document.attributions[1].confidence == 0.834  # accepted as it was
