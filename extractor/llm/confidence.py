"""How sure the model was of one value of its JSON answer, from the tokens' log-probabilities.

A server asked for `logprobs` returns, for each generated token, its text and the log of the
probability the model gave it (OpenAI and llama.cpp alike; the embedded transport computes them
from the raw logits). `value_probability(content, logprobs, key)` finds the string value of `key`
in the answer's text and multiplies the probabilities of the tokens that spell it: the
probability the model gave that answer, as it wrote it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence


def value_probability(content: str | None, logprobs: Sequence[tuple[str, float]] | None, key: str) -> float | None:
    """The probability of the first string value of `key` in `content`, or None when the answer
    carries no log-probabilities, the tokens do not spell the content, or the key is not there."""
    if not content or not logprobs:
        return None
    if "".join(token for token, _ in logprobs) != content[: sum(len(t) for t, _ in logprobs)]:
        return None  # tokens that do not spell the answer (another tokenisation): no claim
    match = re.search(r'"' + re.escape(key) + r'"\s*:\s*"((?:[^"\\]|\\.)*)"', content)
    if match is None:
        return None
    start, end = match.span(1)
    if start == end:
        return None
    total, at = 0.0, 0
    for token, logprob in logprobs:
        if at < end and at + len(token) > start:
            total += logprob
        at += len(token)
        if at >= end:
            break
    if at < end:
        return None  # the value's last tokens were not seen
    return math.exp(total)
