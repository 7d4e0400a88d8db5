"""Vendor behaviours the specs declare with `x-voxspec-*` extensions, one small class each:
rate limits, IP allow-lists, self-aliases, webhook emission and injected faults.
"""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import logging
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from .state import Store

log = logging.getLogger("voxspec.mock")


class RateLimiter:
    """`x-voxspec-rate-limit`: a fixed window per caller (API key, else client address) and limit, counted in
    the mock's store, so workers sharing a SQLite state share the vendor's one limit."""

    def __init__(self, default: Mapping[str, Any] | None, store: Store) -> None:
        self.default = default
        self.store = store
        # None: the store's own clock. The control API sets one it can move forward, so windows end on cue.
        self.clock: Callable[[], float] | None = None

    def rule(self, op: Mapping[str, Any]) -> tuple[int, int] | None:
        """The operation's own limit, else the API's (both as the generator resolved them)."""
        limit = op.get("rate_limit") or self.default
        return (int(limit["requests"]), int(limit["window_seconds"])) if limit else None

    def retry_after(self, op: Mapping[str, Any], caller: str, now: float | None = None) -> int | None:
        """Seconds to wait when this call goes over the limit; None when it may go ahead."""
        rule = self.rule(op)
        if rule is None:
            return None
        requests, window = rule
        if now is None and self.clock is not None:
            now = self.clock()
        wait = self.store.take(f"{caller}|{requests}|{window}", requests, window, now)
        return None if wait is None else max(1, math.ceil(wait))


class AllowList:
    """`x-voxspec-allow-list`: callers outside the configured networks get the declared refusal."""

    def __init__(self, rule: Any, networks: tuple[str, ...]) -> None:
        self.rule = rule if isinstance(rule, Mapping) else None
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    @property
    def status(self) -> int:
        return int(self.rule.get("status", 403)) if self.rule else 403

    @property
    def message(self) -> str:
        if not self.rule:
            return "address not allowed"
        return str(self.rule.get("message") or self.rule.get("description") or "address not allowed")

    def refuses(self, client: str | None) -> bool:
        if self.rule is None or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(client or "")
        except ValueError:
            return True
        return not any(address in network for network in self.networks)


class SelfAlias:
    """`x-voxspec-self-alias`: a path value (such as `~`) that stands for the caller's own resource."""

    def __init__(self, rule: Any) -> None:
        rule = rule if isinstance(rule, Mapping) else {}
        self.value = str(rule.get("value", "")) if rule else ""
        self.parameters = tuple(str(p) for p in rule.get("parameters") or []) if rule else ()
        self.own: dict[str, str] = {}

    def resolve(self, path: dict[str, Any]) -> dict[str, Any]:
        if not self.value:
            return path
        return {
            name: self.own.get(name, value) if name in self.parameters and value == self.value else value
            for name, value in path.items()
        }


class Webhooks:
    """`x-voxspec-emits` on an operation: after it succeeds, POST each named event to the configured URL, and to
    the URL of each subscription (`x-voxspec-subscription`) to that event that `subscribers` finds."""

    def __init__(
        self,
        webhooks: Mapping[str, Any],
        url: str | None,
        subscribers: Callable[[str, Mapping[str, Any]], list[str]] | None = None,
    ) -> None:
        self.webhooks = webhooks
        self.url = url
        self.subscribers = subscribers
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent: list[dict[str, Any]] = []  # what was sent, for tests and the log

    def events(self, op: Mapping[str, Any]) -> list[str]:
        return [str(name) for name in op.get("emits") or ()]

    def payload(self, event: str, values: Mapping[str, Any]) -> dict[str, Any] | None:
        hook = self.webhooks.get(event)
        if not isinstance(hook, Mapping) or not isinstance(hook.get("example"), dict):
            return None
        body: dict[str, Any] = copy.deepcopy(hook["example"])
        for name in list(body):
            if name in values and not isinstance(values[name], dict | list):
                body[name] = values[name]
        return body

    def targets(self, event: str, scope: Mapping[str, Any]) -> list[str]:
        """Where an event goes: the configured URL, then each subscribed URL whose filters `scope` (the values of
        the request that caused it) matches, once each."""
        found = [self.url] if self.url else []
        for url in self.subscribers(event, scope) if self.subscribers else []:
            if url not in found:
                found.append(url)
        return found

    def emit(self, op: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        for event in self.events(op):
            targets = self.targets(event, values)
            body = self.payload(event, values) if targets else None
            if body is None:
                continue
            for url in targets:
                task = asyncio.get_running_loop().create_task(self._post(url, body))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _post(self, url: str, body: dict[str, Any]) -> None:
        import httpx

        self.sent.append(body)
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                await client.post(url, json=body)
        except httpx.HTTPError as exc:
            log.warning("webhook to %s failed: %s", url, type(exc).__name__)


class Faults:
    """Injected latency and errors for client tests (`--latency`, `--error-rate`)."""

    def __init__(self, latency_ms: float, error_rate: float, seed: int | None = None) -> None:
        self.latency = max(latency_ms, 0.0) / 1000
        self.error_rate = min(max(error_rate, 0.0), 1.0)
        self._random = random.Random(seed)

    async def delay(self) -> None:
        if self.latency:
            await asyncio.sleep(self.latency)

    def fail(self) -> bool:
        return self.error_rate > 0 and self._random.random() < self.error_rate
