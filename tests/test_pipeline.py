"""Logic of the pipeline with the queue-based FakeModel: re-asks, salvage, drops, checks."""

import copy

import pytest

from conftest import CONVOY, article
from extractor.errors import ExtractionFailed
from extractor.flow.pipeline import extract_article
from extractor.llm.client import LLMClient
from extractor.settings import Settings
from extractor.taxonomy import WarningCode
from support.fakes import FakeModel
from support.quoted import ACTORS, INCIDENTS


def _with(data, path, value):
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def run(*answers, max_attempts=3):
    fake = FakeModel(*answers)
    llm = LLMClient.from_transport(
        fake,
        Settings(
            provider="openai", model="fake", response_format="json_object", max_attempts=max_attempts, evidence="quotes"
        ),
    )
    return extract_article(article(CONVOY), llm), fake


def assert_grounded(doc):
    text = CONVOY.read_text(encoding="utf-8")
    for record in [*doc.incidents, *doc.actors, *doc.attributions]:
        for span in record.evidence:
            assert text[span.start : span.end] == span.quote


def test_clean_answers_give_a_grounded_document_in_two_calls():
    doc, fake = run(INCIDENTS, ACTORS)
    assert len(fake.requests) == 2 and doc.provenance.attempts == 2
    assert [i.id for i in doc.incidents] == ["I1", "I2"] and len(doc.actors) == 3
    assert doc.attributions[0].perpetrator_id == "A1" and doc.attributions[0].source_id == "A2"
    assert doc.incidents[0].target_actor_ids == ["A3"]
    assert doc.incidents[1].fatalities.low == 14
    assert doc.incidents[0].location.text == "the Syrian border region of Boukamal"
    assert doc.warnings == []
    assert doc.provenance.usage.prompt_tokens == 200
    assert (
        fake.requests[0]["response_format"]["type"] == "json_object" and "schema" in fake.requests[0]["response_format"]
    )
    assert_grounded(doc)


def test_a_missing_quote_is_re_asked_by_name_and_the_fix_is_kept():
    bad = _with(
        INCIDENTS, ["incidents", 0, "evidence"], ["Drones attacked a convoy of tanks in Aleppo on Friday morning"]
    )
    doc, fake = run(bad, INCIDENTS, ACTORS)
    assert len(fake.requests) == 3
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "Drones attacked a convoy of tanks in Aleppo on Friday morning" in reask and "not in the article" in reask
    assert doc.provenance.attempts == 3 and doc.warnings == []
    assert doc.incidents[0].evidence[0].alignment == "exact"
    assert_grounded(doc)


def test_a_sub_event_type_outside_its_event_type_is_re_asked():
    bad = _with(INCIDENTS, ["incidents", 0, "event_type"], "Battles")
    doc, fake = run(bad, INCIDENTS, ACTORS)
    reask = fake.requests[1]["messages"][-1]["content"]
    assert '"Air/drone strike" is not a kind of "Battles"' in reask
    assert doc.incidents[0].event_type == "Explosions/Remote violence" and doc.warnings == []


def test_when_attempts_run_out_an_ungrounded_item_is_dropped_with_a_warning():
    bad = _with(INCIDENTS, ["incidents", 1, "evidence"], ["A strike in Tokyo killed forty people in November"])
    doc, fake = run(bad, bad, bad, ACTORS)
    assert len(fake.requests) == 4
    assert [i.summary for i in doc.incidents] == ["Drones struck a truck convoy near Boukamal."]
    assert any(
        w.code == WarningCode.QUOTE_NOT_FOUND and "A strike in Tokyo" in w.message and w.ids == [] for w in doc.warnings
    )  # about the dropped incident: it has no id in the document
    assert any(
        w.code == WarningCode.INCIDENT_UNGROUNDED and "incident I2" in w.message and "dropped" in w.message
        for w in doc.warnings
    )
    assert_grounded(doc)


