"""Events judged and made into incidents (extractor.flow.judge): the options offered, the
figures and dates computed, which event is the news. Logic tests over short hand-written texts
parsed by the real English pipeline; the answers are written here, not asked of a model."""

from __future__ import annotations

import datetime as dt

from extractor.flow import judge
from support.parsed import events_in

PUBLISHED = "2023-01-29"


def test_options_put_the_codebooks_rule_and_the_acts_words_first():
    (strike,) = events_in("Israeli jets carried out an air strike on a depot in Syria on Sunday.")
    assert judge.options(strike)[0] == "Air/drone strike"
    (bomb,) = events_in("A roadside bomb exploded under a bus on Sunday, killing four.")
    assert judge.options(bomb)[0] == "Remote explosive/landmine/IED"
    assert set(judge.options(bomb)) >= {"Attack", "Armed clash"} or len(judge.options(bomb)) == judge.MAX_OPTIONS


def test_the_answer_model_allows_only_the_options():
    model = judge.answer_model(("Attack", "Armed clash"))
    assert model.model_validate({"happened": "yes", "sub_event_type": "Attack"}).event_type == (
        "Violence against civilians"
    )
    try:
        model.model_validate({"happened": "yes", "sub_event_type": "Grenade"})
    except ValueError:
        pass
    else:  # pragma: no cover - the check must refuse it
        raise AssertionError("an option that was not offered was accepted")


def test_figures_take_the_lowest_report_as_best_and_keep_the_highest():
    text = "A civil defence chief said 300 people were killed and a ministry official said 500 were killed."
    got = judge.figures(judge._KILLED, text)
    assert (got.low, got.best, got.high) == (300, 300, 500)
    at_least = judge.figures(judge._KILLED, "At least 14 people were killed in the strike.")
    assert (at_least.low, at_least.best, at_least.high) == (14, 14, None)
    assert judge.figures(judge._KILLED, "There was no word on casualties.") is None


def test_incidents_are_dated_from_their_own_words_and_only_the_news_is_primary():
    events = events_in(
        "Drones attacked a convoy of trucks in eastern Syria on Sunday night. "
        "Israel was behind a strike on a truck convoy in Syria in November. "
        "The November strike killed at least 14 people."
    )
    answers = [judge.EventAnswer(happened="yes", sub_event_type="Air/drone strike")] * len(events)
    drafts = judge.draft_incidents(events, answers, PUBLISHED, lambda names: ("Syria", "Syria") if names else None)
    first, november = drafts.incidents
    assert (first.date.start, first.primary) == ("2023-01-29", True)
    assert (november.date.start, november.date.end, november.primary) == ("2022-11-01", "2022-11-30", False)
    assert november.fatalities.best == 14 and november.evidence == [2, 3]


def test_an_event_the_model_says_did_not_happen_is_no_incident():
    events = events_in("The group threatened to attack the capital.")
    drafts = judge.draft_incidents(
        events, [judge.EventAnswer(happened="no", sub_event_type="Attack")], PUBLISHED, lambda names: None
    )
    assert drafts.incidents == []
    assert dt.date.fromisoformat(PUBLISHED)
