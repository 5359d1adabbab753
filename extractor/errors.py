"""The one exception tree of extractor.

    ExtractorError              base; `hint` says what to do, `exit_code` is the CLI's
    ├── ConfigError             settings that cannot work (bad flag or variable)       exit 2
    ├── InputError              an article that cannot be read (empty, binary, bad JSON) exit 2
    ├── ModelUnavailableError   the embedded model's package or weights are missing      exit 3
    ├── LLMError                the model could not give an answer                       exit 1
    │   ├── TransportError      429/5xx/timeouts/dropped connections past the retry budget
    │   └── ExtractionFailed    validation attempts ran out with nothing usable; carries
    │                           the last completion, the attempt count and the tokens spent
    ├── StoreError              the cache database cannot be opened or written          exit 1
    └── Interrupted             Ctrl-C or SIGTERM during a run; what finished is kept     exit 130

Library code raises these; only the CLI turns them into one-line messages and exit codes.
Messages never contain API keys or Authorization headers.
"""

from __future__ import annotations

from typing import Any


class ExtractorError(Exception):
    exit_code = 1
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        text = " ".join(str(self).split())
        return f"{text} (hint: {self.hint})" if self.hint else text


class ConfigError(ExtractorError):
    exit_code = 2


class InputError(ExtractorError):
    exit_code = 2

    def __init__(self, source: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{source}: {problem}", hint=hint)
        self.source = source
        self.problem = problem


class ModelUnavailableError(ExtractorError):
    exit_code = 3


class LLMError(ExtractorError):
    """The model gave no answer. Once the article's flow has seen it, it also says which article
    failed and what the article cost before it failed (`article_id`, `calls`, `usage`: tokens are
    billed anyway), set by `accounted`."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.article_id: str | None = None
        self.calls: int = 0
        self.usage: dict[str, int] = {}

    def accounted(self, article_id: str, calls: int, usage: dict[str, int]) -> LLMError:
        """This error, carrying the article it failed and the calls and tokens spent on it."""
        self.article_id, self.calls, self.usage = article_id, calls, dict(usage)
        return self


class TransportError(LLMError):
    def __init__(self, message: str, *, attempts: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.attempts = attempts  # transport attempts of the last request


class ExtractionFailed(LLMError):
    def __init__(
        self,
        message: str,
        *,
        last_completion: str | None,
        attempts: int,
        usage: dict[str, int],
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.last_completion = last_completion
        self.attempts = attempts  # validation attempts of the stage that failed
        self.usage = usage

    def details(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "usage": self.usage,
            "last_completion": self.last_completion,
        }


class StoreError(ExtractorError):
    exit_code = 1


class Interrupted(ExtractorError):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM: the articles in flight were abandoned, every
    finished one is in the output and the run store, and the message says how far it got."""

    exit_code = 130  # the shell's code for a command ended by SIGINT