def test_a_mismatched_type_left_after_the_last_attempt_is_repaired_with_a_warning():
    bad = _with(INCIDENTS, ["incidents", 0, "event_type"], "Battles")
    doc, _ = run(bad, bad, ACTORS, max_attempts=2)
    assert doc.incidents[0].event_type == "Explosions/Remote violence"
    assert any(
        (w.code, w.ids) == (WarningCode.EVENT_TYPE_MISMATCH, ["I1"]) and "event_type was set to" in w.message
        for w in doc.warnings
    )


@pytest.mark.parametrize(
    "path, value, warning, dates",
    [
        # a date the tool cannot read, or one after publication, is repaired, never a reason to drop
        (
            ["incidents", 1, "date"],
            {"start": "2023-03-01", "end": "2023-03-02", "precision": "day"},
            "after the publication date",
            ("2023-01-23", "2023-01-29", "week"),
        ),
        (
            ["incidents", 1, "date"],
            {"start": "2022-11-31", "end": "2022-11-31", "precision": "day"},
            "not a real calendar date",
            ("2022-11-01", "2022-11-30", "month"),
        ),
        (
            ["incidents", 1, "date"],
            {"start": "2023-01-25", "end": "2023-02-12", "precision": "day"},
            "cut at the publication date",
            ("2023-01-25", "2023-01-29", "day"),
        ),
        (
            ["incidents", 1, "date"],
            {"start": "2023-03-01", "end": "2023-03-01", "precision": "day", "text": "in November"},
            'resolved from "in November"',
            ("2022-11-01", "2022-11-30", "month"),
        ),
    ],
)
def test_a_bad_date_is_repaired_and_the_incident_kept(path, value, warning, dates):
    doc, _ = run(_with(INCIDENTS, path, value), ACTORS, max_attempts=1)
    assert any(warning in w.message for w in doc.warnings), doc.warnings
    assert len(doc.incidents) == 2
    date = doc.incidents[1].date
    assert (date.start, date.end, date.precision) == dates


@pytest.mark.parametrize(
    "path, value, warning, figures",
    [
        (
            ["incidents", 1, "fatalities"],
            {"low": 20, "best": 14, "high": None},
            "does not state [20]",
            (None, 14, None),
        ),
        (["incidents", 1, "fatalities"], {"low": 14, "best": None, "high": 14}, None, (14, None, 14)),
        (
            ["incidents", 1, "fatalities"],
            {"low": 30, "best": 30, "high": None},
            "does not state [30]",
            (None, None, None),
        ),
        (["incidents", 0, "fatalities"], {"low": 0, "best": 0, "high": 0}, "does not state [0]", (None, None, None)),
    ],
)
def test_figures_the_article_does_not_state_are_set_to_null(path, value, warning, figures):
    doc, _ = run(_with(INCIDENTS, path, value), ACTORS, max_attempts=1)
    assert warning is None or any(warning in w.message for w in doc.warnings), doc.warnings
    got = doc.incidents[path[1]].fatalities
    assert (got.low, got.best, got.high) == figures


def test_figures_out_of_order_are_read_as_a_range():
    from extractor.flow.assemble import _figures
    from extractor.flow.draft import DraftFigures
    from extractor.flow.ground import Grounder

    issues: list = []
    got = _figures(DraftFigures(low=14, best=9, high=None), "I1", "I1", Grounder("9 or 14 people were killed"), issues)
    assert (got.low, got.best, got.high) == (9, 9, 14) and "low 9, best 9, high 14" in issues[0].message
    assert (issues[0].code, issues[0].ids) == (WarningCode.FIGURES_OUT_OF_ORDER, ["I1"])


def test_a_reversed_date_range_is_swapped():
    bad = _with(INCIDENTS, ["incidents", 1, "date"], {"start": "2022-11-30", "end": "2022-11-01", "precision": "month"})
    doc, _ = run(bad, ACTORS, max_attempts=1)
    assert (doc.incidents[1].date.start, doc.incidents[1].date.end) == ("2022-11-01", "2022-11-30")


