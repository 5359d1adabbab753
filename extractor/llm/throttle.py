"""How fast a run may go: one `Throttle` shared by every worker of a run.

Three things, all shared, so that a provider's limits slow the whole run rather than each worker
finding them out alone:

- budgets: requests and tokens per minute (aiolimiter's leaky buckets); a request's tokens are
  estimated before it is sent (prompt characters / 4 + max_tokens), as providers count them;
- a common pause: a 429 stops every worker until its Retry-After has passed;
- an adaptive in-flight limit (additive increase, multiplicative decrease): a 429 halves how many
  requests may be in flight (once per pause, however many requests the pause refuses), each
  success adds 1/limit back, up to the run's concurrency.
"""

from __future__ import annotations

import asyncio
import json
import time

from aiolimiter import AsyncLimiter

DEFAULT_PAUSE = 1.0  # seconds, when a 429 names no Retry-After


def estimate_tokens(body: bytes) -> int:
    """A request's token cost as a rate limiter counts it: prompt (about 4 characters a token)
    plus the completion budget it asks for."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return max(1, len(body) // 4)
    prompt = sum(len(str(m.get("content", ""))) for m in payload.get("messages", []) if isinstance(m, dict))
    return max(1, prompt // 4 + int(payload.get("max_tokens") or payload.get("max_completion_tokens") or 0))


class Throttle:
    def __init__(
        self, concurrency: int, *, rpm: float | None = None, tpm: float | None = None, clock=time.monotonic
    ) -> None:
        self.ceiling = max(1, concurrency)
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.clock = clock
        self.paused_until = 0.0
        self.pauses = 0
        self.requests = AsyncLimiter(rpm, 60) if rpm else None
        self.tokens = AsyncLimiter(tpm, 60) if tpm else None
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:  # created lazily, inside the running event loop
            self._changed = asyncio.Condition()
        return self._changed

    async def acquire(self, body: bytes = b"") -> None:
        """Wait for a slot, the end of any pause, and room in the budgets."""
        changed = self._condition()
        async with changed:
            while True:
                wait = self.paused_until - self.clock()
                if wait > 0:
                    try:
                        await asyncio.wait_for(changed.wait(), timeout=wait)
                    except TimeoutError:
                        pass
                    continue
                if self.in_flight < int(self.limit):
                    self.in_flight += 1
                    break
                await changed.wait()
        if self.requests is not None:
            await self.requests.acquire()
        if self.tokens is not None:
            await self.tokens.acquire(min(estimate_tokens(body), self.tokens.max_rate))

    async def release(self, *, rate_limited: bool = False, retry_after: float | None = None) -> None:
        changed = self._condition()
        async with changed:
            self.in_flight -= 1
            if rate_limited:
                now = self.clock()
                if now >= self.paused_until:  # halve once per pause, not once per refused request
                    self.pauses += 1
                    self.limit = max(1.0, self.limit / 2)
                self.paused_until = max(
                    self.paused_until, now + (retry_after if retry_after is not None else DEFAULT_PAUSE)
                )
            else:
                self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
            changed.notify_all()
