"""Event types (extractor.event_typing): ACLED's mechanical rules in code, the small typing
questions, and "not political violence" removing an incident. Logic tests with the queue-based
FakeModel (hand-written answers)."""

from collections import Counter

import pytest

from conftest import CONVOY, article
from fakes import FakeModel
from extractor import event_typing
from extractor.event_typing import checked, ordered, refined, ruled
from extractor.llm import LLMClient
from extractor.pipeline import extract_article
from extractor.settings import Settings
from extractor.taxonomy import EVENT_TYPE_OF, EVENT_TYPES, SUB_EVENT_TYPES
from test_citations import INCIDENTS, _incident

EMBEDDED = Settings(provider="embedded", response_format="json_object", max_attempts=1)
CAPABLE = Settings(provider="openai", model="m", response_format="json_object", max_attempts=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("Israeli air defences intercepted a missile fired from Syria.", "Disrupted weapons use"),
    ("Police defused a bomb planted near the market.", "Disrupted weapons use"),
    ("A drone was shot down over the base.", "Disrupted weapons use"),
    ("A suicide bomber blew himself up at a checkpoint, and rockets hit the town.", "Suicide bomb"),
    ("Activists said chlorine gas was used in the attack on Douma.", "Chemical weapon"),
    ("Warplanes pounded rebel positions overnight.", "Air/drone strike"),
    ("Drones attacked a convoy of trucks in eastern Syria.", "Air/drone strike"),
    ("Gunmen opened fire on a bus.", None),
])
def test_the_codebooks_mechanical_rules(text, expected):
    decided = ruled(text)
    assert (decided[1] if decided else None) == expected
    if decided:
        assert EVENT_TYPE_OF[decided[1]] == decided[0]


@pytest.mark.parametrize(("event", "text", "expected"), [
    ("Protests", "Police fired tear gas to disperse the marchers.", "Protest with intervention"),
    ("Protests", "Security forces opened fire on protesters, killing three.", "Excessive force against protesters"),
    ("Protests", "Thousands marched peacefully through the capital.", "Peaceful protest"),
    ("Explosions/Remote violence", "A grenade was thrown into the crowd.", "Grenade"),
    ("Explosions/Remote violence", "Fighters fired a rocket-propelled grenade at the tank.", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "A roadside bomb hit a patrol.", "Remote explosive/landmine/IED"),
    ("Battles", "Rebels clashed with the army; a grenade was thrown.", "Armed clash"),
])
def test_within_the_models_event_type_the_words_decide_the_sub_type(event, text, expected):
    assert refined(event, "Shelling/artillery/missile attack" if event.startswith("Explosions") else "Armed clash"
                   if event == "Battles" else None, text) == expected


def test_a_capable_models_typing_is_checked_and_a_change_noted():
    assert checked("Battles", "Armed clash", "Rebels clashed with troops.") == ("Battles", "Armed clash", None)
    event, sub, note = checked("Battles", "Armed clash", "Warplanes struck rebel positions.")
    assert (event, sub) == ("Explosions/Remote violence", "Air/drone strike") and "codebook" in note


def test_options_are_ordered_by_the_text_so_no_option_is_always_first():
    options = (*EVENT_TYPES, event_typing.NOT_VIOLENCE)
    assert ordered(options, "one text") == ordered(options, "one text")  # runs repeat
    firsts = Counter(ordered(options, f"snippet {n}")[0] for n in range(700))
    assert set(firsts) == set(options) and max(firsts.values()) < 2 * 700 / len(options)


def test_every_type_has_a_definition():
    assert set(event_typing.EVENT_DEFINITIONS) == {*EVENT_TYPES, event_typing.NOT_VIOLENCE}
    assert set(event_typing.SUB_EVENT_DEFINITIONS) == {s for subs in SUB_EVENT_TYPES.values() for s in subs}


def _typing_requests(fake):
    return [r for r in fake.requests if r["response_format"]["schema"].get("title") == "TypeAnswer"]


def test_a_small_model_is_asked_the_type_where_no_rule_decides_and_the_sub_type_after():
    incidents = {"incidents": [_incident(1, [1]), _incident(2, [13], sub="Armed clash", event="Battles")]}
    fake = FakeModel(incidents, {"type": "Violence against civilians"}, {"type": "Attack"})
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    typing = _typing_requests(fake)
    assert len(typing) == 2  # I1 ("Drones attacked a convoy") is decided by the air-strike rule
    assert "incident I2" in typing[0]["messages"][-1]["content"] and "not political violence" in typing[0]["messages"][-1]["content"]
    assert set(typing[1]["response_format"]["schema"]["properties"]["type"]["enum"]) == set(SUB_EVENT_TYPES["Violence against civilians"])
    assert [(i.event_type, i.sub_event_type) for i in doc.incidents] == [
        ("Explosions/Remote violence", "Air/drone strike"), ("Violence against civilians", "Attack")]


def test_not_political_violence_removes_the_incident_with_a_warning():
    incidents = {"incidents": [_incident(1, [1]), _incident(2, [13], sub="Armed clash", event="Battles")]}
    fake = FakeModel(incidents, {"type": event_typing.NOT_VIOLENCE})
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    assert len(doc.incidents) == 1 and doc.incidents[0].sub_event_type == "Air/drone strike"
    assert any("removed: not political violence" in w for w in doc.warnings)


def test_an_unusable_typing_answer_keeps_the_incidents_own_type():
    incidents = {"incidents": [_incident(1, [1]), _incident(2, [13], sub="Armed clash", event="Battles")]}
    fake = FakeModel(incidents, {"type": "Earthquake"}, {"type": "Armed clash"})
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    assert [(i.event_type, i.sub_event_type) for i in doc.incidents][1] == ("Battles", "Armed clash")
    assert any("event type not settled by its question" in w for w in doc.warnings)


def test_a_capable_model_is_asked_no_typing_question_and_its_typing_is_checked():
    from test_citations import ACTORS

    incidents = {"incidents": [_incident(1, [1], sub="Armed clash", event="Battles"), _incident(2, [16, 17])]}
    fake = FakeModel(incidents, ACTORS)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, CAPABLE))
    assert not _typing_requests(fake) and len(fake.requests) == 2
    assert (doc.incidents[0].event_type, doc.incidents[0].sub_event_type) == ("Explosions/Remote violence", "Air/drone strike")
    assert any("codebook" in w for w in doc.warnings)


def test_the_fake_answers_typing_questions_with_the_incidents_own_type():
    fake = FakeModel(INCIDENTS)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    assert [(i.event_type, i.sub_event_type) for i in doc.incidents] == [("Explosions/Remote violence", "Air/drone strike")] * 2