def test_unknown_references_are_repaired_or_removed_and_ids_renumbered():
    actors = copy.deepcopy(ACTORS)
    actors["attributions"].append(
        {
            "incident_id": "I7",
            "evidence": ["The November strike hit tanker trucks carrying fuel"],
            "perpetrator_id": "A9",
            "source_id": "A8",
            "kind": "alleged",
            "hedged": False,
        }
    )
    actors["actors"][2]["backed_by"] = ["A8"]
    actors["actors"].insert(
        0, {"id": "A5", "evidence": ["Kremlin officials met in Moscow"], "name": "Kremlin", "kind": "government"}
    )
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert [a.id for a in doc.actors] == [
        "A1",
        "A2",
        "A3",
    ]  # Kremlin is not in the article: dropped, the rest renumbered
    assert doc.attributions[0].perpetrator_id == "A1" and doc.attributions[0].source_id == "A2"
    moved = doc.attributions[2]
    # I7 does not exist: the attribution goes to I2, whose evidence is its own; A9 and A8 are not listed actors
    # and its evidence names none, so it says the perpetrator is unknown, in the article's voice
    assert (moved.incident_id, moved.perpetrator_id, moved.source_id, moved.kind) == ("I2", None, None, "unknown")
    joined = " ".join(w.message for w in doc.warnings)
    assert [w.ids for w in doc.warnings if w.code == WarningCode.ATTRIBUTION_INCIDENT_MOVED] == [["I2"]]
    assert [w.ids for w in doc.warnings if w.code == WarningCode.ACTOR_NOT_NAMED] == [[]]  # dropped: no id
    assert "moved to I2" in joined and "A9" in joined and "A8" in joined and "Kremlin" in joined


def test_an_attribution_whose_perpetrator_is_unlisted_takes_the_one_actor_its_evidence_names():
    actors = _with(ACTORS, ["attributions", 0, "perpetrator_id"], "A7")
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert doc.attributions[0].perpetrator_id == "A1" and doc.attributions[0].kind == "alleged"
    assert any(
        (w.code, w.ids) == (WarningCode.PERPETRATOR_INFERRED, ["I1", "A1"])
        and "set to A1, the one listed actor its evidence names" in w.message
        for w in doc.warnings
    )


def test_repeated_actors_are_merged_and_references_follow():
    actors = copy.deepcopy(ACTORS)
    actors["actors"].append({**actors["actors"][0], "id": "A4"})
    actors["attributions"][0]["perpetrator_id"] = "A4"
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert len(doc.actors) == 3 and any("merged into A1" in w.message for w in doc.warnings)
    assert doc.attributions[0].perpetrator_id == "A1"


def test_a_second_incident_with_a_used_id_gets_a_new_one():
    twice = _with(INCIDENTS, ["incidents", 1, "id"], "I1")
    doc, _ = run(twice, ACTORS, max_attempts=1)
    assert len(doc.incidents) == 2 and any(
        (w.code, w.ids) == (WarningCode.ID_REUSED, ["I2"]) and "the second incident is I2" in w.message
        for w in doc.warnings
    )


def test_an_actor_without_a_found_quote_falls_back_to_its_name():
    actors = _with(ACTORS, ["actors", 2, "evidence"], ["the Iran-backed militia groups of the east"])
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    militias = next(a for a in doc.actors if a.name == "Iran-backed militias")
    assert militias.evidence[0].quote == "Iran-backed militias"


def test_an_answer_that_never_parses_fails_with_the_last_completion_attempts_and_usage():
    with pytest.raises(ExtractionFailed) as failure:
        run("not json at all", "still {not json", max_attempts=2)
    error = failure.value
    assert error.attempts == 2 and error.last_completion == "still {not json"
    assert error.usage == {"prompt_tokens": 200, "completion_tokens": 100, "cached_prompt_tokens": 0}


