"""extractor: grounded records of incidents, actors and attributions from news articles.

    import extractor
    doc = extractor.extract(text, published="2023-01-29")   # what `extractor extract` writes

`extract` and `extract_many` (`extractor.api`) run cache -> flow -> normalise as the CLI does;
the records are pydantic models (`extractor.schema`); every error is an `ExtractorError`. The
names load on first use (PEP 562), so `extractor --help` does not import the LLM stack.

The library prints nothing. It logs through the standard `logging` module under the `extractor`
logger (retries and re-asks at INFO, every call at DEBUG), which shows nothing until the
application configures logging; `extractor extract -v` shows it on standard error.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.2.0"  # the one place the version is written (pyproject.toml reads it from here)

# With no handler anywhere on a logger's path, Python prints WARNING and above to standard error
# (logging.lastResort). The SDKs extractor drives log their retries that way (instructor writes
# "Max retries exceeded" with pydantic's whole error at ERROR), so a NullHandler on each keeps
# them off a caller's terminal; an application that configures logging still gets their records.
for _name in ("extractor", "instructor", "openai", "httpx2", "httpx", "tenacity"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_PUBLIC = {
    "article": "extractor.api",
    "extract": "extractor.api",
    "extract_many": "extractor.api",
    "extract_many_async": "extractor.api",
    "extract_files": "extractor.api",
    "ArticleExtraction": "extractor.schema",
    "Incident": "extractor.schema",
    "Actor": "extractor.schema",
    "Attribution": "extractor.schema",
    "Span": "extractor.schema",
    "Settings": "extractor.settings",
    "resolve": "extractor.settings",
    "ExtractorError": "extractor.errors",
    "ConfigError": "extractor.errors",
    "InputError": "extractor.errors",
    "ModelUnavailableError": "extractor.errors",
    "LLMError": "extractor.errors",
    "TransportError": "extractor.errors",
    "ExtractionFailed": "extractor.errors",
    "StoreError": "extractor.errors",
    "Interrupted": "extractor.errors",
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
