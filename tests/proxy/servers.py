"""Targets for the proxy's tests: the vendor mock as it is, and a VoIPcloud that drifts from its spec.

The drifting server answers by the `x-drift` request header, one way of breaking the contract each.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from generator.proxy.app import ProxyApp, ProxyOptions
from generator.proxy.drift import Drift
from generator.proxy.run import ProxyRun, prepare
from tests.helpers import ROOT, package

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CALL = {
    "from_number": "61290001234",
    "to_number": "61280005678",
    "user_name": "Alice",
    "is_inbound": 1,
    "call_start_at": "2020-12-18T09:15:00+11:00",
    "call_duration": 95,
    "call_finished_at": "2020-12-18T09:16:35+11:00",
    "conversation_duration": 80,
}
QUEUE_CALL = {
    "queue_name": "Sales",
    "callerid": "61290001234",
    "inbound_number": "61280005678",
    "call_start_at": "2020-12-18T09:15:00+11:00",
    "call_answered_at": "2020-12-18T09:15:10+11:00",
    "call_finished_at": "2020-12-18T09:16:35+11:00",
    "answered_by_user_name": "Alice",
    "status": "answered",
}
# x-drift value -> (status, body): each breaks the spec in one way the report must show.
DRIFTS: dict[str, tuple[int, Any]] = {
    "extra-field": (200, {"code": 200, "message": "Success", "data": {"status": "operational", "region": "au-1"}}),
    "wrong-type": (200, {"code": 200, "message": "Success", "data": [{**CALL, "call_duration": "95"}]}),
    "missing-field": (
        200,
        {"code": 200, "message": "Success", "data": [{k: v for k, v in QUEUE_CALL.items() if k != "status"}]},
    ),
    "teapot": (418, {"code": 418, "message": "I'm a teapot"}),
    "not-implemented": (501, {"code": 501, "message": "Not Implemented"}),
    "error-shape": (401, {"error": "unauthorized", "reason": "bad key"}),
    "retry-after-date": (429, {"code": 429, "message": "Too Many Requests"}),
}
# x-drift value -> headers of the answer beside Content-Type
DRIFT_HEADERS: dict[str, list[tuple[bytes, bytes]]] = {
    "retry-after-date": [(b"retry-after", b"Wed, 21 Oct 2026 07:28:00 GMT")],  # the spec says seconds
}


async def drifting(scope: Scope, receive: Receive, send: Send) -> None:
    """A VoIPcloud that has drifted: every answer is valid JSON, each wrong in its own way."""
    if scope["type"] != "http":
        return
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    status, body = DRIFTS.get(headers.get("x-drift", ""), (200, {"code": 200, "message": "Success", "data": []}))
    if "echo-secret" in headers:  # a vendor that hands a credential back: must never reach a cassette
        body = {**body, "access_token": headers.get("token", "")}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *DRIFT_HEADERS.get(headers.get("x-drift", ""), []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def mock_app(vendor: str) -> Any:
    return package(vendor, "server").create_app()


def proxied(vendor: str, target: Any, **options: Any) -> tuple[ProxyApp, Drift, httpx.AsyncClient]:
    """The proxy in front of an in-process target, and an async client that talks to the proxy."""
    run = ProxyRun(
        vendor, ROOT / "specs" / vendor / "openapi.yaml", ProxyOptions(target="http://vendor.test", **options)
    )
    app, drift = prepare(ROOT, run)
    app.client = httpx.AsyncClient(transport=httpx.ASGITransport(target))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app, client=("127.0.0.1", 5555)), base_url="http://proxy")
    return app, drift, client
