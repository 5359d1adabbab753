"""Attributions found by cue and asked small (extractor.flow.cues, extractor.flow.attribute): the lexicon,
the candidates, the questions' options, and what code decides from the answers. Logic tests with
the queue-based FakeModel (hand-written answers)."""

from types import SimpleNamespace

import pytest

from conftest import CONVOY, article
from support.fakes import FakeModel
from extractor.flow.attribute import answer_model, questions
from extractor.flow.cues import candidates, cue_of, hedges_in
from extractor.flow.ground import Grounder
from extractor.llm.client import LLMClient
from extractor.flow.pipeline import extract_article
from extractor.articles.sentences import numbered
from extractor.settings import Settings
from support.cited import INCIDENTS
from extractor.schema import Span

EMBEDDED = Settings(provider="embedded", response_format="json_object", max_attempts=1)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("It was not immediately clear who was behind the attack on the convoy.", "unknown"),
        ("No group has claimed responsibility for the blast.", "unknown"),
        ("The Islamic State group claimed responsibility in a statement.", "claimed"),
        ("Hamas denied any role in the attack.", "denied"),
        ("The government blamed rebels for the bombing.", "alleged"),
        ("The monitor said the drones appear to have been from the coalition.", "alleged"),
        ("Police said gunmen opened fire on the bus.", "reported"),
        ("According to witnesses, the attack took place near the oil field.", "reported"),
        ("The strike hit six trucks.", None),
        ("SHE IS THE SECOND MAYOR KILLED THIS WEEK BY ALLEGED COMMANDOS OF THE SHINING PATH.", "alleged"),
        ("The assassins are presumably members of the organization.", "alleged"),
        ("The attack was carried out by urban commandos.", "reported"),  # an act's agent, in the article's voice
        ("He was killed last night by the army.", "reported"),
        ("They stood by the road.", None),
        ("THE ARMED FORCES HAS BEEN SHELLING DENSELY POPULATED AREAS.", "reported"),  # an act in the article's voice
        ("Rebels ambushed a patrol near the border.", "reported"),
        ("A patrol was ambushed near the border.", None),  # a passive names nobody without its "by"
    ],
)
def test_each_cue_proposes_its_kind(sentence, kind):
    assert (cue_of(sentence) or (None,))[0] == kind


def test_a_sentence_just_before_an_incidents_evidence_is_its_own_unless_an_earlier_incident_speaks_on():
    found = numbered(
        "Police reported that alleged terrorists killed the mayor. She was shot five times. "
        "Troops clashed in the south. The army said rebels started it."
    )
    got = candidates([("I1", [2]), ("I2", [4])], found)
    # sentence 1 precedes I1's evidence (a small model often cites the sentence after the event);
    # sentence 3 precedes I2's but follows I1's, and the earlier incident keeps it
    assert [(c.incident_id, c.sentence.number) for c in got] == [("I1", 1), ("I2", 4)]


def test_the_events_own_sentence_carries_its_hedges():
    text = (
        "THE POLICE STOPPED 8,000 CARS IN THE SEARCH FOR ASSASSINS, WHO ARE PRESUMABLY MEMBERS OF THE "
        "MAOIST TERRORIST ORGANIZATION SHINING PATH. THE MINISTER WAS SHOT."
    )
    grounder = Grounder(text, sentences=numbered(text))
    incident = SimpleNamespace(
        id="I1", evidence=[Span(quote=text[:40], start=0, end=40, alignment="exact")]
    )  # questions read these two
    asked, _ = questions([incident], [], grounder)
    (q,) = asked
    assert q.candidate.hedges == ("PRESUMABLY",) and q.candidate.kind == "alleged"
    # the description before the registry's name is not offered, and the name after the cue comes first
    assert [o.name for o in q.options] == ["SHINING PATH", "POLICE"]


@pytest.mark.parametrize(
    ("text", "cue", "kind", "perpetrators"),
    [
        (
            "THE POLICE HAVE REPORTED THAT ALLEGED TERRORISTS KILLED THE MAYOR.",
            "REPORTED",
            "reported",
            [],
        ),  # the speaker reports
        ("HER CHILDREN TOLD POLICE THAT FOUR HOODED INDIVIDUALS BROKE IN.", "TOLD", "reported", []),  # the one told
        (
            "The Islamic State group claimed responsibility, Amaq said.",
            "claimed responsibility",
            "claimed",
            ["Islamic State group", "Amaq"],
        ),
        ("Officials blamed Hamas for the attack.", "blamed", "alleged", ["Hamas"]),  # who blames is a speaker too
    ],
)
def test_a_question_offers_as_perpetrators_neither_the_speaker_nor_the_one_told(text, cue, kind, perpetrators):
    from extractor.flow.attribute import Option, Question, _likeliest_first
    from extractor.flow.cues import Candidate
    from extractor.flow.names import names_in
    from extractor.articles.sentences import Sentence

    candidate = Candidate("I1", Sentence(1, 0, len(text), text), kind, cue, ())
    options = _likeliest_first([Option(n.shown, None, n.name) for n in names_in(text)], candidate)
    assert [o.name for o in Question(candidate, tuple(options)).perpetrators] == perpetrators


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("IN SANTA TECLA, THE FMLN-FDR CLAIMED RESPONSIBILITY FOR IT.", "FMLN-FDR"),  # an acronym no finder knows
        ("Hamas has denied any role in the attack.", "Hamas"),
        ("UNIDENTIFIED MEN LATER CLAIMED RESPONSIBILITY.", None),  # names nobody
    ],
)
def test_who_claims_or_denies_is_the_subject_before_the_verb_and_is_offered(text, claimant):
    grounder = Grounder(text, sentences=numbered(text))
    incident = SimpleNamespace(id="I1", evidence=[Span(quote=text[:20], start=0, end=20, alignment="exact")])
    asked, _ = questions([incident], [], grounder, is_place=lambda name: False)
    offered = [o.name for q in asked for o in q.options]
    assert (claimant in offered) if claimant else not asked
    if claimant:
        assert asked[0].options[0].name == claimant  # the nearest before a claim's verb comes first


