"""benchmarks/quality.py: its scoring helpers, its sample, and a whole run with the oracle (no model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_shared
from extractor.schema import warning
from extractor.taxonomy import WarningCode
from support.benchmarks import load

ROOT = Path(__file__).resolve().parent.parent
quality = load("quality")

needs_dev = pytest.mark.skipif(not (quality.SHARED / "dev").is_dir(), reason="../shared/dev is missing")


def test_weighted_f1_is_the_support_weighted_mean_of_per_label_f1():
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "none")]
    # a: P 1, R 1/2 -> F1 2/3 (support 2); b: P 1/2, R 1 -> 2/3 (1); c: 0 (1)
    assert quality.weighted_f1(pairs) == pytest.approx((2 * 2 / 3 + 2 / 3 + 0) / 4)
    assert quality.weighted_f1([]) is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (WarningCode.INCIDENT_UNGROUNDED, "evidence not found"),
        (WarningCode.ACTOR_NOT_NAMED, "evidence not found"),
        (WarningCode.ATTRIBUTION_UNGROUNDED, "evidence not found"),
        (WarningCode.ITEM_UNFIT, "does not fit the schema"),
        (WarningCode.ATTRIBUTION_WITHOUT_INCIDENT, "no incident to attach"),
        (WarningCode.NOT_POLITICAL_VIOLENCE, "not political violence"),
        (WarningCode.QUOTE_NOT_FOUND, None),  # one quote of an item that keeps others
        (WarningCode.TARGET_UNKNOWN, None),  # a link, not an item
        (WarningCode.DATE_AFTER_PUBLICATION, None),  # repaired
        (WarningCode.ATTRIBUTION_REPEATED, None),  # merged
        (WarningCode.ACTOR_REPEATED, None),
        (WarningCode.LEGACY, None),  # a sentence without a code: not parsed
    ],
)
def test_drop_reasons_count_items_thrown_away_by_their_code(code, reason):
    # The sentence is the same for every case: only the code decides.
    assert quality.drop_reason(warning(code, "incident I2: ... dropped")) == reason


def test_a_stats_row_of_either_schema_version_gives_its_warnings():
    new = {"warnings": [{"code": "stage_lost", "ids": [], "message": "actors: the model gave no usable answer"}]}
    old = {"warnings": ["actors: the model gave no usable answer after 2 attempts"]}
    assert [w.code for w in quality.row_warnings(new)] == [WarningCode.STAGE_LOST]
    assert [w.code for w in quality.row_warnings(old)] == [WarningCode.LEGACY]


@needs_dev
def test_the_muc_sample_is_seeded_and_holds_texts_without_gold():
    first, again = quality.muc_sample(10, 0), quality.muc_sample(10, 0)
    assert first == again and len(first) == 10
    assert sum(gold is None for _, _, gold in first) == 3  # 31 of 100 texts report no incident
    assert quality.muc_sample(10, 1) != first


@needs_dev
def test_a_run_with_the_oracle_scores_the_examples_perfect(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--oracle", "--out", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout[done.stdout.index("{") :])
    examples = result["sets"]["examples"]
    assert examples["articles"] == 2 and examples["failed"] == 0 and examples["dropped_total"] == 0
    for level in ("incidents", "actors", "attributions"):
        assert examples[level]["f1"] >= 0.98, (level, examples[level])
    assert (tmp_path / "stats.jsonl").read_text().count("\n") == 2 and (tmp_path / "summary.json").exists()


def test_the_frames_benchmark_reads_the_example_statements_without_a_model():
    import json

    require_shared("gold")  # the examples' gold statements

    script = ROOT / "benchmarks" / "attribution_frames.py"
    done = subprocess.run(
        [sys.executable, str(script), "--sets", "examples"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["articles"] == 2 and figures["gold_statements"] == 5
    assert 0 < figures["read"] <= figures["gold_statements"] and figures["statements"] >= figures["read"]


def test_the_most_over_given_label_is_measured_against_its_share_in_the_labels():
    pairs = [
        ("Attack", "Attack"),
        ("Armed clash", "Attack"),
        ("Armed clash", "Armed clash"),
        ("none", "Grenade"),
        ("none", "none"),
    ]
    assert quality.over_share(pairs) == (
        "Attack",
        2.0,
    )  # 2 given, 1 in the labels; a label the gold never has counts its count
    assert quality.over_share([("Attack", "none")]) == ("", 0.0)
