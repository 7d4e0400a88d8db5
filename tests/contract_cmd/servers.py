"""ASGI wrappers around a vendor mock for the contract command's tests: one records, one breaks the contract.

Both are plain ASGI middleware, so the mock underneath stays the generated one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    at: float


@dataclass
class Recorder:
    """Records every HTTP request that reaches the app; `throttle_first` answers the first N with 429."""

    app: App
    throttle_first: int = 0
    retry_after: str = "1"
    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        with self._lock:
            self.seen.append(
                Seen(scope["method"], scope["path"], scope["query_string"].decode(), headers, time.monotonic())
            )
            throttled = len(self.seen) <= self.throttle_first
        if throttled:
            await _json(send, 429, {"code": 429, "message": "Too Many Requests"}, {"retry-after": self.retry_after})
            return
        await self.app(scope, receive, send)


async def _json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


@dataclass
class BrokenVoipcloud:
    """The VoIPcloud mock with four defects, one per read operation.

    get-user-calls: call_duration is a string; get-queue-calls: the required `status` is missing;
    get-ringgroup-calls: 500, echoing the caller's token; get-system-status: answers without checking the key.
    """

    app: App
    key: str

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif path.endswith("/get-ringgroup-calls"):
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            await _json(send, 500, {"code": 0, "message": f"database down for token {headers.get('token', '')}"})
        elif path.endswith("/get-system-status"):
            # The auth bypass: whatever the caller sent, the mock underneath sees a valid key.
            kept = [(k, v) for k, v in scope["headers"] if k.lower() != b"token"]
            await self.app({**scope, "headers": [*kept, (b"token", self.key.encode())]}, receive, send)
        elif path.endswith("/get-user-calls"):
            await self._rewrite(scope, receive, send, _stringify_duration)
        elif path.endswith("/get-queue-calls"):
            await self._rewrite(scope, receive, send, _drop_status)
        else:
            await self.app(scope, receive, send)

    async def _rewrite(self, scope: Scope, receive: Receive, send: Send, change: Callable[[Any], None]) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = json.loads(b"".join(chunks) or b"null")
        if start.get("status") == 200:
            change(body)
        extra = {k.decode(): v.decode() for k, v in start.get("headers", []) if k.lower() not in (b"content-length",)}
        extra.pop("content-type", None)
        await _json(send, int(start.get("status", 500)), body, extra)


def _stringify_duration(body: Any) -> None:
    for call in body.get("data") or []:
        call["call_duration"] = str(call["call_duration"])


def _drop_status(body: Any) -> None:
    for call in body.get("data") or []:
        call.pop("status", None)


@dataclass
class Status:
    """Answers every request with one status and a small JSON body: a wrong base URL, or a second host."""

    status: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await _json(send, self.status, {"code": self.status, "message": "voxspec test server"})


def redirect_to(other: str) -> App:
    """An app that answers every request with 302 to the same path and query on another host."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        query = scope["query_string"].decode()
        location = f"{other}{scope['path']}" + (f"?{query}" if query else "")
        await _json(send, 302, {"code": 302, "message": "moved"}, {"location": location})

    return app


def redirect_once(app: App, path: str) -> App:
    """Answers `path` with 307 to itself plus `?moved=1` on the same host, then serves the app behind it."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"").decode()
        if scope["type"] == "http" and scope["path"] == path and "moved=1" not in query:
            location = f"{path}?{query + '&' if query else ''}moved=1"
            await _json(send, 307, {"code": 307, "message": "moved"}, {"location": location})
            return
        await app(scope, receive, send)

    return wrapper
