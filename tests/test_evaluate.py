"""Scoring (extractor.results.evaluate): gold against itself is perfect, and each kind of mistake moves
exactly the figures it should. Mistakes are made by editing a real gold answer."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from conftest import ARTICLES, GOLD, gold_files_by_article, gold_for, require_shared
from extractor.cli import app
from extractor.results.evaluate import normal_name, score_article
from extractor.schema import GoldExtraction

OIL = "2021-06-28-omar-oilfield"


def text_of(article_id: str) -> str:
    return (ARTICLES / f"{article_id}.txt").read_text(encoding="utf-8")


def figures(score) -> dict[str, float | None]:
    """Every rate the scorer reports, flat, so a test can say which ones moved."""
    flat = {}
    for kind in ("incidents", "actors", "attributions"):
        counts = getattr(score, kind)
        flat |= {f"{kind}.precision": counts.precision, f"{kind}.recall": counts.recall, f"{kind}.f1": counts.f1}
    flat |= {f"{name}.accuracy": acc.value for name, acc in score.fields.items()}
    g = score.grounding.as_dict()
    flat |= {
        "grounding.verified": g["verified_share"],
        "grounding.exact": g["exact_share"],
        "grounding.dropped": g["dropped"],
    }
    return flat


@pytest.mark.parametrize("article_id", sorted(gold_files_by_article()))
def test_gold_scored_against_itself_is_perfect(article_id):
    gold = GoldExtraction.model_validate(gold_for(article_id))
    result = figures(score_article(gold, gold, text_of(article_id)))
    assert result.pop("grounding.dropped") == 0
    assert result and all(value == 1.0 for value in result.values()), result


def _incident(doc, incident_id):
    return next(i for i in doc["incidents"] if i["id"] == incident_id)


def _attribution(doc, attribution_id):
    return next(t for t in doc["attributions"] if t["id"] == attribution_id)


def _drop_incident(doc):
    doc["incidents"] = [i for i in doc["incidents"] if i["id"] != "I2"]
    doc["attributions"] = [t for t in doc["attributions"] if t["incident_id"] != "I2"]  # the contract demands it


def _extra_incident(doc):
    extra = copy.deepcopy(_incident(doc, "I1"))
    text = text_of(OIL)
    quote = "Tasnim reports"  # words of the article that no gold incident quotes
    start = text.index(quote)
    extra.update(
        id="I9",
        event_type="Protests",
        sub_event_type="Peaceful protest",
        primary=False,
        date={"start": "2021-05-01", "end": "2021-05-01", "precision": "day"},
        location={"name": "Tehran", "country": "Iran", "country_code": "IR", "precision": "place"},
        evidence=[{"quote": quote, "start": start, "end": start + len(quote)}],
    )
    doc["incidents"].append(extra)


def _extra_actor(doc):
    doc["actors"].append({"id": "A99", "name": "Islamic State", "mentions": [], "kind": "rebel_group"})


MISTAKES = {
    "missing incident": (
        _drop_incident,
        # its attribution goes with it, so attribution recall falls too; precision does not
        {"incidents.recall", "incidents.f1", "attributions.recall", "attributions.f1"},
    ),
    "extra incident": (_extra_incident, {"incidents.precision", "incidents.f1"}),
    "wrong event type": (
        lambda d: _incident(d, "I1").update(event_type="Battles", sub_event_type="Armed clash"),
        {"event_type.accuracy", "sub_event_type.accuracy"},
    ),
    "wrong date": (
        lambda d: _incident(d, "I1")["date"].update(start="2021-05-01", end="2021-05-02"),
        {"date.accuracy"},
    ),
    "extra actor": (_extra_actor, {"actors.precision", "actors.f1"}),
    "wrong perpetrator": (
        lambda d: _attribution(d, "T4").update(perpetrator_id="A3"),
        {"attributions.precision", "attributions.recall", "attributions.f1"},
    ),
    "perpetrator null instead of an actor": (
        lambda d: _attribution(d, "T4").update(perpetrator_id=None),
        {"attributions.precision", "attributions.recall", "attributions.f1"},
    ),
    "wrong kind": (lambda d: _attribution(d, "T4").update(kind="alleged"), {"kind.accuracy"}),
    "wrong source": (
        lambda d: _attribution(d, "T4").update(source_id="A6"),
        {"attributions.precision", "attributions.recall", "attributions.f1"},
    ),
    # T1's statement is also written as T2, credited to a source: either matches it
    "wrong source of a statement with an alternative": (
        lambda d: _attribution(d, "T1").update(source_id="A6"),
        {"attributions.precision", "attributions.f1"},
    ),
    "wrong hedge": (lambda d: _attribution(d, "T1").update(hedged=False), {"hedged.accuracy"}),
    "wrong place": (lambda d: _incident(d, "I2")["location"].update(name="Raqqa"), {"location.accuracy"}),
    "wrong fatalities": (lambda d: _incident(d, "I1")["fatalities"].update(low=3, best=3), {"fatalities.accuracy"}),
    "span off by one": (
        lambda d: _incident(d, "I1")["evidence"][0].update(
            start=_incident(d, "I1")["evidence"][0]["start"] + 1, end=_incident(d, "I1")["evidence"][0]["end"] + 1
        ),
        {"grounding.verified", "grounding.exact"},
    ),
    "a quote was dropped": (
        lambda d: d.setdefault("warnings", []).append(
            {"code": "quote_not_found", "ids": ["I1"], "message": 'incident I1: evidence "x" is not in the article'}
        ),
        {"grounding.dropped"},
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_moves_exactly_its_figures(mistake):
    gold_data = gold_for(OIL)
    gold = GoldExtraction.model_validate(gold_data)
    perfect = figures(score_article(gold, gold, text_of(OIL)))
    break_it, expected = MISTAKES[mistake]
    pred_data = copy.deepcopy(gold_data)
    break_it(pred_data)
    moved = figures(score_article(gold, GoldExtraction.model_validate(pred_data), text_of(OIL)))
    changed = {name for name in perfect if moved[name] != perfect[name]}
    assert changed == expected
    worse = [name for name in changed if name != "grounding.dropped"]
    assert all(moved[name] is not None and moved[name] < perfect[name] for name in worse), moved


def test_optional_gold_items_are_neither_required_nor_penalised():
    gold_data = gold_for(OIL)
    gold = GoldExtraction.model_validate(gold_data)
    optional_incidents = {i["id"] for i in gold_data["incidents"] if i.get("optional")}
    assert optional_incidents, "the oil-field gold marks an incident optional"
    without = copy.deepcopy(gold_data)
    without["incidents"] = [i for i in without["incidents"] if i["id"] not in optional_incidents]
    dropped_actors = {a["id"] for a in without["actors"] if a.get("optional")}
    without["actors"] = [a for a in without["actors"] if a["id"] not in dropped_actors]
    for actor in without["actors"]:
        actor["backed_by"] = [ref for ref in actor.get("backed_by", []) if ref not in dropped_actors]
    for incident in without["incidents"]:
        incident["target_actor_ids"] = [
            ref for ref in incident.get("target_actor_ids", []) if ref not in dropped_actors
        ]
    without["attributions"] = [
        t for t in without["attributions"] if not t.get("optional") and t["incident_id"] not in optional_incidents
    ]
    score = score_article(gold, GoldExtraction.model_validate(without), text_of(OIL))
    assert figures(score) == figures(score_article(gold, gold, text_of(OIL)))
    assert score.incidents.tp == len(gold_data["incidents"]) - len(optional_incidents)


def test_empty_prediction_misses_everything():
    gold = GoldExtraction.model_validate(gold_for(OIL))
    score = score_article(gold, GoldExtraction(article=gold.article), text_of(OIL))
    assert (score.incidents.recall, score.actors.recall, score.attributions.recall) == (0.0, 0.0, 0.0)
    assert score.incidents.precision is None  # nothing predicted: undefined, not perfect


def test_a_null_date_overlaps_nothing_and_is_scored_not_raised():
    # The contract's gold format allows a null date (the development sets' answers have them), and
    # a file in that format may be given as a prediction: neither may end the scoring.
    gold_data = gold_for(OIL)
    gold = GoldExtraction.model_validate(gold_data)
    perfect = score_article(gold, gold, text_of(OIL))
    undated = copy.deepcopy(gold_data)
    for incident in undated["incidents"]:
        incident["date"] = None
    undated_doc = GoldExtraction.model_validate(undated)

    predicted_without = score_article(gold, undated_doc, text_of(OIL))
    assert predicted_without.incidents.tp == perfect.incidents.tp  # still matched on evidence, place, type
    assert predicted_without.fields["date"].correct == 0 and predicted_without.fields["date"].total > 0

    gold_without = score_article(undated_doc, gold, text_of(OIL))
    assert gold_without.incidents.tp == perfect.incidents.tp
    assert gold_without.fields["date"].total == 0  # a date the gold leaves null is not scored


def test_eval_command_scores_null_dates_without_a_traceback(tmp_path):
    undated = gold_for(OIL)
    for incident in undated["incidents"]:
        incident["date"] = None
    for role, folder in (("gold", tmp_path / "gold"), ("pred", tmp_path / "pred")):
        folder.mkdir()
        (folder / f"{OIL}.json").write_text(json.dumps(undated if role == "pred" else gold_for(OIL)), encoding="utf-8")
    both = [("gold", "pred"), ("pred", "gold"), ("pred", "pred")]
    for gold_dir, pred_dir in both:
        args = ["eval", "--gold", str(tmp_path / gold_dir), "--pred", str(tmp_path / pred_dir), "--json"]
        result = runner.invoke(app, [*args, "--articles", str(ARTICLES)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["overall"]["incidents"]["f1"] == 1.0


def test_names_are_normalised_before_comparison():
    assert normal_name("U.S.-led coalition") == normal_name("US-led Coalition")
    assert normal_name("Al-Omar oil field") == normal_name("Omar oil field")
    assert normal_name("the Observatory") == normal_name("Observatory")
    assert normal_name("Deir ez-Zor") != normal_name("Damascus")


# --- the command ------------------------------------------------------------------------------

runner = CliRunner()


def _gold_copy(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / f"{OIL}.json").write_text(json.dumps(gold_for(OIL)), encoding="utf-8")
    return folder


def test_eval_command_prints_a_table_and_json(tmp_path):
    gold = _gold_copy(tmp_path)
    args = ["eval", "--gold", str(gold), "--pred", str(gold), "--articles", str(ARTICLES)]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "incidents P / R / F1" in table.stdout and "overall" in table.stdout
    report = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert report["overall"]["attributions"]["f1"] == 1.0
    assert [a["article"] for a in report["articles"]] == [OIL]
    assert report["overall"]["grounding"]["verified_share"] == 1.0


def test_eval_scores_a_recorded_prediction(tmp_path):
    gold = _gold_copy(tmp_path)
    from conftest import FIXTURES

    result = runner.invoke(
        app,
        [
            "eval",
            "--gold",
            str(gold),
            "--pred",
            str(FIXTURES / "expected" / f"{OIL}.json"),
            "--articles",
            str(ARTICLES),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    overall = json.loads(result.stdout)["overall"]
    assert overall["grounding"]["verified_share"] == 1.0  # every emitted span is the article's words
    assert 0 < overall["incidents"]["tp"] <= 3


@pytest.mark.parametrize(
    "content, problem",
    [
        ("{not json", "is not valid JSON"),
        ('{"schema_version": "1", "article": {"id": "x"}}', "is not a valid extraction"),
        ("[1, 2]", "is not a JSON object"),
    ],
)
def test_malformed_prediction_is_a_one_line_error_naming_the_file(tmp_path, content, problem):
    gold = _gold_copy(tmp_path)
    bad = tmp_path / "pred.json"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr and problem in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_prediction_for_an_article_without_gold_is_an_error(tmp_path):
    gold = _gold_copy(tmp_path)
    pred = gold_for(OIL)
    pred["article"] = {"id": "elsewhere", "sha256": "1" * 64}
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps(pred), encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(path)])
    assert result.exit_code == 2 and "no gold answer" in result.stderr and str(path) in result.stderr


def test_two_gold_files_for_one_article_is_an_error_naming_the_second(tmp_path):
    gold = _gold_copy(tmp_path)
    (gold / "zz-overwritten.json").write_text(json.dumps(gold_for(OIL)), encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(gold)])
    assert result.exit_code == 2
    assert "zz-overwritten.json" in result.stderr and "already holds" in result.stderr


def test_missing_prediction_counts_as_missed_with_a_note(tmp_path):
    gold = _gold_copy(tmp_path)
    other = json.loads((GOLD / f"{OIL}.json").read_text(encoding="utf-8"))
    other["article"] = {"id": "other-article", "sha256": "2" * 64}
    (gold / "other-article.json").write_text(json.dumps(other), encoding="utf-8")
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / f"{OIL}.json").write_text(json.dumps(gold_for(OIL)), encoding="utf-8")
    result = runner.invoke(
        app, ["eval", "--gold", str(gold), "--pred", str(pred), "--articles", str(ARTICLES), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    missed = next(a for a in report["articles"] if a["article"] == "other-article")
    assert missed["incidents"]["recall"] == 0.0 and "no prediction" in missed["notes"][0]
    assert report["overall"]["incidents"]["recall"] == 0.5


def test_attributions_are_counted_by_kind_with_a_confusion_of_matched_pairs():
    require_shared("gold")
    gold_path = sorted(GOLD.glob("ap-*.json"))[0]
    gold = GoldExtraction.model_validate_json(gold_path.read_text(encoding="utf-8"))
    data = json.loads(gold.model_dump_json())
    alleged = next(t for t in data["attributions"] if t["kind"] == "alleged")
    alleged["kind"] = "reported"  # right incident and actors, wrong kind
    data["attributions"] = [t for t in data["attributions"] if t["kind"] != "claimed"]  # one gold missed
    score = score_article(gold, GoldExtraction.model_validate(data))
    kinds = {kind: (c.tp, c.fp, c.fn) for kind, c in score.kinds.items()}
    assert kinds == {"alleged": (0, 0, 1), "reported": (0, 1, 0), "unknown": (1, 0, 0), "claimed": (0, 0, 1)}
    assert score.kind_confusion == {"alleged->reported": 1, "unknown->unknown": 1}


def _statement_gold():
    """Gold holding one statement twice, as the dev sets write a spokesperson's words: once
    required, credited to the group, once optional, credited to the spokesperson; and a third
    party's denial."""
    return GoldExtraction.model_validate(
        {
            "article": {"id": "statements", "published": "2024-01-04"},
            "incidents": [
                {
                    "id": "I1",
                    "summary": "s",
                    "event_type": "Violence against civilians",
                    "sub_event_type": "Attack",
                    "stage": "accomplished",
                    "primary": True,
                    "date": {"start": "2024-01-03", "end": "2024-01-03", "precision": "day"},
                    "location": {"name": "Kerman", "country": "Iran", "country_code": "IR", "precision": "place"},
                    "evidence": [{"quote": "q", "start": 0, "end": 1}],
                }
            ],
            "actors": [
                {"id": "A1", "name": "Taliban", "kind": "rebel_group"},
                {"id": "A2", "name": "Zabiullah Mujahid", "kind": "rebel_group"},
                {"id": "A3", "name": "Ashraf Ghani", "kind": "government"},
            ],
            "attributions": [
                {
                    "id": "T1",
                    "incident_id": "I1",
                    "perpetrator_id": "A1",
                    "source_id": "A1",
                    "kind": "denied",
                    "hedged": False,
                },
                {
                    "id": "T2",
                    "incident_id": "I1",
                    "perpetrator_id": "A1",
                    "source_id": "A2",
                    "kind": "denied",
                    "hedged": False,
                    "optional": True,
                },
                {
                    "id": "T3",
                    "incident_id": "I1",
                    "perpetrator_id": "A1",
                    "source_id": "A3",
                    "kind": "denied",
                    "hedged": False,
                },
            ],
        }
    )


