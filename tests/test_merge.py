"""One incident per event across articles: cases that must merge and cases that must not."""

from __future__ import annotations

import pytest

from extractor.normalise.document import normalise
from extractor.normalise.merge import MergedDataset, figure_range, merge_documents
from extractor.schema import Figures
from support.normalise_fixtures import CONVOY_TEXT, OILFIELD_TEXT, convoy_document, make_doc, oilfield_document

TEXT = "Drones struck a depot in the town. A second strike hit the town. Protesters gathered in the square."
STRIKE = "Drones struck a depot in the town"


def _day(day: str) -> dict:
    return {"start": day, "end": day, "precision": "day"}


def _article(article_id: str, published: str = "2023-01-30", **incident) -> object:
    incident.setdefault("quote", STRIKE)
    return make_doc(article_id, TEXT, published, [incident])


def _groups(dataset: MergedDataset) -> list[set[tuple[str, str]]]:
    return [{(s.article_id, s.incident_id) for s in e.sources} for e in dataset.incidents]


def test_one_strike_reported_twice_merges_with_every_source_attribution_and_figure():
    actors = [
        {"id": "A1", "name": "Syrian Observatory for Human Rights", "kind": "monitor"},
        {"id": "A2", "name": "US-led coalition", "kind": "external_forces", "country_code": "US"},
    ]
    first = make_doc(
        "ap",
        TEXT,
        "2023-01-30",
        [{"quote": STRIKE, "date": _day("2023-01-29"), "fatalities": {"low": 3, "high": 5}}],
        actors,
        [
            {
                "id": "T1",
                "incident_id": "I1",
                "perpetrator_id": "A2",
                "source_id": "A1",
                "kind": "alleged",
                "hedged": True,
                "evidence": [],
            }
        ],
    )
    second = make_doc(
        "reuters",
        TEXT,
        "2023-01-30",
        [
            {
                "quote": STRIKE,
                "date": {"start": "2023-01-28", "end": "2023-01-29", "precision": "day"},
                "sub_event_type": "Shelling/artillery/missile attack",
                "fatalities": {"best": 7},
                "location": {"name": "Abu Kamal", "latitude": 34.46, "longitude": 40.93, "precision": "near"},
            }
        ],
        [],
        [
            {
                "id": "T1",
                "incident_id": "I1",
                "perpetrator_id": None,
                "source_id": None,
                "kind": "unknown",
                "hedged": False,
                "evidence": [],
            }
        ],
    )
    dataset = merge_documents([first, second])
    (event,) = dataset.incidents
    assert {s.article_id for s in event.sources} == {"ap", "reuters"}
    assert (event.fatalities.low, event.fatalities.best, event.fatalities.high) == (3, None, 7)
    assert (event.date.start, event.date.end) == ("2023-01-29", "2023-01-29")  # where the reports agree
    assert event.location.precision == "place"  # the finer of the two
    kinds = {(a.article_id, a.perpetrator.name, a.source and a.source.name, a.kind) for a in event.attributions}
    assert kinds == {
        ("ap", "US-led coalition", "Syrian Observatory for Human Rights", "alleged"),
        ("reuters", "Unidentified Armed Group (Syria)", None, "unknown"),
    }


def test_two_strikes_on_the_same_town_a_day_apart_stay_apart():
    dataset = merge_documents([_article("a", date=_day("2023-01-28")), _article("b", date=_day("2023-01-29"))])
    assert len(dataset.incidents) == 2


@pytest.mark.parametrize(
    ("change", "merged"),
    [
        ({"location": {"name": "Al Mayadin", "latitude": 35.01982, "longitude": 40.45154}}, False),  # ~75 km away
        (
            {"location": {"name": "Hasrat", "latitude": 34.55, "longitude": 40.92, "precision": "place"}},
            False,
        ),  # 11 km, both place
        (
            {"location": {"name": "Hasrat", "latitude": 34.55, "longitude": 40.92, "precision": "near"}},
            True,
        ),  # 11 km, near
        (
            {
                "location": {
                    "name": "Al Qaim",
                    "country": "Iraq",
                    "country_code": "IQ",
                    "latitude": 34.45,
                    "longitude": 40.92,
                }
            },
            False,
        ),
        ({"event_type": "Protests", "sub_event_type": "Peaceful protest"}, False),
        (
            {"event_type": "Strategic developments", "sub_event_type": "Disrupted weapons use"},
            True,
        ),  # one outlet: intercepted
        (
            {"location": {"name": "Deir ez-Zor", "precision": "region", "latitude": 35.3, "longitude": 40.1}},
            True,
        ),  # same admin1
        (
            {
                "location": {
                    "name": "Syria",
                    "precision": "country",
                    "admin1": None,
                    "latitude": None,
                    "longitude": None,
                }
            },
            False,
        ),
        (
            {"date": {"start": "2023-01-01", "end": "2023-01-30", "precision": "month"}},
            True,
        ),  # coarse, same sub-event type
        (
            {
                "date": {"start": "2023-01-01", "end": "2023-01-30", "precision": "month"},
                "sub_event_type": "Shelling/artillery/missile attack",
            },
            False,
        ),  # coarse needs the same sub-event type
    ],
)
def test_merge_rule_cases(change, merged):
    dataset = merge_documents(
        [_article("a", date=_day("2023-01-29")), _article("b", **{"date": _day("2023-01-29"), **change})]
    )
    assert (len(dataset.incidents) == 1) is merged


