"""Who said who did it (extractor.flow.frames, extractor.flow.attribute): the statements read in
the sentences' structure, their ties to incidents, the checks that keep a wrong accusation out,
the questions asked and the records made. Logic tests over short hand-written sentences parsed
by the real English pipeline, and the pipeline's small-model path against the queue-based fake
model (hand-written answers)."""

from __future__ import annotations

import pytest

from extractor.articles.parse import parse
from extractor.articles.sentences import numbered
from extractor.flow import attribute
from extractor.flow.frames import Statement, statements
from extractor.flow.ground import Grounder
from extractor.flow.phrases import Name, names_in_sentence
from extractor.schema import Incident

PLACES = {"Quetta", "Kerman", "Gao"}


def said(text: str) -> list[tuple]:
    """(kind, perpetrator, source, hedged) of every statement in `text`."""
    doc = parse(text)
    sentences = numbered(text, starts=[s.start_char for s in doc.sents])
    return [
        (s.kind, s.perpetrator.name if s.perpetrator else None, s.source.name if s.source else None, s.hedged)
        for s in statements(doc, sentences, PLACES.__contains__)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Islamic State claimed responsibility for the attack.", ("claimed", "Islamic State", "Islamic State")),
        ("The Taliban denied any role in the bombing.", ("denied", "Taliban", "Taliban")),
        (
            "President Ashraf Ghani blamed the Islamic State group for the bombing.",
            ("alleged", "Islamic State", "Ashraf Ghani"),
        ),
        ("The opposition accused the army of the killings.", ("alleged", "army", "opposition")),
        (
            "The information minister said the attack was carried out by the Houthis.",
            ("alleged", "Houthis", "information minister"),
        ),
        ("The attack was carried out by the Houthis.", ("reported", "Houthis", None)),
        (
            "Palestinian health authorities said the blast was caused by an Israeli air strike.",
            ("alleged", "Israel", "Palestinian health authorities"),
        ),
        (
            "Police have said the violence was believed to have been carried out by Fulani herdsmen.",
            ("alleged", "Fulani herdsmen", "Police"),
        ),
        ("It was not immediately clear who was behind the attack.", ("unknown", None, None)),
        ("A soldier was killed by a sniper in the Faqiran Kaji area.", ("reported", "sniper", None)),
        (
            "National police chief Director General Oscar Albayalde said it was not clear who was behind the attack.",
            ("unknown", None, "Oscar Albayalde"),
        ),
        (
            "Reuters could not independently verify who was responsible for the blast.",
            ("unknown", None, None),
        ),
    ],
)
def test_each_frame_gives_its_statement(text, expected):
    assert expected in [s[:3] for s in said(text)]


def test_an_admission_told_as_what_reports_say_is_no_claim():
    text = "The association said reports it had admitted involvement in the clashes were nothing but utter falsehood."
    assert not [s for s in said(text) if s[0] == "claimed"]


def test_hedges_are_read_from_the_words():
    (statement,) = [s for s in said("The minister said the attack could have been carried out by the rebels.")]
    assert statement[0] == "alleged" and statement[3] is True


def test_a_quote_is_its_speakers_and_he_is_the_last_person_who_spoke():
    text = (
        "Daoud Shehab, a spokesman for Islamic Jihad, told Reuters: \u201cThis is a lie. "
        "The occupation is trying to cover for the massacre they committed.\u201d "
        "Michel Gedeon said the army killed the men. He blamed the rebels for the raid."
    )
    found = said(text)
    assert ("alleged", "rebels", "Michel Gedeon") in [s[:3] for s in found]


def test_a_quoted_accusation_is_its_subjects_and_one_told_as_a_habit_is_none():
    # the rebels (not the speaker) blamed the army, and they did it "in the past": about earlier events
    found = said(
        "\u201cThe rebels have, in the past, attacked civilians in the town and blamed the army, but they failed,\u201d "
        "army spokesman Ahmed Salem said on Wednesday."
    )
    assert not [s for s in found if s[1] == "army"]
    found = said(
        "\u201cThe rebels have attacked civilians in the town and blamed the army,\u201d army spokesman Ahmed Salem said."
    )
    assert [s[:3] for s in found if s[1] == "army"] == [("alleged", "army", "rebels")]  # never the speaker's


