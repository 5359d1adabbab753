"""Settings, resolved once at the entry point into one frozen object.

Order: command-line flag, then environment (OPENAI_API_KEY, OPENAI_BASE_URL, EXTRACTOR_*), then
defaults. With no API key and no base URL the provider is the embedded local model.
`resolve` takes the environment as an argument, so nothing reads os.environ at import time.

| variable                    | meaning                                               | default        |
|-----------------------------|-------------------------------------------------------|----------------|
| OPENAI_API_KEY              | key for OpenAI or another compatible server           | none           |
| OPENAI_BASE_URL             | an OpenAI-compatible server (vLLM, Ollama, llama.cpp) | OpenAI's       |
| EXTRACTOR_PROVIDER          | `embedded` or `openai` (any compatible server)        | by the above   |
| EXTRACTOR_MODEL             | model name                                            | per provider   |
| EXTRACTOR_LOCAL_MODEL       | qwen2.5-coder-1.5b, qwen2.5-coder-0.5b, or a GGUF file| qwen2.5-coder-1.5b |
| EXTRACTOR_RESPONSE_FORMAT   | `json_schema` or `json_object` (llama.cpp servers)    | per provider   |
| EXTRACTOR_MAX_ATTEMPTS      | LLM calls per stage, re-asks included                 | 3 (embedded 1) |
| EXTRACTOR_SMALL_MODEL       | 1: ask as for a small model (events and statements found by code, one small question each) | 1 for embedded |
| EXTRACTOR_EVIDENCE          | `sentences` (cite numbers) or `quotes` (copy passages)| sentences      |
| EXTRACTOR_WINDOW_CHARS      | article characters shown per call; longer ones go in windows | 200,000 (emb. 12,000) |
| EXTRACTOR_TIMEOUT           | seconds per HTTP request                              | 120 (emb. 600) |
| EXTRACTOR_TRANSPORT_ATTEMPTS| HTTP attempts on 429/5xx/timeouts/dropped connections | 6              |
| EXTRACTOR_CACHE_DIR         | where cache.sqlite3 and assembled weights live        | user cache dir |
| EXTRACTOR_THREADS           | CPU threads for the embedded model                    | usable cores   |
| EXTRACTOR_DEBUG             | 1 shows tracebacks                                    | 0              |
| EXTRACTOR_ACTORS            | your actor registry (JSON, the shape of extractor/data/actors.json); verdicts in `review --serve` extend it | actors.json in the user data dir |
| EXTRACTOR_REVIEWER          | who the verdicts of `review --serve` are recorded as   | the login name |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from extractor.errors import ConfigError

EMBEDDED = "embedded"
OPENAI = "openai"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# The embedded models by name (weights in extractor.llm.embedded.LOCAL_MODELS); the default is the
# one with the better quality per minute in benchmarks/quality.py (docs/benchmarks/quality.md).
LOCAL_MODEL_NAMES = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"
DEFAULT_EMBEDDED_MODEL = DEFAULT_LOCAL_MODEL + "-instruct"
RESPONSE_FORMATS = ("json_schema", "json_object")
EVIDENCE_MODES = ("sentences", "quotes")
# The embedded model's context is 8,192 tokens: the rules, the task and a 1,536-token answer leave
# room for about 5,000 tokens of article; 12,000 characters (about 3,000 tokens) keeps a margin and
# a 0.5B model's attention on a page at a time. Hosted models read far more at once.
EMBEDDED_WINDOW_CHARS = 12_000
WINDOW_CHARS = 200_000


@dataclass(frozen=True)
class Settings:
    provider: str = EMBEDDED
    model: str = DEFAULT_EMBEDDED_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    local_model: str = DEFAULT_LOCAL_MODEL  # one of LOCAL_MODEL_NAMES, unless local_model_path is set
    local_model_path: Path | None = None
    response_format: str = "json_object"
    evidence: str = "sentences"
    window_chars: int = WINDOW_CHARS
    # Ask as for a small model: events found by code in the parse, each judged and typed by one small
    # question (extractor.flow.judge), and attribution statements read from the sentences' structure,
    # each accusation confirmed by one (extractor.flow.attribute). None: on for the embedded models only; a
    # small model on a server (llama.cpp, Ollama) can have it too. Read it as `asks_small`.
    small_model: bool | None = None
    # Attributions whose confidence is below this are left out of the output (a warning names each);
    # one with no confidence (the server gave no log-probabilities) is kept. Applied after the cache.
    min_confidence: float | None = None
    max_attempts: int = 3
    timeout: float = 120.0
    transport_attempts: int = 6
    transport_max_wait: float = 120.0
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 1536
    threads: int = 2
    cache_dir: Path = Path(".")
    run_store: Path = Path("runs.sqlite3")
    concurrency: int = 1
    workers: int = 1  # processes doing the articles' work (`extractor.runs.workers`)
    rpm: float | None = None
    tpm: float | None = None
    prices_file: Path | None = None
    # The user's own actor registry, read after the shipped one when it exists; the names an
    # analyst fixes or adds in `review --serve` are written to it (extractor.normalise.actors).
    actors_file: Path = Path("actors.json")
    reviewer: str = "analyst"
    use_cache: bool = True
    refresh: bool = False
    debug: bool = False

    @property
    def cache_file(self) -> Path | None:
        """The cache's SQLite file, or None when the cache is off (`--no-cache`)."""
        return self.cache_dir / "cache.sqlite3" if self.use_cache else None

    @property
    def asks_small(self) -> bool:
        return self.provider == EMBEDDED if self.small_model is None else self.small_model

    def params(self) -> dict[str, Any]:
        """The generation parameters that change an answer (part of the cache key)."""
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
            "max_attempts": self.max_attempts,
            "response_format": self.response_format,
            "evidence": self.evidence,
            "window_chars": self.window_chars,
            "small_model": self.asks_small,
        }

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("extractor", appauthor=False))


