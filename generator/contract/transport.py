"""The safety rails under every request of a contract run: write guard, one host, budget, rate limit, Retry-After.

They sit in a requests transport adapter and session, so schemathesis' own follow-up requests pass through them.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from generator.runtime._policy import RateLimiter, parse_retry_after

log = logging.getLogger("voxspec.contract")

READ_METHODS = frozenset({"GET", "HEAD"})


class RunStopped(Exception):
    """The run must stop before sending another request; the message says why, without any secret."""


class BudgetExhausted(RunStopped):
    pass


class WriteRefused(RunStopped):
    pass


class RateLimitTooLong(RunStopped):
    pass


class CrossOriginRedirect(RunStopped):
    """The server redirected to another host: not followed, so no credential reaches it. A finding, not an error."""

    def __init__(self, method: str, url: str, status: int, target: str) -> None:
        self.method, self.url, self.status, self.target = method, url, status, target
        super().__init__(
            f"{method} {url} answered {status} redirecting to another host ({target}); not followed, so no "
            "credential left the base URL's host"
        )


class OtherHostRefused(RunStopped):
    """A request for a host other than the base URL's: refused before it is sent."""


class WriteRouteRefused(Exception):
    """A request whose method and path are those of a write not allowed in this run (a generated path value
    that spells out an action's path, e.g. /user/logout for /user/{id}): that one request is not sent."""


@dataclass(frozen=True)
class WriteRoute:
    """The method and path of an operation the run may not send (it writes, or has effects)."""

    method: str
    path: str  # the spec's path template, under the base URL
    operation_id: str

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}/]+\})", self.path)
        return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "/?")


def same_host(url: str, other: str) -> bool:
    """Whether credentials may go from one URL to the other: the same host and port (an http -> https upgrade on
    the default ports included), by the rule requests uses to keep Authorization on a redirect."""
    return not _RULES.should_strip_auth(url, other)


_RULES = requests.Session()  # only its redirect rule is used; it never sends


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window: float
    source: str

    def __str__(self) -> str:
        return f"{self.requests} per {self.window:g} s ({self.source})"


