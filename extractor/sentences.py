"""Sentence boundaries, enough for normalisation to read the words around an evidence span.

Not a linguistic splitter: a sentence ends at . ! ? (before a space and a capital, a quote or a
line break) or at a blank line. Abbreviations such as "U.S." or "Lt. Gen." are not ends.
"""

from __future__ import annotations

import re

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
