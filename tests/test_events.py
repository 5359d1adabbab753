"""Events found by code in the parse (extractor.flow.events): which words are acts, which acts
are one event, and what code gives each event. Logic tests over short hand-written texts (no
model), parsed by the real English pipeline."""

from __future__ import annotations

import pytest

from extractor.flow import judge
from extractor.flow.events import background, mentions
from support.parsed import events_in, parsed


def numbers(events) -> list[list[int]]:
    return [[s.number for s in e.sentences] for e in events]


def test_the_strike_and_the_attack_refer_back_to_the_event_told_first():
    events = events_in(
        "Drones attacked a convoy of trucks in eastern Syria on Sunday night. "
        "The strike comes amid tension in the region. "
        "It was not clear who was behind the attack on the convoy."
    )
    assert numbers(events) == [[1, 2, 3]]


def test_an_act_dated_apart_or_told_as_hours_before_is_another_event():
    events = events_in(
        "Drones attacked a convoy of trucks in eastern Syria on Sunday night. "
        "The attack came hours after drones targeted a defense factory in the city of Isfahan. "
        "Israel was behind a strike on a truck convoy in Syria in November. "
        "The November strike hit tanker trucks."
    )
    assert numbers(events) == [[1, 2], [2], [3, 4]]
    assert events[2].times[0][1].words == "in November"
    assert not background(events[0], events[0])


def test_possible_and_generic_acts_are_no_events_and_a_threat_is_one_of_stage_threatened():
    assert events_in("Rebels could strike again. The army has in the past shelled hundreds of villages.") == []
    (threat,) = events_in("The group threatened to attack the capital.")
    assert threat.stage == "threatened"  # the model is asked whether it happened


def test_a_negated_act_starts_nothing():
    assert events_in("There was no attack on the village on Sunday.") == []


def test_a_headline_joins_the_event_its_lead_tells():
    events = events_in(
        "Gunmen kill 17 soldiers in Mali\n\n"
        "Gunmen killed 17 soldiers and wounded 35 in an attack overnight on an army camp in central Mali."
    )
    assert numbers(events) == [[1, 2]]


def test_an_act_told_in_a_clause_about_someone_is_not_what_the_attack_names_later():
    events = events_in(
        "A suicide bomber attacked a hospital on Sunday, killing 70 people who had gathered to mourn a lawyer, "
        "who was shot dead earlier today. "
        "The attack was claimed by two groups."
    )
    # the shooting is an event of its own; "the attack" is the bombing's
    assert [3] not in numbers(events)
    assert any(2 in n and 1 in n for n in numbers(events))


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Troops foiled an attack on the base on Sunday.", "attempted"),
        ("Rebels attacked the base on Sunday.", "accomplished"),
    ],
)
def test_the_stage_comes_from_the_grammar(text, stage):
    (event,) = events_in(text)
    assert event.stage == stage


def test_an_acts_arguments_are_read_from_the_parse():
    found = mentions(*parsed("Rebels ambushed a patrol near Gao on Sunday."))
    (m,) = [m for m in found if m.lemma == "ambush"]
    assert m.agent == "Rebels" and m.patient.startswith("a patrol")
    assert [t.words for t in m.times] == ["on Sunday"]


def test_what_an_act_did_and_the_act_it_followed_are_one_event_dated_by_its_opening_words():
    events = events_in(
        "On 20 March 2020, 1 commander was killed and 2 were wounded following an attack by Taliban militants "
        "in Argo district."
    )
    assert len(events) == 1
    assert [t.words for _, t in events[0].times][0] == "20 March 2020"
    assert "protest" not in events[0].families  # "March" is a month


def test_a_year_and_a_weapon_in_an_acts_name_date_and_name_it():
    events = events_in(
        "Rebels attacked a convoy on Sunday. A 2019 car bomb attack at the police academy killed 22 people."
    )
    assert len(events) == 2
    assert [t.words for _, t in events[1].times] == ["2019"] and "explosion" in events[1].families


def test_an_act_by_another_actor_in_the_same_sentence_is_another_event():
    events = events_in(
        "Gunmen attacked an army camp in the town on Tuesday. "
        "The rebels said they attacked the camp to respond to the deadly attacks by the army on their villages."
    )
    by_army = [e for e in events if any(m.agent and "army" in m.agent for m in e.mentions)]
    assert len(by_army) == 1 and all("army" in (m.agent or "") for m in by_army[0].mentions)
    assert len(events) == 2
    # one actor named twice is still one act
    (one,) = events_in("Gunmen attacked a camp in the town on Tuesday, and the gunmen then attacked its gate.")
    assert len(one.mentions) == 2