def test_we_in_a_quote_names_the_speakers_group():
    found = said(
        "Houthi official Mohammad al-Bakhiti told Al Jazeera: \u201cWe have nothing to do with the attack.\u201d"
    )
    kinds = {s[0] for s in found}
    assert "denied" in kinds


def test_a_weapons_maker_a_place_a_date_and_a_document_never_act():
    found = said(
        "Three Katyusha rockets hit the base. The Quetta bombing killed 70. "
        "A statement said Sunday's violence was believed to be the work of bandits."
    )
    names = {s[1] for s in found} | {s[2] for s in found}
    assert not names & {"Katyusha", "Quetta", "Sunday", "statement"}


def _incident(iid: str = "I1", targets=()) -> Incident:
    return Incident.model_validate(
        {
            "id": iid,
            "summary": "Gunmen attacked the town.",
            "event_type": "Violence against civilians",
            "sub_event_type": "Attack",
            "stage": "accomplished",
            "primary": True,
            "date": {"start": "2023-01-29", "end": "2023-01-29", "precision": "day"},
            "location": {"name": "Gao", "country": "Mali", "country_code": "ML", "precision": "place"},
            "targets": list(targets),
            "evidence": [{"quote": "Gunmen", "start": 0, "end": 6, "alignment": "exact"}],
        }
    )


def _statement(kind, perpetrator, source=None, number=1, hedged=False, **more) -> Statement:
    sentence = numbered("Gunmen attacked the town.")[0]

    def name(n):
        return Name(n, n, 0, len(n), "ORG") if n else None

    return Statement(sentence if number == 1 else sentence, kind, name(perpetrator), name(source), hedged, "x", **more)


def test_a_statement_is_tied_to_the_incident_whose_act_it_names_else_to_the_one_its_sentence_tells():
    named = _statement("alleged", "rebels", "army", about=[5])
    plain = _statement("claimed", "rebels", "rebels")
    linked, notes = attribute.link(
        [named, plain], [_incident("I1"), _incident("I2")], {"I1": {1}, "I2": {2}}, {"I2": [(4, 9)]}
    )
    assert [(x.statement.kind, x.incident_id) for x in linked] == [("alleged", "I2"), ("claimed", "I1")]
    assert notes == []


def test_a_planted_bomb_is_told_by_its_sentence_and_an_act_by_its_own_word():
    text = "A bomb planted by the Taliban hit a military patrol, killing 3 soldiers. Gunmen attacked a school."
    doc = parse(text)
    found = statements(doc, numbered(text, starts=[s.start_char for s in doc.sents]), PLACES.__contains__)
    by_cue = {s.cue: s for s in found}
    assert by_cue["planted"].perpetrator.name == "Taliban" and not by_cue["planted"].on_act  # linked by its sentence
    assert by_cue["attacked"].on_act  # only the attack it names


def test_the_checks_keep_out_the_target_the_media_a_description_and_a_fact_beside_ignorance():
    statements_ = [
        attribute.Linked(_statement("alleged", "the villagers", "army"), "I1"),
        attribute.Linked(_statement("alleged", "Reuters", "army"), "I1"),
        attribute.Linked(_statement("reported", "gunmen"), "I1"),
        attribute.Linked(_statement("unknown", None), "I1"),
        attribute.Linked(_statement("reported", "Al-Shabaab"), "I1"),
        attribute.Linked(_statement("alleged", "Gao", "army"), "I1"),
        attribute.Linked(_statement("claimed", "Al-Shabaab", "Al-Shabaab"), "I1"),
    ]
    kept, notes = attribute.checked(statements_, {"I1": ["the villagers"]}, {"I1": {"gao", "mali"}})
    assert [(k.statement.kind, k.statement.perpetrator and k.statement.perpetrator.name) for k in kept] == [
        ("unknown", None),
        ("claimed", "Al-Shabaab"),
    ]
    assert len(notes) == 5


