"""benchmarks/quality.py: its scoring helpers, its sample, and a whole run with the oracle (no model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_shared
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
    ("warning", "reason"),
    [
        ("incident I2: none of its evidence is in the article; the incident was dropped", "evidence not found"),
        (
            "incident I1: date.end 2023-03-02 is after the publication date 2023-01-29 + 1 day; the incident was dropped",
            "date after publication",
        ),
        (
            'attribution 1 (incident I1): perpetrator_id is null, so kind must be "unknown", not "reported"; dropped',
            "null perpetrator with kind",
        ),
        ("attribution 2 (incident I7): incident_id I7 is not one of ['I1']; dropped", "unknown incident id"),
        (
            "incidents: incident 3 does not fit the schema (evidence: Field required); dropped",
            "does not fit the schema",
        ),
        ('incident I2: evidence "x" is not in the article; copy a passage word for word', None),  # one quote
        ("target (I1, A9) names an unknown incident or actor; dropped", None),  # a link, not an item
        (
            "incident I2: date 2023-03-01..2023-03-02 is after the publication date; set to the week up to publication",
            None,
        ),
        ("attribution 3 (incident I1): there is no incident to attribute; dropped", "no incident to attach"),
        ("attribution 2 (incident I1): repeats T1; its evidence was merged into T1", None),
        ('actor A4: "SOHR" is already listed as A1; list each actor once. The repeat was merged into A1', None),
    ],
)
def test_drop_reasons_count_only_items_thrown_away(warning, reason):
    assert quality.drop_reason(warning) == reason


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