def test_a_partly_invalid_last_answer_is_salvaged_item_by_item():
    broken = copy.deepcopy(INCIDENTS)
    broken["incidents"][1]["sub_event_type"] = "Cyber attack"
    doc, _ = run(broken, ACTORS, max_attempts=1)
    assert len(doc.incidents) == 1
    assert any("incident 2 does not fit the schema" in w.message for w in doc.warnings)


def test_no_incidents_means_no_second_call():
    doc, fake = run({"incidents": []})
    assert len(fake.requests) == 1 and doc.incidents == [] and doc.actors == []


def test_an_answer_cut_off_at_the_token_cap_keeps_its_complete_items():
    cut = (
        '{"incidents": [' + __import__("json").dumps(INCIDENTS["incidents"][0]) + ', {"id": "I2", "evidence": ["The Nov'
    )
    import httpx2

    from support.fakes import completion

    fake = FakeModel(httpx2.Response(200, json=completion(cut, finish_reason="length")), ACTORS)
    llm = LLMClient.from_transport(
        fake,
        Settings(provider="openai", model="fake", response_format="json_object", max_attempts=2, evidence="quotes"),
    )
    doc = extract_article(article(CONVOY), llm)
    assert len(doc.incidents) == 1 and doc.incidents[0].location.name == "Boukamal"
    assert any("incident 2 does not fit the schema" in w.message for w in doc.warnings)


def test_actor_evidence_must_name_the_actor_else_its_name_is_quoted():
    actors = _with(
        ACTORS, ["actors", 2, "evidence"], ["Drones attacked a convoy of trucks in eastern Syria Sunday night"]
    )
    actors["actors"][2]["mentions"] = ["Iran-backed militiamen", "the Quds Force brigades"]
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    militias = next(a for a in doc.actors if a.name == "Iran-backed militias")
    assert [s.quote for s in militias.evidence] == ["Iran-backed militias"]
    assert militias.mentions == ["Iran-backed militiamen"]
    assert any('does not name "Iran-backed militias"' in w.message for w in doc.warnings)
    assert any("the Quds Force brigades" in w.message for w in doc.warnings)


def test_an_attribution_without_a_perpetrator_becomes_of_kind_unknown():
    actors = _with(ACTORS, ["attributions", 1, "kind"], "reported")
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert len(doc.attributions) == 2
    assert (doc.attributions[1].perpetrator_id, doc.attributions[1].kind) == (None, "unknown")
    assert any('kind "reported" became "unknown"' in w.message for w in doc.warnings)


def test_a_failed_actor_stage_keeps_the_incidents():
    doc, fake = run(INCIDENTS, "I cannot help with that.", "still no JSON", max_attempts=2)
    assert len(fake.requests) == 3 and len(doc.incidents) == 2 and doc.actors == []
    assert any(
        w.code == WarningCode.STAGE_LOST and "actors: the model gave no usable answer after 2 attempts" in w.message
        for w in doc.warnings
    )


def test_raw_control_characters_inside_strings_are_read_as_spaces():
    import json

    text = json.dumps(INCIDENTS).replace("Drones struck a truck convoy", "Drones struck\na truck\tconvoy")
    assert "\n" in text  # a raw newline inside a JSON string: invalid JSON
    doc, fake = run(text, ACTORS, max_attempts=1)
    assert len(fake.requests) == 2 and doc.incidents[0].summary == "Drones struck a truck convoy near Boukamal."


def test_salvage_repairs_what_can_be_cut_or_left_out():
    import json

    from extractor.flow.draft import DraftIncidents
    from extractor.flow.salvage import salvage

    long = _with(INCIDENTS, ["incidents", 0, "summary"], "x" * 500)
    long = _with(long, ["incidents", 0, "targets"], ["convoy", "", "trucks"])
    long = _with(long, ["incidents", 1, "fatalities"], {"low": -3})
    draft, issues = salvage(json.dumps(long), DraftIncidents)
    assert len(draft.incidents) == 2
    assert len(draft.incidents[0].summary) == 160 and draft.incidents[0].targets == ["convoy", "trucks"]
    assert draft.incidents[1].fatalities.low is None  # the bad figure is left out, the incident kept
    assert [i.message.split(" had ")[0] for i in issues] == ["incident 1", "incident 1", "incident 2"]
    assert [(i.code, i.ids) for i in issues] == [(WarningCode.ITEM_REPAIRED, ["I1"])] * 2 + [
        (WarningCode.ITEM_REPAIRED, ["I2"])
    ]


