"""The HTTP protocol under `voxspec mock`: uvicorn's httptools protocol with a deadline for request heads
and a bound on their size, so that half-sent or endless request lines and headers cannot hold a worker,
and with each answer's head and body sent in one write.

uvicorn offers neither bound for httptools (`timeout_keep_alive` only runs between requests, and
`h11_max_incomplete_event_size` only binds its slower h11 parser), hence this small subclass.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from generator.serve import DEFAULT_HEADER_TIMEOUT

log = logging.getLogger("voxspec.mock")

MAX_HEADERS_BYTES = 64 * 1024  # all header names and values of one request, as common servers allow
MIN_URL_BYTES = 64 * 1024  # the request line is refused here at the latest; the app answers 414 far sooner


def header_timeout() -> float:
    try:
        return float(os.environ.get("VOXSPEC_MOCK_HEADER_TIMEOUT", "") or DEFAULT_HEADER_TIMEOUT)
    except ValueError:
        return DEFAULT_HEADER_TIMEOUT


def max_url_bytes() -> int:
    """The request-line cap: well above the app's own limit (VOXSPEC_MOCK_MAX_URL), which answers a
    vendor-shaped 414; this one only stops a request line from growing without end."""
    try:
        app_limit = int(os.environ.get("VOXSPEC_MOCK_MAX_URL", "") or 0)
    except ValueError:
        app_limit = 0
    return max(MIN_URL_BYTES, 4 * app_limit)


class CoalescingTransport:
    """A transport that sends everything written to it in one event-loop turn as one write.

    uvicorn writes a response's status line and headers, then its body, as two writes, and each is a send
    system call: on the virtual machines these mocks run on that second call was a quarter of a simple
    answer's time. Writes are joined and sent at the end of the turn (or at once before closing); every
    other call goes to the real transport."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            self._pending.append(data)

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Refused(Exception):
    """Stops the parser after a refusal has been written."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """Closes a connection whose request head is not complete within the header timeout, and answers
    414/431 (then closes) to a request line or header block past its bound."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_started: float | None = None  # loop time the current request head began; None between heads
        self._head_timeout = header_timeout()
        self._max_url = max_url_bytes()
        self._header_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._head_started = self.loop.time()
        self._check_in(self._head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a refusal already answered and closed; the parser error it caused is ours
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._head_started = self.loop.time()
        if self._head_deadline is None:
            self._check_in(self._head_timeout)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self._max_url:
            self._refuse(414, b"URI Too Long")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADERS_BYTES:
            self._refuse(431, b"Request Header Fields Too Large")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_started = None
        super().on_headers_complete()

    # One timer per connection, re-armed only when it fires during a head: arming and cancelling a timer
    # for every request of a keep-alive connection would cost more than the rest of this class.
    def _check_in(self, seconds: float) -> None:
        self._head_deadline = self.loop.call_later(seconds, self._check_head)

    def _check_head(self) -> None:
        self._head_deadline = None
        if self._head_started is None or self.transport.is_closing():
            return
        waited = self.loop.time() - self._head_started
        if waited < self._head_timeout:
            self._check_in(self._head_timeout - waited)
            return
        log.info("closed a connection whose request head took longer than %ss", self._head_timeout)
        self.transport.close()

    def _refuse(self, status: int, reason: bytes) -> None:
        self._refused = True
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n" % (status, reason))
        self.transport.close()
        raise _Refused(reason.decode())
