"""Names of possible actors in a sentence (extractor.flow.names): the options of the attribution
questions. Pure logic, no model."""

import pytest

from extractor.flow.names import names_in
from extractor.normalise.actors import Registry, RegistryEntry


def found(text, registry=None):
    return [(n.shown, n.name) for n in names_in(text, registry)]


def test_capitalised_names_with_the_group_noun_that_follows():
    assert found("reports emerged that pro-Iranian groups had shelled areas") == [
        ("pro-Iranian groups", "pro-Iranian groups")
    ]
    assert found("Later, the U.S.-led coalition and Aviv Kochavi spoke.", Registry([])) == [
        ("the U.S.-led coalition", "U.S.-led coalition"),
        ("Aviv Kochavi", "Aviv Kochavi"),
    ]


def test_a_registry_name_inside_a_longer_phrase_names_the_actor():
    registry = Registry([RegistryEntry("US-led coalition", "external_forces", "US", ["U.S.-led coalition"])])
    assert found("Later, the U.S.-led coalition struck.", registry) == [
        ("the U.S.-led coalition", "U.S.-led coalition")
    ]


def test_upper_case_text_offers_phrases_ending_in_a_group_noun_without_leading_quantifiers_or_adjectives():
    assert found(
        "THE NATIONAL POLICE REPORTED TODAY THAT THE FMLN GUERRILLAS ATTACKED, WHICH THE CHIEF DENIED ONLY LATER",
        Registry([]),
    ) == [("NATIONAL POLICE", "NATIONAL POLICE"), ("FMLN GUERRILLAS", "FMLN")]
    assert found(
        "AT LEAST SIX FMLN GUERRILLAS AND HEAVILY ARMED SOLDIERS CLASHED WITH THE SALVADORAN ARMED FORCES", Registry([])
    ) == [("FMLN GUERRILLAS", "FMLN"), ("SOLDIERS", "SOLDIERS"), ("SALVADORAN ARMED FORCES", "SALVADORAN ARMED FORCES")]


def test_upper_case_text_finds_known_groups_by_the_registry_and_never_a_two_letter_word():
    registry = Registry(
        [
            RegistryEntry("Shining Path", "rebel_group", "PE", ["Sendero Luminoso"]),
            RegistryEntry("Islamic State", "rebel_group", None, ["IS", "ISIS"]),
        ]
    )
    assert found("POLICE SAID IT IS THE SHINING PATH", registry) == [
        ("POLICE", "POLICE"),
        ("SHINING PATH", "SHINING PATH"),
    ]
    assert found("The attack, claimed by IS, and by ISIS", registry) == [("IS", "IS"), ("ISIS", "ISIS")]


def test_acronyms_in_the_registry_match_only_as_written():
    registry = Registry([RegistryEntry("National Liberation Army (Colombia)", "rebel_group", "CO", ["ELN"])])
    assert found("the eln was", registry) == []
    assert found("the ELN was", registry) == [("the ELN", "ELN")]


@pytest.mark.parametrize(
    ("shown", "name"),
    [
        ("FMLN guerrillas", "FMLN"),
        ("IRGC forces", "IRGC"),
        ("Shining Path terrorists", "Shining Path"),
        ("Iraqi forces", "Iraqi forces"),
        ("Salvadoran troops", "Salvadoran troops"),
        ("Kurdish fighters", "Kurdish fighters"),
        ("Syrian government forces", "Syrian government forces"),
        ("pro-Iranian groups", "pro-Iranian groups"),
    ],
)
def test_a_trailing_member_noun_is_left_out_of_the_actor_name_only_when_the_rest_is_a_name(shown, name):
    assert found(f"Yesterday {shown} moved.", Registry([])) == [(shown, name)]


def test_a_possessive_with_a_role_is_the_representative_not_the_state():
    assert found(
        "Israel’s military chief of staff strongly suggested that Israel was behind a strike", Registry([])
    ) == [("Israel’s military chief of staff", "Israel’s military chief of staff"), ("Israel", "Israel")]


def test_a_lone_nationality_adjective_before_a_noun_is_no_name():
    assert found("Syrian opposition activists and Iraqi officials said Iran was behind it.", Registry([])) == [
        ("Iraqi officials", "Iraqi officials"),
        ("Iran", "Iran"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "ALLEGED TERRORISTS TODAY KILLED THE MAYOR.",
        "URBAN GUERRILLAS ATTACKED THE BASE.",
        "Unidentified gunmen opened fire on the bus.",
        "FOUR HOODED INDIVIDUALS BROKE INTO THE HOUSE AND MEMBERS FLED.",
    ],
)
def test_member_nouns_that_name_nobody_are_not_offered(text):
    assert found(text, Registry([])) == []


def test_a_description_just_before_a_registry_name_gives_way_to_the_name():
    registry = Registry([RegistryEntry("Shining Path", "rebel_group", "PE", [])])
    assert found("WHO ARE PRESUMABLY MEMBERS OF THE MAOIST TERRORIST ORGANIZATION SHINING PATH.", registry) == [
        ("SHINING PATH", "SHINING PATH")
    ]


def test_a_phrase_ending_in_a_group_noun_is_never_a_place():
    # "Police" is also a town in Poland: a gazetteer hit alone does not make the police a place
    def is_place(name):
        return name.casefold() in {"police", "huancayo"}

    assert [
        n.shown
        for n in names_in("THE POLICE HAVE REPORTED IN HUANCAYO THAT THE ARMY ATTACKED.", Registry([]), is_place)
    ] == ["POLICE", "ARMY"]


def test_a_name_written_only_after_a_locative_word_is_a_place_there():
    text = "Drones attacked a convoy in eastern Syria after it crossed into Iraq, as Syrian activists and Iran said."
    assert found(text, Registry([])) == [("Iran", "Iran")]  # Syria and Iraq are where; "Drones" names nobody
    # "from" is no locative word: the drones may be from whoever sent them
    assert found("The drones appear to have been from the U.S.-led coalition.", Registry([])) == [
        ("the U.S.-led coalition", "U.S.-led coalition")
    ]
    assert found("Syria blamed Israel for the strike in Syria.", Registry([])) == [
        ("Syria", "Syria"),
        ("Israel", "Israel"),
    ]
