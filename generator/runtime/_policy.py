"""Retry and rate-limit policy of generated clients: backoff with jitter, Retry-After, a sliding window.

Copied verbatim into each generated package as `_policy.py`. Written by hand rather than on tenacity
or a rate-limit library: a generated package must stay standalone on httpx and pydantic alone, and
the whole policy is a delay function and a deque, which the sync and async clients share.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Retry:
    """When and how long to wait before trying a request again.

    `attempts` counts every try, the first included (1 = never retry). Waits grow as
    `backoff * 2**(n-1)` capped at `max_backoff`, with half of each wait random (jitter) so that
    many clients do not retry in step. A `Retry-After` header (seconds or an HTTP date) replaces the
    computed wait; one longer than `max_retry_after` is not waited for, the error is raised instead.
    Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried unless `non_idempotent`; an operation
    the spec marks with `x-voxspec-effects` (it places a call, sends a fax) never counts as idempotent.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)
    non_idempotent: bool = False

    def delay(self, attempt: int, idempotent: bool, retry_after: str | None = None) -> float | None:
        """Seconds to wait before try `attempt + 1`, or None when the request must not be tried again."""
        if attempt >= self.attempts or not (idempotent or self.non_idempotent):
            return None
        if retry_after is not None:
            asked = parse_retry_after(retry_after)
            if asked is not None:
                return asked if asked <= self.max_retry_after else None
        cap = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return cap / 2 + random.uniform(0, cap / 2)


NO_RETRY = Retry(attempts=1)


def parse_retry_after(value: str, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as seconds to wait: delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


class RateLimiter:
    """At most `requests` calls in any `window_seconds`: a sliding window of reserved send times.

    `reserve()` books the earliest slot and says how long to wait for it, so concurrent callers
    (threads or tasks) queue in order instead of all waking at once. Share one limiter between
    clients that share a key.
    """

    def __init__(self, requests: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if requests < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs requests >= 1 and window_seconds > 0")
        self.requests = requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._slots: deque[float] = deque()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateLimiter(requests={self.requests}, window_seconds={self.window_seconds})"

    def history(self) -> list[float]:
        """The send times booked in the current window (by this limiter's clock), oldest first."""
        with self._lock:
            now = self._clock()
            return [t for t in self._slots if now - self.window_seconds < t <= now]

    def restore(self, times: Iterable[float]) -> None:
        """Count earlier sends (from history(), e.g. of an earlier process using the same clock) in the window."""
        with self._lock:
            now = self._clock()
            kept = sorted({*self._slots, *(t for t in times if now - self.window_seconds < t <= now)})
            self._slots = deque(kept)

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            while self._slots and self._slots[0] <= now - self.window_seconds:
                self._slots.popleft()
            slot = now
            if len(self._slots) >= self.requests:
                slot = max(now, self._slots[-self.requests] + self.window_seconds)
            self._slots.append(slot)
            return slot - now
