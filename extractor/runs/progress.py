"""Progress of a run on standard error: a rich progress bar on a terminal, plain lines otherwise.

The bar shows articles done of the total (when the inputs could be counted), rate, ETA,
failures, tokens, and the cost so far with its projected total for a priced model. Off a terminal (CI logs, pipes) each article gets one line, and
failures always get an `error:` line, so nothing scrolls away unseen.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from extractor.runs.article import Outcome
from extractor.runs.concurrent import SKIPPED, Totals
from extractor.runs.store import FAILED


def _money(cost: float | None) -> str:
    return "cost unknown" if cost is None else f"${cost:.4f}"


def projected_cost(totals: Totals, total: int | None) -> float | None:
    """The run's cost at its end if the articles still to come cost what the ones sent so far did
    (cache hits and skipped articles cost nothing); None when the total or the prices are unknown,
    or nothing was sent yet."""
    sent = totals.done - totals.cache_hits + totals.failed
    if total is None or totals.cost is None or sent <= 0:
        return None
    to_come = max(0, total - (totals.done + totals.failed + totals.skipped))
    return totals.cost + totals.cost / sent * to_come


def cost_so_far(totals: Totals, total: int | None) -> str:
    """ "$0.0123 of ~$0.4500" for a priced run, the cost alone otherwise."""
    projected = projected_cost(totals, total)
    return _money(totals.cost) + (f" of ~{_money(projected)}" if projected is not None else "")


class Progress:
    def __init__(self, total: int | None, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream = stream or sys.stderr  # looked up now: tests and callers swap sys.stderr
        self.quiet = quiet
        self.started = time.monotonic()
        self.totals = Totals()
        self.total = total
        self._bar = None
        if not quiet and stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[status]}"),
                console=Console(file=stream),
                transient=False,
            )
            self._task = self._bar.add_task("run", total=total, rate="", status="")
            self._bar.start()

    def _line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def update(self, outcome: Outcome) -> None:
        self.totals.add(outcome)
        if outcome.status == FAILED:
            self._line(f"error: {outcome.reason}")
        elif not self.quiet and self._bar is None and outcome.status != SKIPPED and outcome.document is not None:
            doc = outcome.document
            self._line(
                f"{outcome.article_id}: {len(doc.incidents)} incidents, {len(doc.actors)} actors, "
                f"{len(doc.attributions)} attributions, {len(doc.warnings)} warnings, "
                f"{doc.provenance.attempts} calls, {outcome.seconds:.1f} s" + (" (cached)" if outcome.cache_hit else "")
            )
        if self._bar is not None:
            t = self.totals
            finished = t.done + t.failed + t.skipped
            rate = finished / max(time.monotonic() - self.started, 1e-9)
            self._bar.update(
                self._task,
                completed=finished,
                rate=f"{rate:.1f}/s",
                status=f"{t.failed} failed, {t.skipped} skipped, {t.prompt_tokens + t.completion_tokens:,} tokens, "
                f"{cost_so_far(t, self.total)}",
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        t = self.totals
        if not self.quiet and (t.done + t.failed + t.skipped) > 1:
            self._line(
                f"{t.done} done ({t.cache_hits} from cache), {t.failed} failed, {t.skipped} skipped; "
                f"{t.prompt_tokens:,}+{t.completion_tokens:,} tokens, {_money(t.cost)}, {time.monotonic() - self.started:.1f} s"
            )
