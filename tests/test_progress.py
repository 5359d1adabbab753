"""Progress of a run (extractor.runs.progress): the cost so far and its projected total."""

import io

import pytest

from extractor.runs.article import Outcome
from extractor.runs.concurrent import Totals
from extractor.runs.progress import Progress, cost_so_far, projected_cost


def _totals(done=0, failed=0, skipped=0, cache_hits=0, cost=0.0):
    return Totals(done=done, failed=failed, skipped=skipped, cache_hits=cache_hits, cost=cost)


@pytest.mark.parametrize(
    ("totals", "total", "expected"),
    [
        (_totals(done=10, cost=0.5), 100, 5.0),  # 10 sent for $0.50: 90 more at $0.05
        (
            _totals(done=10, cache_hits=5, cost=0.5),
            100,
            0.5 + 0.1 * 90,
        ),  # cache hits cost nothing and do not count as sent
        (
            _totals(done=8, failed=2, skipped=10, cost=1.0),
            100,
            1.0 + 0.1 * 80,
        ),  # failures were billed; skipped ones are done
        (_totals(done=10, cost=None), 100, None),  # no price for the model
        (_totals(done=10, cost=0.5), None, None),  # inputs not counted
        (_totals(skipped=3), 100, None),  # nothing sent yet
    ],
)
def test_the_projected_cost_extends_the_cost_per_article_sent_to_the_articles_to_come(totals, total, expected):
    assert projected_cost(totals, total) == (pytest.approx(expected) if expected is not None else None)


def test_the_bar_shows_the_cost_so_far_and_its_projection():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = Progress(4, stream=screen)
    progress.update(Outcome(0, "k", "a1", "", "failed", reason="a1: it broke", usage={"prompt_tokens": 10}, cost=0.25))
    progress.close()
    assert cost_so_far(progress.totals, 4) == "$0.2500 of ~$1.0000"
    assert "of ~$1.0000" in screen.getvalue() and "error: a1: it broke" in screen.getvalue()
