"""Transport retries, kept apart from validation re-asks.

`RetryingTransport` wraps any httpx2 transport and retries what a retry can fix: HTTP 408, 409,
429 and 5xx, timeouts, and dropped or refused connections. It honours Retry-After (seconds or an
HTTP date, and retry-after-ms), otherwise waits exponentially with jitter, and stops after a
bounded number of attempts or before a bounded total wait. The openai SDK's own retries are
turned off (max_retries=0) so the two do not multiply. When attempts run out the last response is
returned (the SDK turns it into its usual error) or the last exception re-raised; either way the
attempt count travels with it.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx2
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from extractor.errors import TransportError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
ATTEMPTS_HEADER = "x-extractor-attempts"
MAX_RETRY_AFTER = 60.0

if TYPE_CHECKING:
    from extractor.llm.throttle import Throttle


class _RetryableStatus(Exception):
    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def retry_after_seconds(response: httpx2.Response, now: float | None = None) -> float | None:
    """The server's requested delay, if it gave one."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - (time.time() if now is None else now))


class _RetryPolicy:
    """What to retry, how long to wait, when to stop: shared by the sync and async transports."""

    def __init__(
        self, *, attempts: int = 6, max_wait: float = 120.0, initial_wait: float = 0.5, max_backoff: float = 20.0
    ) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self._backoff = wait_exponential_jitter(multiplier=initial_wait, max=max_backoff, jitter=initial_wait)

    def _stop(self):
        # tenacity combines a stop with any callable of the retry state; its annotation names only stop_base
        return stop_after_attempt(self.attempts) | self._would_wait_too_long  # type: ignore[operator]

    def _retry(self):
        return retry_if_exception_type((_RetryableStatus, *RETRY_EXCEPTIONS))

    def _would_wait_too_long(self, state: RetryCallState) -> bool:
        # Bounds the total of the waits themselves (slept so far + the one about to start).
        return state.idle_for + (state.upcoming_sleep or 0.0) > self.max_wait

    def _retrying(self, kind, sleep):
        return kind(
            stop=self._stop(), wait=self._wait, retry=self._retry(), sleep=sleep, reraise=True, before_sleep=self._log
        )

    def _log(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        what = f"HTTP {error.response.status_code}" if isinstance(error, _RetryableStatus) else repr(error)
        log.info(
            "the model server answered %s (attempt %d of %d); trying again in %.2f s",
            what,
            state.attempt_number,
            self.attempts,
            state.upcoming_sleep or 0.0,
        )

    @staticmethod
    def _kept(response: httpx2.Response, attempt_number: int) -> httpx2.Response:
        """The response of an attempt (its body read inside the attempt, so that a connection
        dropped mid-body is retried like any other fault), or `_RetryableStatus` to retry it."""
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatus(response)
        response.headers[ATTEMPTS_HEADER] = str(attempt_number)
        return response

    @staticmethod
    def _exhausted(exc: BaseException, attempt_number: int) -> httpx2.Response:
        """After the last attempt: a retryable status is returned as it came (the SDK maps it),
        a transport fault raised as our `TransportError` with the attempts it took."""
        if isinstance(exc, _RetryableStatus):
            exc.response.headers[ATTEMPTS_HEADER] = str(attempt_number)
            return exc.response
        if isinstance(exc, RETRY_EXCEPTIONS):
            # Ours, with the attempts as a field: the SDK wraps it (APIConnectionError) and
            # `extractor.llm.sdk_errors` finds it under the wrapper.
            what = "timed out" if isinstance(exc, httpx2.TimeoutException) else "could not be reached"
            raise TransportError(
                f"the model server {what} after {attempt_number} attempts",
                attempts=attempt_number,
                hint="check --base-url and that the server is running (nothing finished is lost); "
                "raise EXTRACTOR_TIMEOUT for slow models",
            ) from exc
        raise exc

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RetryableStatus):
            asked = retry_after_seconds(error.response)
            if asked is not None:
                return min(asked, MAX_RETRY_AFTER)
        return self._backoff(state)


class RetryingTransport(_RetryPolicy, httpx2.BaseTransport):
    """`inner` with the retry policy (`attempts`, `max_wait`, `initial_wait`, `max_backoff`)."""

    def __init__(
        self, inner: httpx2.BaseTransport, *, sleep: Callable[[float], None] = time.sleep, **policy: float
    ) -> None:
        super().__init__(**policy)  # type: ignore[arg-type]
        self.inner = inner
        self.sleep = sleep

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        attempt_number = 0
        try:
            for attempt in self._retrying(Retrying, self.sleep):
                with attempt:
                    attempt_number = attempt.retry_state.attempt_number
                    response = self.inner.handle_request(request)
                    response.read()
                    return self._kept(response, attempt_number)
        except Exception as exc:  # noqa: BLE001 - _exhausted returns or raises it again
            return self._exhausted(exc, attempt_number)
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def close(self) -> None:
        self.inner.close()


class AsyncRetryingTransport(_RetryPolicy, httpx2.AsyncBaseTransport):
    """The same policy for the async client. With a `Throttle`, every attempt waits for the run's
    shared budgets first, and a 429 pauses the whole run for its Retry-After."""

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        *,
        throttle: Throttle | None = None,
        sleep: Callable[[float], object] = asyncio.sleep,
        **policy: float,
    ) -> None:
        super().__init__(**policy)  # type: ignore[arg-type]
        self.inner = inner
        self.throttle = throttle
        self.sleep = sleep

    def _wait(self, state: RetryCallState) -> float:
        # The shared pause already made this worker wait for Retry-After; only back off on top.
        error = state.outcome.exception() if state.outcome else None
        if self.throttle is not None and isinstance(error, _RetryableStatus) and error.response.status_code == 429:
            return self._backoff(state) / 4
        return super()._wait(state)

    async def _send(self, request: httpx2.Request) -> httpx2.Response:
        if self.throttle is None:
            return await self.inner.handle_async_request(request)
        await self.throttle.acquire(await request.aread())  # the body, to estimate its tokens
        limited, asked = False, None
        try:
            response = await self.inner.handle_async_request(request)
            if response.status_code == 429:
                limited, asked = True, retry_after_seconds(response)
            return response
        finally:
            await self.throttle.release(
                rate_limited=limited, retry_after=None if asked is None else min(asked, MAX_RETRY_AFTER)
            )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        attempt_number = 0
        try:
            async for attempt in self._retrying(AsyncRetrying, self.sleep):
                with attempt:
                    attempt_number = attempt.retry_state.attempt_number
                    response = await self._send(request)
                    await response.aread()
                    return self._kept(response, attempt_number)
        except Exception as exc:  # noqa: BLE001 - as above
            return self._exhausted(exc, attempt_number)
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    async def aclose(self) -> None:
        await self.inner.aclose()
