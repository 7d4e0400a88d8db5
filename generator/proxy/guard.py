"""The spec's `x-voxspec-rate-limit` as a guard on what the application sends: warn, or hold the request.

The proxy sees every call the application makes, so it knows before the vendor does that a limit is passed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from generator.ir import Api, Operation, RateLimit
from generator.proxy.drift import Drift

log = logging.getLogger("voxspec.proxy")


class Guard:
    """Sliding windows of request times, one for the API's limit and one per operation that has its own."""

    def __init__(self, api: Api, drift: Drift, hold: bool) -> None:
        self.api = api
        self.drift = drift
        self.hold = hold
        self.windows: dict[str, deque[float]] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.warned: dict[str, float] = {}

    def limits(self, op: Operation | None) -> list[tuple[str, RateLimit]]:
        out = [("the API", self.api.rate_limit)] if self.api.rate_limit else []
        if op is not None and op.rate_limit is not None:
            out.append((op.op_id, op.rate_limit))
        return out

    async def admit(self, op: Operation | None) -> None:
        for key, limit in self.limits(op):
            lock = self.locks.setdefault(key, asyncio.Lock())
            async with lock:  # held requests leave in order, one slot at a time
                window = self.windows.setdefault(key, deque())
                now = time.monotonic()
                while window and window[0] <= now - limit.window_seconds:
                    window.popleft()
                if len(window) >= limit.requests:
                    wait = window[0] + limit.window_seconds - now
                    if self.hold:
                        log.warning(
                            "rate limit of %s (%d per %ds): holding a request %.1fs",
                            key,
                            limit.requests,
                            limit.window_seconds,
                            wait,
                        )
                        await asyncio.sleep(wait)
                        window.popleft()
                    else:
                        self.drift.rate_limited += 1
                        if self.warned.get(key, 0.0) <= now - limit.window_seconds:
                            self.warned[key] = now
                            log.warning(
                                "the application exceeds the rate limit of %s (%d per %ds); the vendor may answer "
                                "429 (--hold-rate-limit holds requests instead)",
                                key,
                                limit.requests,
                                limit.window_seconds,
                            )
                window.append(time.monotonic())
