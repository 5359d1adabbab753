"""Sentence boundaries: for normalisation to read the words around an evidence span, and the
numbered units (`numbered`) the model cites as evidence.

Not a linguistic splitter: a sentence ends at . ! ? (before a space and a capital, a quote or a
line break) or at a blank line. Abbreviations such as "U.S." or "Lt. Gen." are not ends.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_NOT_AN_END = r"(?<!\b[A-Z])(?<!\bLt)(?<!\bGen)(?<!\bCol)(?<!\bMr)(?<!\bDr)(?<!\bSt)"  # "U.S.", "Lt. Gen."
_END = re.compile(_NOT_AN_END + r"[.!?][\"”’]?(?=\s+[\"“‘(]?[A-Z0-9])|\n\s*\n")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, covering the text without its surrounding spaces."""
    spans, start = [], 0
    for match in _END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def sentence_at(text: str, start: int, end: int | None = None) -> tuple[int, int]:
    """The span of the sentence(s) holding text[start:end]."""
    end = start + 1 if end is None else end
    found = [s for s in sentences(text) if s[0] < end and start < s[1]]
    return (found[0][0], found[-1][1]) if found else (start, end)


def find_all(text: str, phrase: str) -> list[int]:
    """Offsets where `phrase` occurs, case-insensitively and with any run of spaces."""
    words = phrase.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [m.start() for m in re.finditer(pattern, text, re.I)]


# --- Numbered sentences: what the model cites instead of copying -------------------------------

MAX_SENTENCE = 600  # characters; a longer run (a table, a paragraph without stops) is cut at spaces
SHORT_LINE = 60  # a line this short without a final stop is a headline, dateline or list item
_BULLET = re.compile(r"\s*(?:[-*•▪–]\s|\d{1,2}[.)]\s)")
_STOP = re.compile(r"[.!?:;\"”’)]\s*$")


@dataclass(frozen=True)
class Sentence:
    """One citable unit: the article's text[start:end] (`number` counts from 1 in the article)."""

    number: int
    start: int
    end: int
    shown: str  # what the model reads: masked characters removed, line breaks as spaces


def numbered(text: str, mask: str = "\x00", starts: Collection[int] | None = None) -> list[Sentence]:
    """The article's sentences, numbered from 1, with offsets into `text` (the searchable text,
    masked regions as `mask`). Beyond `sentences`: a masked block (a script, a long tag) ends a
    sentence and is never inside one; a short line without a final stop (a headline, a dateline,
    a list item) and a line starting a list are sentences of their own; a unit without a letter
    or digit (a rule of dashes) is none; a run longer than
    MAX_SENTENCE is cut at a space, so every unit can be cited and narrowed."""
    units: list[tuple[int, int]] = []
    for a, b in _unmasked(text, mask):
        for s, e in sentences(text[a:b]) if starts is None else _cut_at(text[a:b], a, starts):
            for ls, le in _lines(text, a + s, a + e):
                units += _cut(text, *_trimmed(text, ls, le, mask))
    out: list[Sentence] = []
    for start, end in units:
        shown = " ".join(text[start:end].replace(mask, "").split())
        if any(ch.isalnum() for ch in shown):  # a rule of underscores or dashes is no sentence
            out.append(Sentence(len(out) + 1, start, end, shown))
    return out


def _cut_at(part: str, offset: int, starts: Collection[int]) -> list[tuple[int, int]]:
    """(start, end) within `part` (which starts at `offset` of the text) of the sentences that
    begin at `starts` (offsets into the text: a parser's sentence starts), spaces trimmed."""
    blank = [m.end() for m in re.finditer(r"\n\s*\n", part)]  # a blank line always ends a sentence
    cuts = sorted({0, *(at - offset for at in starts if 0 < at - offset < len(part)), *blank} - {len(part)})
    out = []
    for a, b in zip(cuts, [*cuts[1:], len(part)], strict=True):
        while a < b and part[a].isspace():
            a += 1
        while b > a and part[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _unmasked(text: str, mask: str) -> list[tuple[int, int]]:
    """Stretches of `text` between masked blocks; a short masked run inside a line (inline
    markup such as <b>) does not break a sentence."""
    bounds, start = [], 0
    for run in re.finditer(re.escape(mask) + "+", text):
        inline = run.end() - run.start() <= 200 and "\n" not in text[max(0, run.start() - 1) : run.end() + 1]
        if not inline:
            bounds.append((start, run.start()))
            start = run.end()
    bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if a < b]


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) split after short unstopped lines and before list items."""
    pieces, a = [], start
    for m in re.finditer(r"\n", text[start:end]):
        cut = start + m.start()
        line = text[text.rfind("\n", 0, cut) + 1 : cut].strip()  # the whole physical line
        following = text[cut + 1 : end]
        if line and ((len(line) <= SHORT_LINE and not _STOP.search(line)) or _BULLET.match(following)):
            pieces.append((a, cut))
            a = cut + 1
    pieces.append((a, end))
    return [_trimmed(text, p, q) for p, q in pieces if text[p:q].strip()]


def _trimmed(text: str, a: int, b: int, mask: str = "\x00") -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] == mask):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] == mask):
        b -= 1
    return a, b


def _cut(text: str, a: int, b: int) -> list[tuple[int, int]]:
    pieces = []
    while b - a > MAX_SENTENCE:
        window = text[a : a + MAX_SENTENCE]
        at = max(window.rfind("; "), window.rfind(", "))
        if at < MAX_SENTENCE // 3:
            at = window.rfind(" ")
        if at <= 0:
            at = MAX_SENTENCE - 1
        pieces.append(_trimmed(text, a, a + at + 1))
        a = _trimmed(text, a + at + 1, b)[0]
    pieces.append((a, b))
    return [p for p in pieces if p[0] < p[1]]