def test_plural_acts_told_as_done_are_events_and_those_told_in_general_are_not():
    (clash,) = [
        e for e in events_in("Border clashes entered their seventh day on Thursday.") if e.families == {"clash"}
    ]
    assert clash.mentions[0].lemma == "clash"
    assert events_in("Azerbaijani forces launched missiles and destroyed artillery batteries.")
    (protest,) = events_in(
        "Hundreds of thousands of peaceful protesters returned to the streets of Hong Kong on Sunday."
    )
    assert protest.families == {"protest"}
    assert events_in("The group has carried out attacks against the government.") == []
    assert events_in("Rebels often stage attacks in the region.") == []


def families(events) -> list[list[str]]:
    return [sorted({m.family for m in e.mentions}) for e in events]


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("About 10,000 rebel fighters have defected to the president's faction.", "change"),
        ("The Turkish army has set up its 11th observation point in Idlib province.", "base"),
        ("The government and the communist rebels have agreed to resume the peace talks.", "agreement"),
        ("A swathe of territory was handed over by Armenian forces to Azerbaijani control.", "transfer"),
        ("Two firearms and several rounds of ammunition were seized during the incident.", "disrupted"),
        ("Groups of youths confronted police in Dutch towns.", "riot"),
    ],
)
def test_a_strategic_development_told_alone_is_an_event(text, family):
    (event,) = events_in(text)
    assert event.mentions[0].family == family  # "the incident" may refer back to it


def test_a_strategic_development_beside_violence_is_its_context_not_another_event():
    text = "Militants attacked a village near the border. Troops set up checkpoints after the attack."
    assert families(events_in(text)) == [["any"]]
    assert events_in("Analysts agree that the economy will grow.") == []  # no armed men, no object: no act
    assert events_in("The minister opened a new school.") == []


def test_a_weapon_found_or_stopped_is_no_explosion_and_thrown_stones_and_blowing_up_are_acts():
    (stopped,) = events_in("A bomb has been found near the house, and another device was intercepted by police.")
    assert stopped.families == {"disrupted"}
    assert families(events_in("Protesters hurled rocks at security forces blocking a road.")) == [["protest", "riot"]]
    assert families(events_in("A container full of explosives blew up in Kandahar.")) == [["explosion"]]
    assert families(events_in("Riot police dispersed the protesters with tear gas.")) == [["protest"]]


def test_a_strategic_development_is_offered_only_the_types_its_words_name():
    (defection,) = events_in("About 10,000 rebel fighters have defected to the president's faction.")
    assert judge.options(defection) == ("Change to group/activity",)
    (attack,) = events_in("Militants attacked a village near the border.")
    assert "Attack" in judge.options(attack) and "Armed clash" in judge.options(attack)


def test_an_attack_foreseen_or_feared_is_no_event_and_storming_a_building_is_one():
    assert events_in("US officials said they had warned Russia about an imminent attack earlier in March.") == []
    assert events_in("The army feared an attack on the base. Analysts see possible strikes ahead.") == []
    assert families(events_in("Gunmen stormed a concert hall near Moscow on Friday.")) == [["attack"]]


def test_a_headline_dated_as_its_lead_joins_its_event_and_a_month_is_no_place():
    text = (
        "UN Investigating Brutal November Massacre in Haiti\n\n"
        "U.N. officials are investigating a bloody November massacre in Port-au-Prince, Haiti, that left 21 men dead. "
        "Gang members shot the victims in the La Saline neighborhood."
    )
    (massacre,) = events_in(text)
    assert "November" not in massacre.places
    done = "Militants executed a suicide bombing at the hospital today. The regime executed two prisoners."
    assert [m.lemma for m in mentions(*parsed(done))] == ["bombing", "execute"]  # the first only carries its act out


def test_an_act_told_with_the_name_of_an_earlier_event_is_that_event_however_far_back():
    text = (
        "Gunmen killed 17 soldiers in an attack on an army camp in central Mali on Tuesday. "
        "It was not clear who had attacked the city of Nampala. "
        "Rebels attacked a police station in Gao last month. "
        "The group’s leaders have since moved south. "
        "Another group said it had carried out the Nampala attack."
    )
    assert numbers(events_in(text)) == [[1, 2, 5], [3]]  # not the attack told last