class SlidingWindow:
    """At most `limit.requests` requests in any `limit.window` seconds; `acquire` sleeps until one may go.

    The window is the generated clients' own `RateLimiter`, so both keep a vendor's limit the same way."""

    def __init__(
        self,
        limit: RateLimit,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._limiter = RateLimiter(limit.requests, limit.window, clock)
        self._sleep = sleep

    def acquire(self, max_wait: float = math.inf) -> float:
        """Book the next slot, wait for it, and say how long that was; a wait over max_wait stops the run."""
        wait = self._limiter.reserve()
        if wait > max_wait:
            raise RateLimitTooLong(
                f"the rate limit {self.limit} has no room for {wait:.0f} s (requests of earlier runs count), "
                f"more than --max-wait {max_wait:g} s; run again later"
            )
        if wait > 0:
            self._sleep(wait)
        return wait

    def history(self) -> list[float]:
        return self._limiter.history()

    def restore(self, times: list[float]) -> None:
        self._limiter.restore(times)


def retry_after_seconds(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a Retry-After header, read the way the generated clients read it."""
    return parse_retry_after(value, lambda: now().timestamp()) if value else None


@dataclass
class Guard:
    """What may be sent and how fast. One per run; the runner sets `operation` before each case."""

    budget: int
    allowed_writes: Mapping[str, str] = field(default_factory=dict)  # operationId -> method
    rate_limit: RateLimit | None = None
    operation_limits: Mapping[str, RateLimit] = field(default_factory=dict)
    max_wait: float = 60.0
    retries: int = 2
    clock: Callable[[], float] = time.time  # wall clock: a window's history outlives the run
    sleep: Callable[[float], None] = time.sleep
    sent: int = 0
    waited: float = 0.0
    retried: int = 0
    operation: str = ""
    method: str = "GET"
    base_url: str = ""  # when set, no request leaves its host, and writing routes are matched under its path
    refused_routes: tuple[WriteRoute, ...] = ()  # writes not allowed in this run, refused whichever case asks
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _windows: dict[str, SlidingWindow] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.budget - self.sent

    def history(self) -> dict[str, list[float]]:
        """Send times still inside each rate-limit window ("" for the API's, else an operationId), by wall clock."""
        return {key: times for key, window in self._windows.items() if (times := window.history())}

    def restore(self, history: Mapping[str, list[float]]) -> int:
        """Count an earlier run's sends in the windows of the limits this run keeps; how many still count."""
        limits = {"": self.rate_limit, **self.operation_limits}
        for key, times in history.items():
            limit = limits.get(key)
            if limit is not None:
                self._window(key, limit).restore(times)
        return sum(len(window.history()) for window in self._windows.values())

    def _window(self, key: str, limit: RateLimit) -> SlidingWindow:
        if key not in self._windows:
            self._windows[key] = SlidingWindow(limit, self.clock, self.sleep)
        return self._windows[key]

    def _limits(self) -> list[SlidingWindow]:
        out = []
        if self.rate_limit is not None:
            out.append(self._window("", self.rate_limit))
        if self.operation in self.operation_limits:
            out.append(self._window(self.operation, self.operation_limits[self.operation]))
        return out

    def admit(self, method: str, sign_in: bool = False, url: str | None = None) -> None:
        """Count one request against the budget and wait for the rate limit; raise if it may not go.
        `sign_in` marks the OAuth2 token request, a POST that changes nothing and needs no --allow-writes."""
        method = method.upper()
        if not sign_in and method not in READ_METHODS and self.allowed_writes.get(self.operation) != method:
            # Schemathesis' own probes reuse the operation's method, so only a listed write op may send one.
            raise WriteRefused(f"refused to send {method} for {self.operation or 'an unknown operation'}: not allowed")
        if url is not None and self.base_url:
            if not same_host(self.base_url, url):
                raise OtherHostRefused(f"refused to send {method} to {url}: not the base URL's host")
            route = self.refused_route(method, url)
            if route is not None:
                raise WriteRouteRefused(f"{method} {urlsplit(url).path} is {route.operation_id}, not allowed")
        with self._lock:
            if self.sent >= self.budget:
                raise BudgetExhausted(f"request budget of {self.budget} spent")
            for window in self._limits():
                waited = window.acquire(self.max_wait)
                if waited:
                    log.info("rate limit: waited %.2fs", waited)
                    self.waited += waited
            self.sent += 1

    def refused_route(self, method: str, url: str) -> WriteRoute | None:
        """The not-allowed write whose method and path template the URL matches, if any."""
        base_path = urlsplit(self.base_url).path.rstrip("/")
        path = unquote(urlsplit(url).path)  # the server decodes /user/log%6Fut to /user/logout, so the guard does too
        if not path.startswith(base_path + "/"):
            return None
        path = path[len(base_path) :]
        return next(
            (r for r in self.refused_routes if r.method == method and r.pattern.fullmatch(path) is not None), None
        )

    def honour_retry_after(self, seconds: float) -> None:
        if seconds > self.max_wait:
            raise RateLimitTooLong(
                f"the server asked to wait {seconds:g} s (Retry-After), more than --max-wait {self.max_wait:g} s"
            )
        self.sleep(seconds)
        self.waited += seconds


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter that asks the Guard before each send and retries 429/503 after Retry-After."""

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            self.guard.admit(request.method or "GET", url=request.url)
            response = super().send(request, *args, **kwargs)
            if response.status_code not in (429, 503) or attempt >= self.guard.retries:
                return response
            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is None:
                return response
            log.info("%s answered %s; waiting %.2fs as Retry-After asks", request.method, response.status_code, delay)
            response.close()
            self.guard.honour_retry_after(delay)
            self.guard.retried += 1
            attempt += 1


class GuardedSession(requests.Session):
    """Follows a redirect only within the base URL's host; one to another host stops the run (credentials ride
    on headers and query strings requests does not strip). Every redirect is reported through `notify`."""

    def __init__(self, notify: Callable[[str], None] = lambda line: None) -> None:
        super().__init__()
        self.notify = notify

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        url = urljoin(resp.url, target)
        method = resp.request.method or "GET"
        if not same_host(resp.url, url):
            self.notify(f"voxspec contract: redirect: {method} {resp.url} -> {resp.status_code} {url}: another host")
            raise CrossOriginRedirect(method, resp.url, resp.status_code, url)
        self.notify(f"voxspec contract: redirect: {method} {resp.url} -> {resp.status_code} {url} (same host)")
        return target


def guarded_session(guard: Guard, notify: Callable[[str], None] = lambda line: None) -> requests.Session:
    session = GuardedSession(notify)
    adapter = GuardedAdapter(guard, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    # An explicit no-op auth keeps requests from adding ~/.netrc credentials, which no report could redact;
    # proxies from the environment still apply.
    session.auth = _no_auth
    return session


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request