def test_salvage_keeps_valid_items_even_beyond_the_list_bound():
    from extractor.flow.draft import MAX_INCIDENTS, DraftIncidents
    from extractor.flow.salvage import salvage

    many = {
        "incidents": [dict(INCIDENTS["incidents"][0], id=f"I{n}") for n in range(1, MAX_INCIDENTS + 3)]
        + [{"id": "I99"}]
    }
    draft, issues = salvage(__import__("json").dumps(many), DraftIncidents)
    assert len(draft.incidents) == MAX_INCIDENTS + 2
    assert [(i.code, i.ids, i.message) for i in issues] == [
        (
            WarningCode.ITEM_UNFIT,
            [],
            f"incident {MAX_INCIDENTS + 3} does not fit the schema (evidence: Field required); dropped",
        )
    ]


def test_caps_bind_only_the_small_local_model_and_grow_with_the_article():
    from extractor.flow.draft import MAX_ACTORS, Caps, caps_for

    assert caps_for(100_000) == Caps() and Caps().actors == MAX_ACTORS >= 13  # the example gold has 13 actors


def test_the_embedded_provider_is_asked_only_small_questions_over_options_that_exist():
    from extractor.flow.judge import MAX_OPTIONS
    from extractor.taxonomy import SUB_EVENT_TYPES

    fake = FakeModel()  # every question answered as the code proposes
    llm = LLMClient.from_transport(fake, Settings(provider="embedded", response_format="json_object", max_attempts=1))
    doc = extract_article(article(CONVOY), llm)
    kinds = []
    for request in fake.requests:
        properties = request["response_format"]["schema"]["properties"]
        kinds.append("event" if "happened" in properties else "attribution")
        assert set(properties) in ({"happened", "sub_event_type"}, {"answer"})  # no incidents or actors to write
        if "happened" in properties:
            offered = properties["sub_event_type"]["enum"]
            assert 1 <= len(offered) <= MAX_OPTIONS
            assert set(offered) <= {s for subs in SUB_EVENT_TYPES.values() for s in subs}
        else:
            assert request["logprobs"] is True  # the answer's probability is the attribution's confidence
    assert kinds.count("event") == 3 and "attribution" in kinds
    assert doc.incidents[0].summary.startswith("BEIRUT (AP) — Drones attacked a convoy")  # its first sentence
    assert doc.incidents[0].location.country_code == "ZZ"  # until normalisation computes it
    assert all(a.confidence is None or 0 <= a.confidence <= 1 for a in doc.attributions)


