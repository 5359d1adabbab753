"""Event types (extractor.flow.event_typing): ACLED's mechanical rules in code, for every provider.
Logic tests with the queue-based FakeModel (hand-written answers)."""

import pytest

from conftest import CONVOY, article
from extractor.flow.event_typing import checked, kept, refined, ruled
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.settings import Settings
from extractor.taxonomy import EVENT_TYPE_OF
from support.cited import incident as _incident
from support.fakes import FakeModel

EMBEDDED = Settings(provider="embedded", response_format="json_object", max_attempts=1)
CAPABLE = Settings(provider="openai", model="m", response_format="json_object", max_attempts=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Israeli air defences intercepted a missile fired from Syria.", "Disrupted weapons use"),
        ("Police defused a bomb planted near the market.", "Disrupted weapons use"),
        ("A drone was shot down over the base.", "Disrupted weapons use"),
        ("A suicide bomber blew himself up at a checkpoint, and rockets hit the town.", "Suicide bomb"),
        ("Activists said chlorine gas was used in the attack on Douma.", "Chemical weapon"),
        ("Warplanes pounded rebel positions overnight.", "Air/drone strike"),
        ("Drones attacked a convoy of trucks in eastern Syria.", "Air/drone strike"),
        ("Bomb-carrying drones targeted a factory.", "Air/drone strike"),
        ("Gunmen opened fire on a bus.", None),
        ("A bomb planted by the Taliban hit an army patrol, killing 3 soldiers.", "Remote explosive/landmine/IED"),
        ("A vehicle was hit by a Taliban-planted IED.", "Remote explosive/landmine/IED"),
        ("A roadside bomb killed two policemen.", "Remote explosive/landmine/IED"),
    ],
)
def test_the_codebooks_mechanical_rules(text, expected):
    decided = ruled(text)
    assert (decided[1] if decided else None) == expected
    if decided:
        assert EVENT_TYPE_OF[decided[1]] == decided[0]


@pytest.mark.parametrize(
    ("event", "text", "expected"),
    [
        ("Protests", "Police fired tear gas to disperse the marchers.", "Protest with intervention"),
        ("Protests", "Security forces opened fire on protesters, killing three.", "Excessive force against protesters"),
        ("Protests", "Thousands marched peacefully through the capital.", "Peaceful protest"),
        ("Explosions/Remote violence", "A grenade was thrown into the crowd.", "Grenade"),
        (
            "Explosions/Remote violence",
            "Fighters fired a rocket-propelled grenade at the tank.",
            "Shelling/artillery/missile attack",
        ),
        ("Explosions/Remote violence", "A roadside bomb hit a patrol.", "Remote explosive/landmine/IED"),
        ("Battles", "Rebels clashed with the army; a grenade was thrown.", "Armed clash"),
    ],
)
def test_within_the_models_event_type_the_words_decide_the_sub_type(event, text, expected):
    assert (
        refined(
            event,
            "Shelling/artillery/missile attack"
            if event.startswith("Explosions")
            else "Armed clash"
            if event == "Battles"
            else None,
            text,
        )
        == expected
    )


def test_a_capable_models_typing_is_checked_and_a_change_noted():
    assert checked("Battles", "Armed clash", "Rebels clashed with troops.") == ("Battles", "Armed clash", None)
    event, sub, note = checked("Battles", "Armed clash", "Warplanes struck rebel positions.")
    assert (event, sub) == ("Explosions/Remote violence", "Air/drone strike") and "codebook" in note


def test_a_small_models_events_are_typed_from_the_options_the_words_propose():
    fake = FakeModel()  # each event question answered with the first option offered
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    asked = [r for r in fake.requests if "possible event" in r["messages"][-1]["content"]]
    assert asked and "Air/drone strike" in asked[0]["messages"][-1]["content"]
    assert (doc.incidents[0].event_type, doc.incidents[0].sub_event_type) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )


def test_a_capable_models_typing_is_checked_in_its_flow():
    from support.cited import ACTORS

    incidents = {"incidents": [_incident(1, [1], sub="Armed clash", event="Battles"), _incident(2, [16, 17])]}
    fake = FakeModel(incidents, ACTORS)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, CAPABLE))
    assert len(fake.requests) == 2
    assert (doc.incidents[0].event_type, doc.incidents[0].sub_event_type) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )
    assert any("codebook" in w.message for w in doc.warnings)