def test_a_statement_credited_to_its_spokesperson_matches_the_groups_and_a_third_partys_denial_is_optional():
    gold = _statement_gold()
    spokesman_only = gold.model_copy(update={"attributions": [gold.attributions[1]]})
    scored = score_article(gold, spokesman_only).attributions
    assert (scored.tp, scored.fp, scored.fn) == (1, 0, 0)  # T3, a third party clearing the Taliban, is not required
    both = score_article(gold, gold).attributions
    assert (both.tp, both.fp, both.fn) == (1, 0, 0)  # the alternative and the optional denial are neutral


def test_accusation_errors_count_a_date_a_place_and_the_target_named_as_perpetrator():
    from extractor.results.evaluate import accusation_errors

    gold = _statement_gold()
    pred = GoldExtraction.model_validate(
        {
            **gold.model_dump(exclude={"attributions", "actors"}),
            "actors": [
                {"id": "A1", "name": "Sunday", "kind": "other"},
                {"id": "A2", "name": "Kerman", "kind": "other"},
                {"id": "A3", "name": "villagers", "kind": "civilians"},
            ],
            "incidents": [{**gold.incidents[0].model_dump(), "targets": ["the villagers"]}],
            "attributions": [
                {
                    "id": f"T{n}",
                    "incident_id": "I1",
                    "perpetrator_id": a,
                    "source_id": None,
                    "kind": "reported",
                    "hedged": False,
                }
                for n, a in enumerate(["A1", "A2", "A3"], start=1)
            ]
            + [
                {
                    "id": "T4",
                    "incident_id": "I1",
                    "perpetrator_id": None,
                    "source_id": None,
                    "kind": "unknown",
                    "hedged": False,
                }
            ],
        }
    )
    errors = accusation_errors(pred)
    assert (errors["perpetrator_date"], errors["perpetrator_place"], errors["perpetrator_target"]) == (1, 1, 1)
    assert errors["unknown_and_reported"] == 1
    assert accusation_errors(gold) == dict.fromkeys(errors, 0)