def test_hedges_are_words_the_code_finds():
    assert hedges_in("the drones appear to have been from the U.S.-led coalition") == ("appear to",)
    assert hedges_in("Israel's chief strongly suggested that Israel was behind it") == ("suggested",)
    assert hedges_in("Rebels attacked the base.") == ()


def test_a_sentence_goes_to_the_incident_before_it_until_the_next_incidents_evidence():
    found = numbered(
        "A base was hit. The army said rebels did it. Troops clashed in the south. "
        "It was not clear who started it. Officials blamed the militia."
    )
    got = candidates([("I1", [1]), ("I2", [3])], found)
    assert [(c.incident_id, c.sentence.number, c.kind) for c in got] == [
        ("I1", 2, "reported"),
        ("I2", 4, "unknown"),
        ("I2", 5, "alleged"),
    ]


def test_answers_are_enumerations_of_the_options_shown():
    model = answer_model(("A1", "N1"))
    schema = model.model_json_schema()
    assert schema["properties"]["perpetrator"]["enum"] == ["A1", "N1", "none"]
    assert schema["properties"]["source"]["enum"] == ["A1", "N1", "article"]


def plan(doc_incidents):
    convoy = article(CONVOY)
    grounder = Grounder(convoy.searchable_text, raw=convoy.text, sentences=numbered(convoy.searchable_text))
    return questions(doc_incidents, [], grounder)


def test_the_embedded_model_answers_small_questions_and_code_makes_the_attributions():
    # First a run that answers "none" to every question, to learn which questions are asked.
    probe = FakeModel(INCIDENTS, *[{"perpetrator": "none", "source": "article"}] * 8)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(probe, EMBEDDED))
    asked = [r for r in probe.requests if "who is said to be behind incident" in r["messages"][-1]["content"]]
    assert 1 <= len(asked) <= 3 and all(r["max_tokens"] <= 64 for r in asked)
    assert [t.kind for t in doc.attributions] == ["unknown"]  # sentence 4 needs no question; "none" attributes nothing
    assert doc.attributions[0].evidence[0].quote.startswith("It was not immediately clear who")
    alleged = next(i for i, r in enumerate(asked) if "Sentence [5]" in r["messages"][-1]["content"])
    properties = asked[alleged]["response_format"]["schema"]["properties"]
    # names, as written; the Observatory is the speaker ("... Observatory ... said"), so no perpetrator
    assert properties["perpetrator"]["enum"] == ["the U.S.-led coalition", "none"]
    assert properties["source"]["enum"] == [
        "the U.S.-led coalition",
        "Britain-based Syrian Observatory for Human Rights",
        "article",
    ]
    assert asked[alleged]["messages"][:1] == probe.requests[0]["messages"][:1]  # the shared prefix
    assert len(probe.requests) == 1 + len(asked)  # no large actors answer is asked of a small model
    assert "Actors: armed groups" not in probe.requests[0]["messages"][1]["content"]  # nor its rules shown

    answers = [{"perpetrator": "none", "source": "article"}] * len(asked)
    answers[alleged] = {
        "perpetrator": "the U.S.-led coalition",
        "source": "Britain-based Syrian Observatory for Human Rights",
    }
    fake = FakeModel(INCIDENTS, *answers)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED))
    by_id = {a.id: a for a in doc.actors}
    (t,) = [t for t in doc.attributions if t.kind == "alleged"]
    assert by_id[t.perpetrator_id].name == "U.S.-led coalition" and t.hedged is True
    assert by_id[t.source_id].name == "Britain-based Syrian Observatory for Human Rights"
    assert t.evidence[0].quote.startswith("The Britain-based Syrian Observatory") and t.evidence[0].alignment == "exact"
    assert by_id[t.perpetrator_id].evidence[0].quote == "the U.S.-led coalition"
    assert any("added: an attribution names it" in w for w in doc.warnings)