@pytest.mark.parametrize(
    ("event", "sub", "text", "expected"),
    [
        ("Violence against civilians", "Abduction/forced disappearance", "Gunmen shot dead two farmers.", "Attack"),
        (
            "Violence against civilians",
            "Abduction/forced disappearance",
            "Gunmen kidnapped two farmers.",
            "Abduction/forced disappearance",
        ),
        ("Strategic developments", "Agreement", "Police patrolled the market.", "Other"),
        ("Strategic developments", "Arrests", "Police detained five men.", "Arrests"),
    ],
)
def test_a_sub_type_that_names_an_act_needs_a_word_for_it(event, sub, text, expected):
    assert refined(event, sub, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Police said weapons and ammunition were seized from two hostels during the raids.", "Disrupted weapons use"),
        ("Soldiers found a cache of explosives near the airport.", "Disrupted weapons use"),
        ("Activists said a helicopter dropped containers of toxic gas on the town.", "Chemical weapon"),
    ],
)
def test_weapons_seized_before_use_and_poison_gas_are_ruled(text, expected):
    assert ruled(text)[1] == expected


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Militants attacked an army checkpoint, killing two soldiers.", "Armed clash"),
        ("Gunmen shot dead three farmers in their fields.", "Attack"),
        ("Government forces captured the town after a week of fighting.", "Government regains territory"),
        ("Rebels seized the district headquarters on Monday.", "Non-state actor overtakes territory"),
        ("The Turkish army established a new base near the border.", "Headquarters or base established"),
        ("Fighters left their last stronghold under an evacuation deal.", "Non-violent transfer of territory"),
        ("Protesters threw stones at the police and torched two cars.", "Violent demonstration"),
        ("Police fired tear gas to disperse the protesters.", "Protest with intervention"),
        ("Thousands of people marched through the capital.", "Peaceful protest"),
        ("A roadside bomb struck a bus.", "Remote explosive/landmine/IED"),
        ("Police used smoke grenades to break up the rally.", "Protest with intervention"),
        ("An angry mob beat the suspect to death.", "Mob violence"),
        ("The two sides signed a ceasefire agreement.", "Agreement"),
        ("Gunmen attacked a Protestant church, killing 24 worshippers.", "Attack"),
    ],
)
def test_the_words_propose_the_most_specific_sub_type_first(text, first):
    from extractor.flow.event_typing import proposed

    assert proposed(text)[0] == first


