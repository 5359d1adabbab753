"""Finding the model's quotes in the article: pure logic, no I/O.

`align(text, quote)` tries, in order:
  1. exact: the quote occurs verbatim;
  2. normalised: equal after folding case, whitespace runs, curly quotes and dash variants;
  3. fuzzy: rapidfuzz's partial-ratio alignment, but only inside a bounded number of windows
     around the quote's rarest words, so the cost is O(windows x quote^2), not O(text x quote).
     (langextract replaced an O(n*m) sliding window that took 17-30 minutes on long documents.)
The returned offsets are always the tool's: text[start:end] is the aligned text. A quote that
cannot be found returns None; it is never turned into a span.

`text` should be `Article.searchable_text`, where masked regions are NUL, so nothing is ever
grounded in script residue or markup.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from extractor.articles.load import MASK
from extractor.articles.sentences import Sentence
from extractor.taxonomy import Alignment

if TYPE_CHECKING:
    from extractor.schema import Span

FUZZY_MIN_SCORE = 90.0
FUZZY_MIN_QUOTE = 12
MAX_WINDOWS = 24
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Aligned:
    start: int
    end: int
    alignment: Alignment  # a normalised match is not verbatim, so it is fuzzy
    method: str  # "exact" | "normalised" | "fuzzy" | "sentence" (cited by number)
    score: float = 100.0


_MASKED_RUN = re.compile(MASK + "+")
MAX_INLINE_MASK = 200  # characters: a long <a href=...> tag fits, a script block does not


def normalise(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the offset it came from in `text`."""
    out: list[str] = []
    where: list[int] = []
    previous_space = True
    for offset, ch in enumerate(text.translate(_FOLD)):
        if ch == MASK:
            continue  # markup the model never saw (e.g. <b> inside a sentence) must not break a quote
        if ch.isspace():
            if previous_space:
                continue
            ch, previous_space = " ", True
        else:
            previous_space = False
        for folded in ch.casefold():
            out.append(folded)
            where.append(offset)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


class Grounder:
    """Aligns many quotes against one text, normalising the text only once."""

    def __init__(self, text: str, raw: str | None = None, sentences: Sequence[Sentence] = ()) -> None:
        """`text` is searched (masked parts blanked); `raw`, the text as read, supplies the words
        a span quotes, so a span across inline markup quotes the markup too, as it stands.
        `sentences` are the numbered units the model was shown, for evidence cited by number."""
        self.sentences = {s.number: s for s in sentences}
        self.text = text
        self.raw = text if raw is None else raw
        self.folded, self.where = normalise(text)
        self._word_positions: dict[str, list[int]] | None = None

    def contains(self, phrase: str) -> bool:
        """Whether the text holds `phrase`, folding case, quotes, dashes and spacing."""
        folded = normalise(phrase)[0]
        return len(folded) >= 2 and folded in self.folded

    def sentence(self, number: int) -> Aligned | None:
        """The span of sentence `number` as the model was shown it; None for a number not shown."""
        found = self.sentences.get(number)
        return Aligned(found.start, found.end, "exact", "sentence") if found else None

    def covering(self, spans: Sequence[Span]) -> list[Sentence]:
        """The numbered sentences that `spans` (an item's evidence) overlap, in order."""
        return [s for s in self.sentences.values() if any(e.start < s.end and s.start < e.end for e in spans)]

    def find_within(self, phrase: str, start: int, end: int) -> Aligned | None:
        """The first occurrence of `phrase` inside text[start:end], folding case, quotes, dashes
        and spacing (a name inside a cited sentence). Its span is the article's words there, so
        the alignment is exact whatever the case of `phrase`."""
        folded_phrase = normalise(phrase)[0]
        if len(folded_phrase) < 2:
            return None
        lo, hi = bisect.bisect_left(self.where, start), bisect.bisect_left(self.where, end)
        hit = self.folded.find(folded_phrase, lo, hi)
        if hit < 0:
            return None
        a, b = self.where[hit], self.where[hit + len(folded_phrase) - 1] + 1
        return Aligned(a, b, "exact", "sentence")  # the article's own words at that place, found by code

    def align(self, quote: str) -> Aligned | None:
        quote = quote.strip()
        if len(quote) < 2 or MASK in quote:
            return None
        start = self.text.find(quote)
        if start >= 0:
            return Aligned(start, start + len(quote), "exact", "exact")
        folded_quote, _ = normalise(quote)
        hit = self.folded.find(folded_quote)
        if hit >= 0:
            return self._span(hit, hit + len(folded_quote), "normalised", 100.0)
        if len(folded_quote) >= FUZZY_MIN_QUOTE:
            return self._fuzzy(folded_quote)
        return None

    def _span(self, folded_start: int, folded_end: int, method: str, score: float) -> Aligned | None:
        start = self.where[folded_start]
        end = self.where[folded_end - 1] + 1
        if not self._inline_only(start, end):
            return None
        return Aligned(start, end, "fuzzy", method, score)

    def _inline_only(self, start: int, end: int) -> bool:
        """Whether the masked parts inside a span are only inline markup (a tag inside a
        sentence), never a block such as a line of script the quote would straddle."""
        for run in _MASKED_RUN.finditer(self.text, start, end):
            if run.end() - run.start() > MAX_INLINE_MASK or "\n" in self.raw[run.start() : run.end()]:
                return False
        return True

    def _fuzzy(self, folded_quote: str) -> Aligned | None:
        best: tuple[float, int, int] | None = None
        for lo, hi in self._windows(folded_quote):
            result = fuzz.partial_ratio_alignment(folded_quote, self.folded[lo:hi], score_cutoff=FUZZY_MIN_SCORE)
            if result and (best is None or result.score > best[0]):
                best = (result.score, lo + result.dest_start, lo + result.dest_end)
        if best is None:
            return None
        score, start, end = best
        start, end = self._snap_to_words(start, end, folded_quote)
        return self._span(start, end, "fuzzy", score)

    def _windows(self, folded_quote: str) -> list[tuple[int, int]]:
        """Windows around occurrences of the quote's rarest words, merged and capped."""
        if self._word_positions is None:
            self._word_positions = {}
            for m in _WORD.finditer(self.folded):
                self._word_positions.setdefault(m.group(), []).append(m.start())
        positions = self._word_positions
        words = [(m.group(), m.start()) for m in _WORD.finditer(folded_quote)]
        anchors = sorted((len(positions.get(w, ())), i, w, at) for i, (w, at) in enumerate(words) if w in positions)
        size = len(folded_quote)
        spans: list[tuple[int, int]] = []
        for _, _, word, at in anchors[:3]:
            for pos in positions[word][:MAX_WINDOWS]:
                spans.append((max(0, pos - at - size // 4), min(len(self.folded), pos - at + size + size // 4)))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return merged[:MAX_WINDOWS]

    def _snap_to_words(self, start: int, end: int, quote: str) -> tuple[int, int]:
        """Widen a fuzzy hit to whole words; drop edge spaces and punctuation the quote lacks."""
        text = self.folded
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
        while start < end and not text[start].isalnum() and text[start] != quote[0]:
            start += 1
        while end > start and not text[end - 1].isalnum() and text[end - 1] != quote[-1]:
            end -= 1
        return start, end


def align(text: str, quote: str) -> Aligned | None:
    """Locate one quote in `text` (see the module docstring)."""
    return Grounder(text).align(quote)
