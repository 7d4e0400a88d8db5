"""The proxy's ASGI app: forward each request unchanged, stream the answer back unchanged, then check both.

Bodies stream through in both directions; a copy of each, up to a cap, is kept to validate and record once the
answer has been sent, so checking never delays the application. It never answers for the vendor except with
a 502 in the vendor's error shape when the target cannot be reached.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from generator.ir import Api, Operation
from generator.mock.runtime import render
from generator.proxy.check import UNKNOWN, Checker, Violation
from generator.proxy.drift import Drift
from generator.proxy.guard import Guard
from generator.proxy.record import Recorder, Secrets

log = logging.getLogger("voxspec.proxy")

REPORT_PATH = "/__voxspec/proxy/report"
# Connection-level headers: each hop has its own (RFC 9110 7.6.1); Host names the target, not the proxy.
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade", b"host"}
)


@dataclass(frozen=True)
class ProxyOptions:
    target: str
    max_body: int = 4 << 20  # bytes of a body kept to validate and record; larger ones are forwarded unchecked
    record: Path | None = None
    hold_rate_limit: bool = False
    timeout: float = 60.0


class Tee:
    """A copy of a streamed body, given up once it passes the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data: bytearray | None = bytearray()

    def add(self, chunk: bytes) -> None:
        if self.data is not None:
            if len(self.data) + len(chunk) > self.cap:
                self.data = None
            else:
                self.data += chunk

    @property
    def body(self) -> bytes | None:
        return None if self.data is None else bytes(self.data)


def decoded(raw: bytes | None, encoding: str) -> bytes | None:
    """The body as the application reads it: gzip and deflate undone; other encodings are not checked."""
    if raw is None or not encoding or encoding == "identity":
        return raw
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(raw)
    except zlib.error:
        return None
    return None


def loopback(scope: Scope) -> bool:
    client = scope.get("client")
    try:
        return client is not None and ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


class ProxyApp:
    def __init__(
        self,
        api: Api,
        drift: Drift,
        options: ProxyOptions,
        secrets: Secrets,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api = api
        self.drift = drift
        self.options = options
        self.secrets = secrets
        self.checker = Checker(api)
        self.guard = Guard(api, drift, options.hold_rate_limit)
        self.recorder = Recorder(options.record, secrets) if options.record else None
        self.target = options.target.rstrip("/")
        # No automatic decompression or redirects: the application gets exactly what the vendor sent.
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(options.timeout, connect=min(options.timeout, 10.0)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=32, keepalive_expiry=30),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets are no part of these APIs
            return
        if scope["path"] == REPORT_PATH and scope["method"] == "GET":
            await self._report(scope, send)
            return
        await self.exchange(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _report(self, scope: Scope, send: Send) -> None:
        if not loopback(scope):
            await _plain(send, 403, b"the drift report is served to loopback clients only\n", "text/plain")
            return
        as_text = b"format=text" in scope.get("query_string", b"")
        if as_text:
            await _plain(send, 200, self.drift.text().encode(), "text/plain; charset=utf-8")
        else:
            body = json.dumps(self.drift.as_json(), ensure_ascii=False, indent=2).encode()
            await _plain(send, 200, body, "application/json")

    async def exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        op, path_params, _ = self.checker.router.match(method, path)
        # Credentials are known to the Redactor before anything is forwarded or logged.
        self.secrets.learn(self.checker.credentials(scope))
        await self.guard.admit(op)
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        has_body = any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"]) and not any(
            k == b"content-length" and v.strip() == b"0" for k, v in scope["headers"]
        )
        sent = Tee(self.options.max_body)
        query = scope.get("query_string", b"")
        raw_path = scope.get("raw_path") or path.encode()
        url = self.target + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")

        async def upload() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                chunk = message.get("body", b"")
                if chunk:
                    sent.add(chunk)
                    yield chunk
                if not message.get("more_body", False):
                    return

        request = self.client.build_request(method, url, headers=headers, content=upload() if has_body else None)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            await self._unreachable(op, method, path, exc, send)
            return
        got = Tee(self.options.max_body)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP],
                }
            )
            async for chunk in response.aiter_raw():
                got.add(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError as exc:  # the answer broke off midway: the application sees it end, as it would
            log.error("%s %s: the target's answer broke off: %s", method, path, self.secrets.redact(str(exc)))
            self.drift.upstream_errors += 1
            return
        finally:
            await response.aclose()
        answer = decoded(got.body, response.headers.get("content-encoding", "").lower())
        try:
            self.after(scope, op, path_params, sent.body if has_body else b"", response, answer)
        except Exception:  # the application has its answer; a checking bug must not look like the vendor's
            log.exception("%s %s: checking the exchange failed", method, self.secrets.redact(path))

    def after(
        self,
        scope: Scope,
        op: Operation | None,
        path_params: dict[str, str],
        body: bytes | None,
        response: httpx.Response,
        answer: bytes | None,
    ) -> None:
        """Check both directions and record the exchange; runs once the application has its answer."""
        method, path = scope["method"], scope["path"]
        status = response.status_code
        name = op.op_id if op else UNKNOWN
        self.drift.seen(name, op.effects if op else None)
        if body is None or answer is None:
            self.drift.unchecked += 1
        example = {"method": method, "path": path, "status": status}
        if op is None:
            template = path[len(self.api.base_path) :] if path.startswith(self.api.base_path) else path
            violations = [
                Violation(
                    UNKNOWN,
                    "request",
                    "unknown-operation",
                    "/path",
                    "an operation of the spec",
                    f"{method} {path}",
                    "/paths",
                    {"method": method, "path": template, "status": status},
                )
            ]
        else:
            violations = self.checker.request(op, scope, path_params, body)
            violations += self.checker.response(op, status, response.headers, answer, head=method == "HEAD")
        for violation in violations:
            self.drift.add(violation, example)
            log.warning("%s", self.secrets.redact(violation.line()))
        if self.recorder is not None and body is not None and answer is not None:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            self.recorder.save(
                name,
                method,
                path,
                scope.get("query_string", b"").decode("latin-1"),
                headers,
                body,
                status,
                list(response.headers.multi_items()),
                answer,
            )

    async def _unreachable(self, op: Operation | None, method: str, path: str, exc: Exception, send: Send) -> None:
        """A 502 in the vendor's error shape: the operation's declared 5xx answer, else its error shape."""
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        log.error("%s %s: cannot reach %s (%s); answered 502", method, path, self.target, self.secrets.redact(reason))
        self.drift.upstream_errors += 1
        spec = self.checker.spec
        op_id = op.op_id if op else None
        declared = [r.status for r in op.responses] if op else []
        kind = "unavailable" if any(s[0] == "5" or s == "default" for s in declared) else "invalid"
        result = spec.error_response(op_id, kind, "voxspec proxy: the vendor could not be reached")
        result.status = 502
        result.headers["x-voxspec-proxy"] = "target unreachable"
        await render(result)({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


async def _plain(send: Send, status: int, body: bytes, media: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__: list[Any] = ["REPORT_PATH", "ProxyApp", "ProxyOptions"]