def test_incidents_of_one_article_never_merge():
    doc = make_doc("one", TEXT, "2023-01-29", [{"quote": STRIKE}, {"quote": "A second strike hit the town"}])
    assert len(merge_documents([doc]).incidents) == 2


def test_complete_linkage_does_not_chain():
    # b spans both days and matches a and c; a and c (a day apart) must not end up together.
    a = _article("a", date=_day("2023-01-28"))
    b = _article("b", date={"start": "2023-01-28", "end": "2023-01-29", "precision": "day"})
    c = _article("c", date=_day("2023-01-29"))
    groups = _groups(merge_documents([a, b, c]))
    assert {("a", "I1"), ("b", "I1")} in groups and {("c", "I1")} in groups


def test_figure_range():
    assert figure_range([Figures(low=14), Figures(low=10, high=20), Figures()]) == Figures(low=10, high=20)
    assert figure_range([Figures(best=4), Figures(best=4)]) == Figures(low=4, best=4, high=4)
    assert figure_range([Figures(), Figures()]) == Figures()


def test_dataset_round_trips_as_json():
    dataset = merge_documents([_article("a"), _article("b")])
    assert MergedDataset.model_validate_json(dataset.model_dump_json()) == dataset
    assert dataset.rule["same_place_km"] == {"place": 10.0, "near": 25.0}


@pytest.fixture(scope="module")
def normalised():
    return normalise(oilfield_document(), OILFIELD_TEXT), normalise(convoy_document(), CONVOY_TEXT)


def test_example_articles_normalise_to_canonical_places_and_actors(normalised):
    oilfield, convoy = normalised
    places = {
        (d.article.id[:4], i.id): (i.location.name, i.location.latitude is not None)
        for d in normalised
        for i in d.incidents
    }
    assert places[("2021", "I2")] == ("Albu Kamal", True)  # "Albukamal"
    assert places[("ap-2", "I1")] == ("Albu Kamal", True)  # "Boukamal"
    assert places[("ap-2", "I2")] == ("Isfahan", True)
    assert places[("ap-2", "I3")] == ("Deir ez-Zor", True)  # "Deir el-Zour"
    assert places[("2021", "I3")] == ("Al Mayadin", True)
    assert places[("2021", "I1")] == ("Al-Omar oil field", True)  # placed by the text's "Deir Ezzor"
    both = {a.name for a in oilfield.actors} & {a.name for a in convoy.actors}
    assert {"US-led coalition", "Iran-backed militias"} <= both
    assert {"Kataib Hezbollah", "Kataib Sayyid al-Shuhada"} <= {a.name for a in oilfield.actors}


def test_the_2021_and_2023_strikes_near_albukamal_never_merge(normalised):
    dataset = merge_documents(normalised)
    assert len(dataset.incidents) == 6
    for event in dataset.incidents:
        assert len({s.article_id for s in event.sources}) == 1


def test_normalise_real_pipeline_outputs():
    # What the embedded model actually produced (fixtures/earlier: the model then wrote the place names), read with the loader's Article.
    import json

    from conftest import CONVOY, FIXTURES, OILFIELD, article
    from extractor.schema import ArticleExtraction

    for path in (CONVOY, OILFIELD):
        raw = json.loads((FIXTURES / "earlier" / f"{path.stem}.json").read_text(encoding="utf-8"))
        doc = normalise(ArticleExtraction.model_validate(raw), article(path))
        assert isinstance(doc, ArticleExtraction)
        location = doc.incidents[0].location
        if path == CONVOY:  # "Boukamal" in the model's words
            assert (location.name, location.admin1) == ("Albu Kamal", "Deir ez-Zor") and location.latitude
        else:  # the model's words "Al-Omar oil field": not in the gazetteer, placed near a place the text names
            assert (
                location.name == "Al-Omar oil field" and location.country_code == "SY" and location.precision == "near"
            )
