"""Event types (extractor.event_typing): ACLED's mechanical rules in code, for every provider.
Logic tests with the queue-based FakeModel (hand-written answers)."""

import pytest

from conftest import CONVOY, article
from fakes import FakeModel
from extractor.event_typing import checked, refined, ruled
from extractor.llm import LLMClient
from extractor.pipeline import extract_article
from extractor.settings import Settings
from extractor.taxonomy import EVENT_TYPE_OF
from test_citations import _incident

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
    ("Bomb-carrying drones targeted a factory.", "Air/drone strike"),
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


def test_a_small_models_typing_is_checked_by_the_same_rules():
    incidents = {"incidents": [_incident(1, [1], sub="Armed clash", event="Battles")]}
    fake = FakeModel(incidents)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    assert len(fake.requests) == 1 + sum("who is said to be behind" in r["messages"][-1]["content"] for r in fake.requests)
    assert (doc.incidents[0].event_type, doc.incidents[0].sub_event_type) == ("Explosions/Remote violence", "Air/drone strike")


def test_a_capable_models_typing_is_checked_in_its_flow():
    from test_citations import ACTORS

    incidents = {"incidents": [_incident(1, [1], sub="Armed clash", event="Battles"), _incident(2, [16, 17])]}
    fake = FakeModel(incidents, ACTORS)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, CAPABLE))
    assert len(fake.requests) == 2
    assert (doc.incidents[0].event_type, doc.incidents[0].sub_event_type) == ("Explosions/Remote violence", "Air/drone strike")
    assert any("codebook" in w for w in doc.warnings)


@pytest.mark.parametrize(("event", "sub", "text", "expected"), [
    ("Violence against civilians", "Abduction/forced disappearance", "Gunmen shot dead two farmers.", "Attack"),
    ("Violence against civilians", "Abduction/forced disappearance", "Gunmen kidnapped two farmers.", "Abduction/forced disappearance"),
    ("Strategic developments", "Agreement", "Police patrolled the market.", "Other"),
    ("Strategic developments", "Arrests", "Police detained five men.", "Arrests"),
])
def test_a_sub_type_that_names_an_act_needs_a_word_for_it(event, sub, text, expected):
    assert refined(event, sub, text) == expected
