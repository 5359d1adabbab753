"""Turning tokens into money: a price table per model, in US dollars per million tokens.

The built-in table holds list prices of common hosted models as published by their providers
(they change: check yours). A user's own table, a JSON file named by --prices or
EXTRACTOR_PRICES, adds to it or overrides it:

    {"my-model": {"input": 0.5, "output": 1.5}, "gpt-4o-mini": {"input": 0.15, "output": 0.6, "cached_input": 0.075}}

Prompt tokens the provider reports as cached (a repeated prefix: every call of an article starts
with the same article and rules) are billed at the cached-input price, the input price if none.

The embedded model costs nothing. A model with no price has cost None ("unknown"), never 0, so
a run's total is never silently understated. The Batch API is billed at half price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from extractor.errors import ConfigError

# (input, output, cached input): cached input is a prompt prefix the provider read from its cache.
BUILT_IN: dict[str, tuple[float, float, float]] = {
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4.1": (2.00, 8.00, 0.50),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
}
BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class Prices:
    table: dict[str, tuple[float, float, float]]

    def cost(self, provider: str, model: str, usage: dict[str, int], *, batch: bool = False) -> float | None:
        if provider == "embedded":
            return 0.0
        price = self.table.get(model) or self.table.get(model.split("/")[-1])
        if price is None:
            return None
        cached = min(usage.get("cached_prompt_tokens", 0), usage.get("prompt_tokens", 0))
        dollars = (
            (usage.get("prompt_tokens", 0) - cached) * price[0]
            + cached * price[2]
            + usage.get("completion_tokens", 0) * price[1]
        ) / 1_000_000
        return dollars * (BATCH_DISCOUNT if batch else 1.0)


def load_prices(path: Path | None) -> Prices:
    table = dict(BUILT_IN)
    if path is None:
        return Prices(table)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the price table {path}: {exc.strerror}", hint="check --prices / EXTRACTOR_PRICES"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"the price table {path} is not valid JSON ({exc.msg} at line {exc.lineno})", hint="fix the file"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"the price table {path} must be a JSON object of models",
            hint='e.g. {"my-model": {"input": 0.5, "output": 1.5}}',
        )
    for model, entry in data.items():
        try:
            table[model] = (
                float(entry["input"]),
                float(entry["output"]),
                float(entry.get("cached_input", entry["input"])),
            )
        except (TypeError, KeyError, ValueError):
            raise ConfigError(
                f"the price table {path} has a bad entry for {model!r}",
                hint='give {"input": dollars per million, "output": dollars per million}',
            ) from None
    return Prices(table)