@pytest.mark.parametrize(
    ("text", "instead"),
    [
        (
            "A strong earthquake killed eight people and damaged 1,300 buildings, officials said.",
            "a disaster or an accident",
        ),
        ("Four workers were hurt when a tank exploded at a gas plant.", "a disaster or an accident"),
        ("Russia expelled 60 diplomats and closed the consulate.", "diplomacy"),
        ("Border guards detained 34 people smuggled in a lorry.", "crime"),
        ("The Security Council condemned the ballistic missile tests and vowed new sanctions.", "diplomacy"),
        ("Seven workers were hurt when a furnace at a cast iron plant exploded.", "a disaster or an accident"),
        # political violence beside such words stays
        ("Militants attacked the embassy with grenades.", None),
        ("Rebels shelled the refinery, starting a fire.", None),
        ("Police arrested opposition activists outside the ministry.", None),
        ("Gunmen opened fire on a bus, killing five.", None),
        ("Drug traffickers shot dead a judge outside his home.", None),
        ("The embassy denied that its security chief masterminded the assassination of a Contra commander.", None),
        ("The Security Council condemned the attack and vowed new sanctions.", "diplomacy"),
        ("Firefighters fought the blaze at the factory for hours.", "a disaster or an accident"),
    ],
)
def test_a_disaster_diplomacy_or_crime_without_political_violence_is_recognised(text, instead):
    from extractor.flow.event_typing import not_political

    assert not_political(text) == instead


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        # a generic answer gives way to a word naming a more specific act
        (
            ("Violence against civilians", "Attack"),
            "Gunmen kidnapped two aid workers.",
            "Abduction/forced disappearance",
        ),
        (("Battles", "Armed clash"), "A roadside bomb hit a patrol.", "Remote explosive/landmine/IED"),
        # a supported specific answer stands
        (("Strategic developments", "Arrests"), "Police arrested ten people after the blast.", "Arrests"),
        # an answer the words do not support gives way to one they propose, within its event type first
        (("Battles", "Non-state actor overtakes territory"), "Troops clashed with rebels.", "Armed clash"),
        # the crowd's words decide among protest and riot sub-types
        (
            ("Protests", "Peaceful protest"),
            "Protesters hurled stones and police fired tear gas.",
            "Violent demonstration",
        ),
        (
            ("Riots", "Violent demonstration"),
            "Security forces opened fire on protesters, killing three.",
            "Excessive force against protesters",
        ),
        # an attack on armed men is a battle
        (
            ("Violence against civilians", "Attack"),
            "Boko Haram militants attacked a military post, killing two soldiers.",
            "Armed clash",
        ),
        (("Violence against civilians", "Attack"), "Gunmen shot dead three farmers in their fields.", "Attack"),
        # no word for any sub-type: the model's typing stands
        (("Battles", "Armed clash"), "Something happened near the town.", "Armed clash"),
    ],
)
def test_the_models_typing_is_checked_against_the_proposed_words(model, text, expected):
    event, sub, note = checked(*model, text)
    assert sub == expected and EVENT_TYPE_OF[sub] == event
    assert (note is None) == ((event, sub) == model)


def test_an_incident_whose_evidence_is_not_political_violence_is_removed_with_a_warning():
    from extractor.articles.load import article_from_text

    text = (
        "A strong earthquake struck the coastal province on Monday, killing eight people, officials said. "
        "Rescue teams searched the rubble through the night."
    )
    disaster = article_from_text(text, "quake", "quake.txt")
    fake = FakeModel()  # the small model says the killing happened: the codebook's words say it is a disaster
    doc = extract_article(disaster, LLMClient.from_transport(fake, EMBEDDED))
    assert doc.incidents == [] and doc.attributions == []
    assert any("not political violence" in w.message and "disaster" in w.message for w in doc.warnings)
    assert len(fake.requests) == 1  # one event question; none about a removed incident


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        # the cited sentence holds no word of violence; the article speaks of an epidemic and of nothing violent
        (
            "Covid-19 infections have started to rise again in the province. After a steady decline, the caseload has begun "
            "climbing once again, officials said.",
            True,
        ),
        # the same kind of sentence in an article about an attack stays
        (
            "Gunmen attacked a market in the province, killing five people. After a steady decline, the number has begun "
            "climbing once again, officials said.",
            False,
        ),
    ],
)
def test_evidence_without_a_word_of_violence_is_judged_by_its_article(text, removed):
    from extractor.articles.load import article_from_text
    from support.cited import ACTORS

    # a capable model cites the sentence itself (a small model's events are found in the words)
    fake = FakeModel({"incidents": [_incident(1, [2], sub="Attack", event="Violence against civilians")]}, ACTORS)
    doc = extract_article(article_from_text(text, "a", "a.txt"), LLMClient.from_transport(fake, CAPABLE))
    assert (doc.incidents == []) == removed
    assert any("not political violence" in w.message for w in doc.warnings) == removed


def test_an_attack_on_armed_men_is_the_battle_the_codebook_calls_it_whatever_option_the_model_took():
    sniper = "1 soldier was killed by a Taliban sniper in Kapisa."
    assert kept("Violence against civilians", "Attack", sniper)[:2] == ("Battles", "Armed clash")
    for civilians in (
        "Gunmen opened fire on a market, killing 5 shoppers.",
        "Police blamed the rebels for the attack on a convoy of trucks in which one person was killed.",
        "Gunmen attacked a concert hall. She reminded readers that the US had fought the group for years.",
    ):
        assert kept("Violence against civilians", "Attack", civilians) == ("Violence against civilians", "Attack", None)