def test_a_source_that_names_the_perpetrator_has_claimed_it():
    incidents = {"incidents": [INCIDENTS["incidents"][0], {**INCIDENTS["incidents"][1], "id": "I2", "evidence": [13]}]}
    probe = FakeModel(incidents, *[{"perpetrator": "none", "source": "article"}] * 8)
    extract_article(article(CONVOY), LLMClient.from_transport(probe, EMBEDDED))
    asked = [
        r["messages"][-1]["content"]
        for r in probe.requests
        if "who is said to be behind incident" in r["messages"][-1]["content"]
    ]
    at = next(i for i, text in enumerate(asked) if "Sentence [13]" in text)
    answers = [{"perpetrator": "none", "source": "article"}] * len(asked)
    answers[at] = {
        "perpetrator": "Israel",
        "source": "Israel’s military chief of staff",
    }  # Israel, according to Israel's military chief
    doc = extract_article(article(CONVOY), LLMClient.from_transport(FakeModel(incidents, *answers), EMBEDDED))
    (t,) = [t for t in doc.attributions if t.incident_id == "I2"]
    assert t.kind == "claimed" and t.hedged is True  # "strongly suggested"
    assert {a.id: a.name for a in doc.actors}[t.perpetrator_id] == "Israel"


def test_a_question_without_a_usable_answer_is_skipped_and_the_rest_kept():
    probe = FakeModel(INCIDENTS, *["not json"] * 8)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(probe, EMBEDDED))
    assert doc.incidents and [t.kind for t in doc.attributions] == ["unknown"]
    assert any("attribution question on sentence" in w and "skipped" in w for w in doc.warnings)


def test_capable_models_are_not_asked_the_small_questions():
    from support.cited import ACTORS

    fake = FakeModel(INCIDENTS, ACTORS)
    doc = extract_article(article(CONVOY), LLMClient.from_transport(fake, EMBEDDED.with_(provider="openai", model="m")))
    assert len(fake.requests) == 2 and len(doc.attributions) == 2


def test_a_small_model_on_a_server_can_be_asked_small_too():
    from extractor.settings import resolve

    assert resolve({}, {}).asks_small and not resolve({"base_url": "http://127.0.0.1:9/v1"}, {}).asks_small
    served = resolve({"base_url": "http://127.0.0.1:9/v1"}, {"EXTRACTOR_SMALL_MODEL": "1"})
    assert served.asks_small and served.params()["small_model"] is True
    probe = FakeModel(INCIDENTS)
    extract_article(article(CONVOY), LLMClient.from_transport(probe, served.with_(model="m")))
    assert any("who is said to be behind incident" in r["messages"][-1]["content"] for r in probe.requests)
    with pytest.raises(Exception, match="EXTRACTOR_SMALL_MODEL must be 1 or 0"):
        resolve({}, {"EXTRACTOR_SMALL_MODEL": "maybe"})


@pytest.mark.parametrize(
    ("text", "cue", "expected"),
    [
        (
            "The Britain-based Syrian Observatory for Human Rights said the drones were from the coalition.",
            "said",
            "Britain-based Syrian Observatory for Human Rights",
        ),
        ("The strike was carried out by the coalition, according to Tasnim.", "according to", "Tasnim"),
        ("Tasnim reported that the Army, later, shelled the town.", "reported", "Tasnim"),
        ("The Army shelled the town, killing two, residents said.", "said", None),
        (
            "Last month, Israel’s military chief of staff strongly suggested that Israel was behind a strike.",
            "behind a strike",
            "Israel’s military chief of staff",
        ),
        (
            "The Britain-based Syrian Observatory for Human Rights said the drones appear to have been from the coalition.",
            "appear to have been",
            "Britain-based Syrian Observatory for Human Rights",
        ),  # the speech verb is not the cue
    ],
)
def test_the_speaker_is_read_from_the_cue_grammar(text, cue, expected):
    from extractor.flow.attribute import Option, Question, speaker
    from extractor.flow.cues import Candidate
    from extractor.flow.names import names_in
    from extractor.articles.sentences import Sentence

    sentence = Sentence(1, 0, len(text), text)
    options = tuple(Option(n.shown, None, n.name) for n in names_in(text))
    assert speaker(Question(Candidate("I1", sentence, "reported", cue, ()), options)) == expected


def test_a_source_answered_as_the_perpetrator_again_or_as_the_article_gives_way_to_the_speaker():
    probe = FakeModel(INCIDENTS, *[{"perpetrator": "none", "source": "article"}] * 8)
    extract_article(article(CONVOY), LLMClient.from_transport(probe, EMBEDDED))
    asked = [
        r["messages"][-1]["content"]
        for r in probe.requests
        if "who is said to be behind incident" in r["messages"][-1]["content"]
    ]
    at = next(i for i, text in enumerate(asked) if "Sentence [5]" in text)
    for source in ("the U.S.-led coalition", "article"):
        answers = [{"perpetrator": "none", "source": "article"}] * len(asked)
        answers[at] = {"perpetrator": "the U.S.-led coalition", "source": source}
        doc = extract_article(article(CONVOY), LLMClient.from_transport(FakeModel(INCIDENTS, *answers), EMBEDDED))
        (t,) = [t for t in doc.attributions if t.kind == "alleged"]
        assert {a.id: a.name for a in doc.actors}[t.source_id] == "Britain-based Syrian Observatory for Human Rights"