def test_the_question_offers_the_frames_perpetrator_first_and_never_the_speaker_of_a_report():
    linked = attribute.Linked(_statement("alleged", "Houthis", "minister"), "I1")
    (question,) = attribute.questions([linked], lambda s: ["minister", "Yemeni government", "Houthis"])
    assert question.options == ("Houthis", "Yemeni government", "nobody")
    text = attribute.question_text(question, _incident())
    assert "does minister say" in text
    assert attribute.questions([attribute.Linked(_statement("claimed", "IS", "IS"), "I1")], lambda s: []) == []


def test_the_question_never_offers_the_incidents_target():
    linked = attribute.Linked(_statement("reported", "Taliban", None), "I1")
    names = lambda s: ["Taliban", "Afghan military patrol", "Kandahar police", "soldiers"]  # noqa: E731
    (question,) = attribute.questions([linked], names, {"I1": ["an Afghan military patrol", "2 soldiers"]})
    assert question.options == ("Taliban", "Kandahar police", "nobody")


def test_records_one_actor_per_name_with_its_words_and_a_speaker_for_his_group_claims():
    text = "Israel's military chief said Israel was behind the strike."
    grounder = Grounder(text, sentences=numbered(text))
    sentence = grounder.sentences[1]
    chief = Name("Israel's military chief", "Israel's military chief", 0, 23, "NORP")
    israel = Name("Israel", "Israel", 29, 35, "GPE")
    statement = Statement(sentence, "alleged", israel, chief, False, "behind")
    found, actors, _ = attribute.attributions_from([(attribute.Linked(statement, "I1"), 0.8)], grounder)
    (record,) = found
    assert record.kind == "claimed" and record.confidence == 0.8
    assert [a.name for a in actors] == ["Israel", "Israel's military chief"]
    assert all(text[s.start : s.end] == s.quote for a in actors for s in a.evidence)


def test_a_persons_surname_after_his_full_name_is_the_same_source():
    text = "Uhuru Kenyatta said hatemongers did it. Later Kenyatta blamed hatemongers again."
    grounder = Grounder(text, sentences=numbered(text))
    first, second = grounder.sentences[1], grounder.sentences[2]
    full = Name("Uhuru Kenyatta", "Uhuru Kenyatta", 0, 14, "PERSON")
    surname = Name("Kenyatta", "Kenyatta", 46, 54, "PERSON")
    them = [Name("hatemongers", "hatemongers", 20, 31), Name("hatemongers", "hatemongers", 62, 73)]
    said_twice = [
        (attribute.Linked(Statement(first, "alleged", them[0], full, False, "said"), "I1"), 0.9),
        (attribute.Linked(Statement(second, "alleged", them[1], surname, False, "blamed"), "I1"), 0.7),
    ]
    found, actors, _ = attribute.attributions_from(said_twice, grounder)
    assert [(a.name, a.mentions) for a in actors] == [("hatemongers", []), ("Uhuru Kenyatta", ["Kenyatta"])]
    (record,) = found  # one statement told twice, with both sentences as evidence
    assert len(record.evidence) == 2
    assert not attribute.same_person("Kenyatta", "Kenyatta Mwangi") and not attribute.same_person("John", "Kenyatta")
    assert attribute.same_person("Kenyatta", "Uhuru Kenyatta")  # whatever label the parser gave
    assert not attribute.same_person("Police", "Manipur Police") and not attribute.same_person("FRONT", "FMLN FRONT")


def test_a_common_noun_is_no_place_though_a_town_shares_its_name():
    text = "Police have said the attack was believed to have been carried out by Fulani herdsmen."
    doc = parse(text)
    sentences = numbered(text, starts=[s.start_char for s in doc.sents])
    is_place = {"Police", "Naga"}.__contains__  # Police is a town in Poland
    found = statements(doc, sentences, is_place)
    assert [(s.kind, s.source.name if s.source else None) for s in found] == [("alleged", "Police")]


def test_names_in_a_sentence_are_its_actors_not_its_dates():
    text = "On Sunday the army said the Islamic State attacked Gao."
    doc = parse(text)
    (sentence,) = numbered(text, starts=[s.start_char for s in doc.sents])
    names = names_in_sentence(doc, sentence, PLACES.__contains__)
    assert "Islamic State" in names and "Sunday" not in names and "Gao" not in names