def default_run_store() -> Path:
    """Runs are work, not cache: they live in the user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("extractor", appauthor=False)) / "runs.sqlite3"


def default_actors_file() -> Path:
    """The user's actor registry lives with the runs: it is their work, not cache."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("extractor", appauthor=False)) / "actors.json"


def default_reviewer() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's anonymous uid)
        return "analyst"


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve(flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from flags (None = not given), then `env`, then defaults."""
    given = _Given(flags, os.environ if env is None else env)
    provider, api_key, base_url = _provider(given)
    local_name, local_path = _local_model(given)
    embedded = provider == EMBEDDED
    concurrency = _concurrency(given, embedded)
    cache_dir, run_store, prices = (given.path(*names) for names in _PLACES)
    actors = given.path("actors_file", "EXTRACTOR_ACTORS")
    reviewer = " ".join(str(given("reviewer", "EXTRACTOR_REVIEWER") or default_reviewer()).split())[:80]
    return Settings(
        provider=provider,
        model=given("model", "EXTRACTOR_MODEL") or _default_model(embedded, local_name, local_path),
        base_url=base_url,
        api_key=api_key,
        local_model=local_name,
        local_model_path=local_path,
        response_format=_one_of(
            given("response_format", "EXTRACTOR_RESPONSE_FORMAT") or ("json_object" if embedded else "json_schema"),
            RESPONSE_FORMATS,
            "response format",
            "use json_schema or json_object",
        ),
        evidence=_one_of(
            given("evidence", "EXTRACTOR_EVIDENCE") or "sentences",
            EVIDENCE_MODES,
            "evidence mode",
            "use sentences (cite sentence numbers) or quotes (copy passages)",
        ),
        small_model=_flag(given("small_model", "EXTRACTOR_SMALL_MODEL"), None),
        min_confidence=_number(
            given("min_confidence", "EXTRACTOR_MIN_CONFIDENCE"), None, float, "minimum confidence", 0, 1
        ),
        window_chars=_number(
            given("window_chars", "EXTRACTOR_WINDOW_CHARS"),
            EMBEDDED_WINDOW_CHARS if embedded else WINDOW_CHARS,
            int,
            "window characters",
            2_000,
            2_000_000,
        ),
        # The embedded 0.5B model at temperature 0 answers a re-ask with the same answer, and in the
        # quality run of 22 articles (runs/quality/after, 63 calls over 40 stages) 22 of its 23
        # re-asks ended refused again, at up to a minute each: no re-ask; salvage and repair keep
        # what its first answer holds.
        max_attempts=_number(
            given("max_attempts", "EXTRACTOR_MAX_ATTEMPTS"), 1 if embedded else 3, int, "max attempts", 1, 10
        ),
        # A small local model on two cores can take minutes per answer; hosted ones take seconds.
        timeout=_number(given("timeout", "EXTRACTOR_TIMEOUT"), 600.0 if embedded else 120.0, float, "timeout", 1, 3600),
        transport_attempts=_number(
            given("transport_attempts", "EXTRACTOR_TRANSPORT_ATTEMPTS"), 6, int, "transport attempts", 1, 20
        ),
        threads=_number(given("threads", "EXTRACTOR_THREADS"), usable_cores(), int, "threads", 1, 256),
        cache_dir=cache_dir or default_cache_dir(),
        run_store=run_store or default_run_store(),
        concurrency=concurrency,
        workers=_workers(given, embedded, concurrency),
        rpm=_number(given("rpm", "EXTRACTOR_RPM"), None, float, "requests per minute", 1, 1e9),
        tpm=_number(given("tpm", "EXTRACTOR_TPM"), None, float, "tokens per minute", 1, 1e12),
        prices_file=prices,
        actors_file=actors or default_actors_file(),
        reviewer=reviewer or default_reviewer(),
        use_cache=not given.flags.get("no_cache", False),
        refresh=bool(given.flags.get("refresh", False)),
        debug=debug_wanted(given("debug", "EXTRACTOR_DEBUG")),
    )


class _Given:
    """What the caller gave: `given(flag, *variables)` is the flag, else the first environment
    variable set, else None."""

    def __init__(self, flags: Mapping[str, Any] | None, env: Mapping[str, str]) -> None:
        self.flags = {k: v for k, v in (flags or {}).items() if v is not None}
        self.env = env

    def __call__(self, flag: str, *names: str) -> Any:
        if flag in self.flags:
            return self.flags[flag]
        return next((self.env[name] for name in names if self.env.get(name)), None)

    def path(self, flag: str, *names: str) -> Path | None:
        given = self(flag, *names)
        return Path(given).expanduser() if given else None


_PLACES = (  # cache_dir, run_store, prices_file
    ("cache_dir", "EXTRACTOR_CACHE_DIR"),
    ("run_store", "EXTRACTOR_RUN_STORE"),
    ("prices", "EXTRACTOR_PRICES"),
)


def _provider(given: _Given) -> tuple[str, str | None, str | None]:
    """(provider, api key, base URL): the embedded model unless a key or a server is given."""
    api_key = given("api_key", "EXTRACTOR_API_KEY", "OPENAI_API_KEY")
    base_url = given("base_url", "EXTRACTOR_BASE_URL", "OPENAI_BASE_URL")
    provider = given("provider", "EXTRACTOR_PROVIDER") or (OPENAI if (api_key or base_url) else EMBEDDED)
    if provider not in (EMBEDDED, OPENAI):
        raise ConfigError(f"unknown provider {provider!r}", hint="use 'embedded' or 'openai'")
    if provider == OPENAI and not api_key and not base_url:
        raise ConfigError("provider 'openai' needs an API key", hint="set OPENAI_API_KEY or give --base-url")
    return provider, api_key, base_url


def _local_model(given: _Given) -> tuple[str, Path | None]:
    """(the embedded model's name, the GGUF file given instead of a named model, if any)."""
    local_model = given("local_model", "EXTRACTOR_LOCAL_MODEL")
    if not local_model:
        return DEFAULT_LOCAL_MODEL, None
    if local_model in LOCAL_MODEL_NAMES:
        return local_model, None
    if not local_model.endswith(".gguf") and not Path(local_model).expanduser().is_file():
        raise ConfigError(
            f"unknown local model {local_model!r}",
            hint=f"use one of {', '.join(LOCAL_MODEL_NAMES)} or a path to a .gguf file",
        )
    return DEFAULT_LOCAL_MODEL, Path(local_model).expanduser()


def _default_model(embedded: bool, local_name: str, local_path: Path | None) -> str:
    if not embedded:
        return DEFAULT_OPENAI_MODEL
    return local_path.stem if local_path else local_name + "-instruct"


def _concurrency(given: _Given, embedded: bool) -> int:
    # The embedded model answers one request at a time in a process: more would only queue.
    if embedded:
        return 1
    return _number(given("concurrency", "EXTRACTOR_CONCURRENCY"), 8, int, "concurrency", 1, 1024)


def _workers(given: _Given, embedded: bool, concurrency: int) -> int:
    # One process tops out near 300 requests a second (its client's CPU, benchmarks/throughput.py):
    # from 32 articles in flight, every core gets a worker. The embedded model is one process.
    if embedded:
        return 1
    default = min(usable_cores(), 8) if concurrency >= 32 else 1
    return _number(given("workers", "EXTRACTOR_WORKERS"), default, int, "workers", 1, 64)


def _one_of(value: str, allowed: tuple[str, ...], what: str, hint: str) -> str:
    if value not in allowed:
        raise ConfigError(f"unknown {what} {value!r}", hint=hint)
    return value


def debug_wanted(raw: Any = None) -> bool:
    """The debug flag (EXTRACTOR_DEBUG=1: tracebacks instead of one-line errors), also for the
    CLI's error boundary, which must decide before any settings could be resolved."""
    raw = os.environ.get("EXTRACTOR_DEBUG") if raw is None else raw
    return str(raw or "0").lower() in ("1", "true", "yes")


def _flag(raw: Any, default: bool | None) -> bool | None:
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(
        f"EXTRACTOR_SMALL_MODEL must be 1 or 0, got {raw!r}", hint="1 asks as for a small model, 0 as for a capable one"
    )


def _number(raw: Any, default: Any, kind: type, what: str, low: float, high: float) -> Any:
    if raw is None:
        return default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number, got {raw!r}", hint=f"give a value from {low} to {high}") from None
    if not low <= value <= high:
        raise ConfigError(f"{what} {value} is out of range", hint=f"give a value from {low} to {high}")
    return value
