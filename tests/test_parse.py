"""The parse (extractor.articles.parse): the pinned English pipeline checked before use, offsets
kept, capitals read, and its sentence boundaries used for a small model's numbered sentences."""

from __future__ import annotations

import pytest

from extractor.articles import parse as parsing
from extractor.articles.sentences import numbered
from extractor.errors import ModelUnavailableError


def test_the_pipeline_is_the_release_it_was_measured_with():
    nlp = parsing.nlp()
    assert nlp.meta["version"] == parsing.MODEL_VERSION
    assert {"parser", "ner", "lemmatizer"} <= set(nlp.pipe_names)


def test_a_pipeline_with_other_files_is_refused(monkeypatch):
    parsing.nlp.cache_clear()
    monkeypatch.setattr(parsing, "MODEL_SHA256", "0" * 64)
    try:
        with pytest.raises(ModelUnavailableError, match="not the release"):
            parsing.nlp()
    finally:
        monkeypatch.undo()
        parsing.nlp.cache_clear()


def test_the_parse_keeps_every_offset_and_reads_masked_text_as_spaces():
    text = "Rebels attacked\x00\x00\x00 the town. Troops withdrew."
    doc = parsing.parse(text)
    assert len(doc.text) == len(text)
    assert all(text[t.idx : t.idx + len(t.text)] == t.text for t in doc if not t.is_space)


def test_a_text_in_capitals_is_parsed_in_lower_case_with_its_sentence_starts_capitalised():
    text = "GUERRILLAS ATTACKED THE POWER STATION. THE ARMY SAID FIVE DIED."
    readable = parsing.readable(text)
    assert len(readable) == len(text)
    assert readable.startswith("Guerrillas attacked the power station. The army")
    lemmas = {t.lemma_ for t in parsing.parse(text)}
    assert "attack" in lemmas


def test_numbered_sentences_follow_the_parsers_boundaries_and_blank_lines():
    text = "Headline without a stop\n\nDrones hit a convoy in the U.S. zone on Sunday. Nobody claimed it."
    doc = parsing.parse(text)
    sentences = numbered(text, starts=[s.start_char for s in doc.sents])
    assert [s.shown for s in sentences] == [
        "Headline without a stop",
        "Drones hit a convoy in the U.S. zone on Sunday.",
        "Nobody claimed it.",
    ]
