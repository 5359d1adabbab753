"""What one run's articles share, opened in one place: the settings, the price table, the cache,
the run store (a named run) and the LLM client.

`run_context(settings, run=..., client=...)` opens the cache and the run store (and records the
run in the store, whose `resumed` says whether it existed) and closes both however the run ends.
The LLM client is built on first need, so a run served entirely from the cache builds none and the
embedded model loads nothing. The library API, the driver of `extractor extract` and each worker
process build their context here; a client given to it (the library's `client=`, a test's fake
server) is used instead and left open for its owner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.cache import Cache, public_url
from extractor.runs.pricing import Prices, load_prices
from extractor.runs.store import RunStore
from extractor.settings import Settings

if TYPE_CHECKING:  # imported when a client is needed: a run the cache answers never loads openai or instructor
    from extractor.llm.client import AsyncLLMClient, LLMClient


@dataclass
class RunContext:
    settings: Settings
    prices: Prices
    cache: Cache | None = None
    store: RunStore | None = None  # with a named run
    run: str | None = None
    retry_failed: bool = False
    resumed: bool = False  # the named run existed before this invocation
    given: LLMClient | AsyncLLMClient | None = None  # a client from the caller, used instead of one built
    _async: AsyncLLMClient | None = field(default=None, repr=False)  # built here, on first need
    _sync: LLMClient | None = field(default=None, repr=False)

    def client(self) -> AsyncLLMClient:
        """The async client for concurrent runs, with the run's throttle (rpm, tpm, in-flight limit)."""
        from extractor.llm.client import AsyncLLMClient, build_async_client
        from extractor.llm.throttle import Throttle

        if isinstance(self.given, AsyncLLMClient):
            return self.given
        if self._async is None:
            s = self.settings
            self._async = build_async_client(s, Throttle(s.concurrency, rpm=s.rpm, tpm=s.tpm), s.concurrency)
        return self._async

    def sync_client(self) -> LLMClient:
        """The client for one article at a time (the library's `extract`)."""
        from extractor.llm.client import AsyncLLMClient, LLMClient, build_client

        if isinstance(self.given, LLMClient) and not isinstance(self.given, AsyncLLMClient):
            return self.given
        if self._sync is None:
            self._sync = build_client(self.settings)
        return self._sync

    async def aclose(self) -> None:
        """Close the async client this context built (one given by the caller stays open)."""
        if self._async is not None:
            built, self._async = self._async, None
            await built.aclose()


def run_settings(settings: Settings) -> dict:
    """What a run records about how it was made (nothing secret)."""
    return {
        "provider": settings.provider,
        "model": settings.model,
        "base_url": public_url(settings.base_url),
        "params": settings.params(),
    }


@contextlib.contextmanager
def run_context(
    settings: Settings,
    *,
    run: str | None = None,
    retry_failed: bool = False,
    client: LLMClient | AsyncLLMClient | None = None,
) -> Iterator[RunContext]:
    with contextlib.ExitStack() as held:
        cache = held.enter_context(Cache(settings.cache_file)) if settings.cache_file else None
        store = held.enter_context(RunStore(settings.run_store)) if run else None
        resumed = store.begin_run(run, run_settings(settings)) if store is not None and run else False
        yield RunContext(
            settings,
            load_prices(settings.prices_file),
            cache,
            store,
            run,
            retry_failed,
            resumed,
            client,
        )
