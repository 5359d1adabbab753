"""The oracle ceiling: with a model that answers every stage from the gold document
(tests/support/oracle.py, a hand-written fake, not a recording), the real pipeline (prompts, instructor,
grounding, checks, salvage, assembly, normalisation) must score at least 0.98 F1 on incidents,
actors and attributions against that same gold. Whatever it loses is lost by the pipeline or the
scoring, never by a model; the failure message lists every point lost and the warning (the rule,
cap or check) behind it."""

from __future__ import annotations

import json

import pytest

from conftest import ARTICLES, GOLD, article, require_shared
from extractor.schema import GoldExtraction
from support.oracle import SETTINGS, OracleModel, load_gold, run_oracle, stage_of

CEILING = 0.98
ARTICLE_PATHS = sorted(ARTICLES.glob("*.txt"))


def gold_by_content(loaded) -> GoldExtraction:
    """The gold answer whose article is this text (by sha256, else by id), read from the files'
    content rather than their names; skip when ../shared holds none (see conftest.gold_for)."""
    require_shared("gold")
    golds = []
    for path in sorted(GOLD.glob("*.json")):
        try:
            golds.append(load_gold(path))
        except ValueError:  # not a gold answer
            continue
    found = next((g for g in golds if g.article.sha256 == loaded.sha256), None) or next(
        (g for g in golds if g.article.id == loaded.id), None
    )
    if found is None:
        pytest.fail(f"../shared/gold holds no gold answer for {loaded.id}: the example articles need theirs")
    return found


@pytest.mark.parametrize("path", ARTICLE_PATHS, ids=[p.stem for p in ARTICLE_PATHS])
def test_oracle_ceiling(path):
    loaded = article(path)
    gold = gold_by_content(loaded)
    run = run_oracle(loaded, gold, SETTINGS)

    assert set(run.oracle.stages) == {"incidents", "actors"}, run.oracle.stages
    f1 = {name: getattr(run.score, name).f1 for name in ("incidents", "actors", "attributions")}
    message = "\n".join(
        [
            f"{loaded.id}: F1 {f1} (ceiling {CEILING})",
            "points lost:",
            *(f"  - {line}" for line in run.lost),
            "where the draft could not hold the gold (oracle notes):",
            *(f"  - {n}" for n in run.oracle.notes),
        ]
    )
    assert all(value is not None and value >= CEILING for value in f1.values()), message


def test_oracle_answers_each_stage_from_the_gold():
    """The fake itself: the stage comes from the request, every gold item is sent, its evidence
    as the numbers of the sentences holding the gold quotes (or the quotes verbatim)."""
    from extractor.articles.sentences import numbered

    path = ARTICLE_PATHS[0]
    loaded = article(path)
    gold = gold_by_content(loaded)
    run = run_oracle(loaded, gold, SETTINGS)
    oracle: OracleModel = run.oracle
    assert oracle.stages[0] == "incidents" and oracle.stages[-1] == "actors"
    sent = json.loads(oracle.answers[0])["incidents"]
    sentences = {s.number: s for s in numbered(loaded.searchable_text)}
    for item, incident in zip(sent, gold.incidents, strict=True):
        assert item["evidence"] and all(
            any(sentences[n].start <= q.start < sentences[n].end for n in item["evidence"]) for q in incident.evidence
        )
    quoted = run_oracle(loaded, gold, SETTINGS.with_(evidence="quotes")).oracle
    sent = json.loads(quoted.answers[0])["incidents"]
    assert [item["evidence"] for item in sent] == [[s.quote for s in i.evidence] for i in gold.incidents]
    assert [e[1] for e in oracle.emitted["incidents"]] == [i.id for i in gold.incidents]
    assert [e[1] for e in oracle.emitted["actors"] if e[0] == "actor"] == [a.id for a in gold.actors]


def test_oracle_decides_the_stage_from_the_request_never_by_guessing():
    from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents

    def body(schema=None, task=""):
        fmt = {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
        return {
            "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": task}],
            "response_format": fmt,
        }

    assert stage_of(body(DraftIncidents.model_json_schema())) == "incidents"
    assert stage_of(body(DraftActorsAndAttributions.model_json_schema())) == "actors"
    assert stage_of(body(task="...\nTask: list the actors, then the attributions.")) == "actors"
    with pytest.raises(AssertionError, match="cannot tell the stage"):
        stage_of(body(task="Summarise the article."))
    with pytest.raises(AssertionError, match="schema asks for"):
        stage_of(body(DraftIncidents.model_json_schema(), task="Task: list the actors"))