@pytest.mark.parametrize(
    ("kind", "path", "value", "check"),
    [
        ("incidents", ["incidents", 0, "date"], None, lambda d: d.incidents[0].date.precision == "week"),
        (
            "incidents",
            ["incidents", 0, "date", "start"],
            "unknown",
            lambda d: d.incidents[0].date.start <= "2023-01-29",
        ),
        (
            "incidents",
            ["incidents", 0, "location", "country_code"],
            "Syria",
            lambda d: d.incidents[0].location.country_code == "ZZ",
        ),
        (
            "incidents",
            ["incidents", 0, "event_type"],
            "Drone war",
            lambda d: d.incidents[0].event_type == "Explosions/Remote violence",
        ),
        ("incidents", ["incidents", 0, "id"], "first", lambda d: d.incidents[0].id == "I1"),
        (
            "actors",
            ["attributions", 0, "perpetrator_id"],
            "US-led coalition",
            lambda d: d.attributions[0].perpetrator_id == "A1",
        ),
        ("actors", ["attributions", 0, "source_id"], "SOHR", lambda d: d.attributions[0].source_id is None),
        ("actors", ["attributions", 0, "incident_id"], "one", lambda d: d.attributions[0].incident_id == "I1"),
        ("actors", ["actors", 2, "evidence"], [], lambda d: d.actors[2].evidence[0].quote == "Iran-backed militias"),
    ],
)
def test_a_broken_required_field_the_tool_computes_gets_a_placeholder_not_a_drop(kind, path, value, check):
    """Salvage keeps the item; assembly then repairs the placeholder with a warning."""
    if kind == "incidents":
        doc, _ = run(_with(INCIDENTS, path, value), ACTORS, max_attempts=1)
        assert len(doc.incidents) == 2
    else:
        doc, _ = run(INCIDENTS, _with(ACTORS, path, value), max_attempts=1)
        assert len(doc.actors) == 3 and len(doc.attributions) == 2
    assert any("repaired to fit the schema" in w.message for w in doc.warnings), doc.warnings
    assert check(doc), doc


def test_a_required_field_with_no_placeholder_drops_the_item_and_says_which_field():
    doc, _ = run(_with(INCIDENTS, ["incidents", 1, "stage"], "maybe"), ACTORS, max_attempts=1)
    assert len(doc.incidents) == 1 and any(
        "incident 2 does not fit the schema (stage:" in w.message for w in doc.warnings
    )


def test_a_null_list_in_the_last_answer_does_not_lose_the_others():
    from extractor.flow.draft import DraftActorsAndAttributions
    from extractor.flow.salvage import salvage

    draft, _ = salvage(__import__("json").dumps({**ACTORS, "targets": None}), DraftActorsAndAttributions)
    assert len(draft.actors) == 3 and len(draft.attributions) == 2 and draft.targets == []


def test_an_item_needing_many_repairs_is_kept():
    from extractor.flow.draft import DraftIncident
    from extractor.flow.salvage import repaired_item

    item = dict(INCIDENTS["incidents"][0], targets=[""] * 6, weapons=[""] * 6)
    value, notes = repaired_item(DraftIncident, item)
    assert value is not None and value.targets == [] and len(notes) == 12


def test_a_claim_without_a_perpetrator_is_the_claimant_s_and_a_reporter_is_never_inferred():
    actors = copy.deepcopy(ACTORS)
    actors["attributions"] = [
        {
            "incident_id": "I1",
            "evidence": ["said the drones appear to have been from the U.S.-led coalition"],
            "perpetrator_id": None,
            "source_id": "A1",
            "kind": "claimed",
            "hedged": False,
        },
        {
            "incident_id": "I1",
            "evidence": ["The Britain-based Syrian Observatory for Human Rights"],
            "perpetrator_id": None,
            "source_id": None,
            "kind": "reported",
            "hedged": False,
        },
    ]
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert (doc.attributions[0].perpetrator_id, doc.attributions[0].kind) == ("A1", "claimed")
    assert (doc.attributions[1].perpetrator_id, doc.attributions[1].kind) == (None, "unknown")  # SOHR is a monitor


def test_a_repeated_attribution_gives_its_evidence_to_the_first():
    actors = copy.deepcopy(ACTORS)
    actors["attributions"].append(dict(actors["attributions"][0], evidence=["from the U.S.-led coalition"]))
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    assert len(doc.attributions) == 2 and len(doc.attributions[0].evidence) == 2
    assert any("repeats T1; its evidence was merged into T1" in w.message for w in doc.warnings)


def test_an_id_both_repeated_and_kept_means_the_actor_kept_under_it():
    actors = copy.deepcopy(ACTORS)
    actors["actors"] = [
        actors["actors"][0],
        {**actors["actors"][0], "id": "A3"},
        actors["actors"][1],
        {**actors["actors"][2], "id": "A3"},
    ]
    actors["targets"] = [{"incident_id": "I1", "actor_id": "A3"}]
    doc, _ = run(INCIDENTS, actors, max_attempts=1)
    militias = next(a for a in doc.actors if a.name == "Iran-backed militias")
    assert doc.incidents[0].target_actor_ids == [militias.id]


@pytest.mark.parametrize("day", ["9999-12-99", "0000-00-00", "2023-13-45"])
def test_dates_beyond_the_calendar_never_raise(day):
    doc, _ = run(
        _with(INCIDENTS, ["incidents", 1, "date"], {"start": day, "end": day, "precision": "day"}),
        ACTORS,
        max_attempts=1,
    )
    assert len(doc.incidents) == 2 and doc.incidents[1].date.end <= "2023-01-30"


def test_a_failing_normalisation_keeps_the_checked_records(monkeypatch):
    import extractor.normalise.document
    from extractor.runs.article import normalised

    doc, _ = run(INCIDENTS, ACTORS, max_attempts=1)
    monkeypatch.setattr(extractor.normalise.document, "normalise", lambda *a, **k: 1 / 0)
    kept = normalised(doc, article(CONVOY))
    assert kept.incidents == doc.incidents and kept.warnings[-1].code == WarningCode.NORMALISE_FAILED
    assert "normalise: failed (ZeroDivisionError" in kept.warnings[-1].message


def test_an_actor_named_across_a_wrapped_line_in_upper_case_is_found():
    from extractor.flow.assemble import _name_span
    from extractor.flow.ground import Grounder

    text = "SANTIAGO, 12 MAY 89 -- SPOKESMAN HERNAN FELIPE\nERRAZURIZ SAID THE BOMB WAS PLACED BY THE FPMR."
    span = _name_span(Grounder(text), ["Hernan Felipe Errazuriz"])[0]
    assert text[span.start : span.end] == span.quote == "HERNAN FELIPE\nERRAZURIZ" and span.alignment == "fuzzy"
    assert _name_span(Grounder(text), ["Hernan Felipe Errazuris"]) == []  # no fuzzy guess for a name


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("I cannot help with that.", 'it answered "I cannot help with that." (not JSON)'),
        ({"incidents": "none"}, "incidents: Input should be a valid"),
    ],
)
def test_a_failure_says_in_one_line_what_came_back_and_why_it_was_refused(answer, said):
    fake = FakeModel(answer)
    with pytest.raises(ExtractionFailed) as failed:
        extract_article(
            article(CONVOY),
            LLMClient.from_transport(
                fake, Settings(provider="openai", model="fake", response_format="json_object", max_attempts=1)
            ),
        )
    line = failed.value.one_line()
    assert said in line and "\n" not in line
    assert "pydantic.dev" not in line and "validation error for" not in line


def test_an_article_where_code_finds_no_event_asks_nothing_and_is_done():
    from extractor.articles.load import article_from_text

    fake = FakeModel()
    llm = LLMClient.from_transport(fake, Settings(provider="embedded", response_format="json_object", max_attempts=1))
    doc = extract_article(article_from_text("The minister opened a new school on Monday.", "school", "s.txt"), llm)
    assert doc.incidents == [] and fake.requests == [] and doc.provenance.attempts == 0


def test_an_event_whose_sentences_name_no_place_is_placed_in_the_country_the_article_names_most():
    from extractor.articles.load import article_from_text

    text = (
        "Gunmen killed five villagers on Monday. "
        "Kenya's interior minister visited the village on Tuesday. "
        "Kenya's police are looking for the gunmen, a spokesman for Kenya's police said."
    )
    fake = FakeModel()  # every question answered as the code proposes
    llm = LLMClient.from_transport(fake, Settings(provider="embedded", response_format="json_object", max_attempts=1))
    doc = extract_article(article_from_text(text, "villagers", "v.txt", published="2024-03-05"), llm)
    assert doc.incidents and doc.incidents[0].evidence[0].quote.startswith("Gunmen killed five villagers")
    assert doc.incidents[0].location.country == "Kenya"
