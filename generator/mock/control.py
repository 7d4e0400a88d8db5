"""The control API of a mock started with `control=True`: reset, state snapshots, the request journal, queued
answers, webhook events and the mock's clock, under the reserved prefix /__voxspec/ (described in control.yaml).

A test drives the mock through it; a caller outside loopback must present the control token.
"""

from __future__ import annotations

import asyncio
import copy
import hmac
import ipaddress
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import httpx
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from .crud import ASYNC
from .journal import Journal
from .runtime import NATURAL, ApiResponse, MockConfig, Pipeline, Problem, Spec, parse_query, render
from .state import MemoryStore, SqliteStore, Store

PREFIX = "/__voxspec/"
TOKEN_HEADER = "x-voxspec-control-token"


class ConnectionDropped(httpx.RemoteProtocolError):
    """A queued `drop`: the mock closes the connection after the status line, as a vendor's overloaded edge does.

    In-process the client sees this error itself; through a real socket it sees the connection closed."""


@dataclass
class Planned:
    """Queued for an operation's next `times` calls: an answer in the handler's place, a delay, or a drop."""

    times: int = 1
    status: int | None = None
    example: str | None = None
    latency_ms: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def answers(self) -> bool:
        return self.status is not None or self.example is not None

    def describe(self) -> dict[str, Any]:
        return {
            "times": self.times,
            "status": self.status,
            "example": self.example,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "headers": self.headers,
        }


class Clock:
    """The mock's time: the store's own clock plus however far the control API moved it."""

    def __init__(self, base: Callable[[], float]) -> None:
        self.base = base
        self.offset = 0.0

    def __call__(self) -> float:
        return self.base() + self.offset


def dump_store(store: Store) -> dict[str, Any]:
    """The records and id counters of a store as JSON (rate-limit windows and when async states began are time,
    not state: not kept; a loaded resource still in an async state starts its state's time at its next poll)."""
    records: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    if isinstance(store, MemoryStore):
        for (kind, scope), keyed in store._records.items():
            if kind != ASYNC:
                records += [{"kind": kind, "scope": scope, "key": k, "record": v} for k, v in keyed.items()]
        counters = dict(store._counters)
    elif isinstance(store, SqliteStore):
        db = store._db()
        rows = db.execute("SELECT kind, scope, key, body FROM records WHERE kind != ? ORDER BY seq", (ASYNC,))
        records = [{"kind": a, "scope": b, "key": c, "record": json.loads(d)} for a, b, c, d in rows]
        counters = {n: int(v) for n, v in db.execute("SELECT name, value FROM counters WHERE name != '::seeded'")}
    else:
        raise Problem("conflict", f"a {type(store).__name__} cannot be dumped")
    return {"records": copy.deepcopy(records), "counters": counters}


def load_store(store: Store, snapshot: Any) -> None:
    """Replace a store's records, counters and rate-limit windows with a snapshot from dump_store."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("records", []), list):
        raise Problem("invalid", "a snapshot is an object with a `records` list and a `counters` object")
    entries = snapshot.get("records", [])
    counters = snapshot.get("counters") or {}
    if not isinstance(counters, dict) or not all(isinstance(v, int) for v in counters.values()):
        raise Problem("invalid", "`counters` maps kinds to integers")
    for entry in entries:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) for f in ("kind", "scope", "key")):
            raise Problem("invalid", "each record has string `kind`, `scope` and `key`, and a `record`")
    if isinstance(store, MemoryStore):
        store._records.clear()
        store._counters = {str(k): int(v) for k, v in counters.items()}
        store._windows.clear()
    elif isinstance(store, SqliteStore):
        db = store._db()
        db.execute("DELETE FROM records")
        db.execute("DELETE FROM counters WHERE name != '::seeded'")
        db.execute("DELETE FROM windows")
        for name, value in counters.items():
            db.execute("INSERT INTO counters (name, value) VALUES (?, ?)", (str(name), int(value)))
    else:
        raise Problem("conflict", f"a {type(store).__name__} cannot be loaded")
    for entry in entries:
        store.put(entry["kind"], entry["scope"], entry["key"], copy.deepcopy(entry.get("record")))


class Control:
    """The control API's state and endpoints, bound to one app's pipeline and (mock) handlers."""

    def __init__(self, spec: Spec, pipeline: Pipeline, handlers: object, config: MockConfig) -> None:
        self.spec = spec
        self.pipeline = pipeline
        self.handlers = handlers
        self.config = config
        self.journal = Journal()
        self.queue: dict[str, deque[Planned]] = {}
        # Where emitted events go when the receiver is an app in the same process (MockServer(webhook_app=...)).
        self.webhook_transport: httpx.AsyncBaseTransport | None = None
        store: Store | None = getattr(handlers, "store", None)
        self.store = store
        self.seed = dump_store(store) if store is not None else None
        self.clock = Clock(time.monotonic if isinstance(store, MemoryStore) else time.time)
        for timed in (getattr(handlers, "limiter", None), getattr(handlers, "crud", None)):
            if timed is not None:  # rate-limit windows and async states follow the clock this API moves
                timed.clock = self.clock
        tokens = getattr(handlers, "tokens", None)
        if tokens is not None:
            wall = Clock(tokens.clock)
            self.walls = [wall]
            tokens.clock = wall
        else:
            self.walls = []
        self.router = Router(
            [
                Route(PREFIX + "openapi.json", self.control_document, methods=["GET"]),
                Route(PREFIX + "reset", self.reset, methods=["POST"]),
                Route(PREFIX + "state", self.get_state, methods=["GET"]),
                Route(PREFIX + "state", self.put_state, methods=["PUT"]),
                Route(PREFIX + "journal", self.get_journal, methods=["GET"]),
                Route(PREFIX + "journal", self.clear_journal, methods=["DELETE"]),
                Route(PREFIX + "behaviours", self.get_behaviours, methods=["GET"]),
                Route(PREFIX + "behaviours", self.clear_behaviours, methods=["DELETE"]),
                Route(PREFIX + "behaviours/{operation}", self.add_behaviour, methods=["POST"]),
                Route(PREFIX + "webhooks/{event}", self.emit, methods=["POST"]),
                Route(PREFIX + "clock", self.get_clock, methods=["GET"]),
                Route(PREFIX + "clock", self.advance, methods=["POST"]),
            ]
        )

    # -- the hook in the pipeline

    async def run(self, operation_id: str, request: Request) -> Response:
        """One call: a queued behaviour first, then the journal entry, then the answer (or the drop)."""
        planned = self._take(operation_id)
        if planned is not None and planned.latency_ms > 0:
            await asyncio.sleep(planned.latency_ms / 1000)
        if planned is not None and (planned.answers or planned.drop):
            result = self.planned_answer(operation_id, planned)
            await self._parse_for_journal(operation_id, request)
        else:
            result = await self.pipeline.answer(operation_id, request)
            if planned is not None:
                result.headers.update(planned.headers)
        parsed = request.scope.get("voxspec.request")
        query = parsed.query if parsed is not None else parse_query(request.scope.get("query_string", b""))
        self.journal.record(
            operation_id,
            request.scope["method"],
            request.scope["path"],  # not request.url, which builds a whole URL object per call
            parsed.path_params if parsed is not None else dict(request.path_params),
            query,
            parsed.body if parsed is not None else None,
            None if planned is not None and planned.drop else result.status,
        )
        if planned is not None and planned.drop:
            return Dropped(f"{request.scope['method']} {request.scope['path']}")
        return render(result)

    async def _parse_for_journal(self, operation_id: str, request: Request) -> None:
        op = self.spec.operations[operation_id]
        try:
            request.scope["voxspec.request"] = await self.pipeline.parse(operation_id, op, request)
        except (Problem, RecursionError, ClientDisconnect):  # a queued answer stands; the journal then has less
            pass

    def _take(self, operation_id: str) -> Planned | None:
        queued = self.queue.get(operation_id)
        if not queued:
            return None
        planned = queued[0]
        planned.times -= 1
        if planned.times <= 0:
            queued.popleft()
        return planned

    def planned_answer(self, operation_id: str, planned: Planned) -> ApiResponse:
        """The queued status and/or example: the operation's declared response when it has one, else the error
        the mock gives for that status in the vendor's shape."""
        op = self.spec.operations[operation_id]
        responses: dict[str, Any] = op["responses"]
        if planned.status is None:
            key = next((s for s, r in responses.items() if planned.example in (r.get("example_names") or [])), None)
            key = key or op["success"]
        else:
            key = str(planned.status)
        status = planned.status if planned.status is not None else int(key) if key.isdigit() else 200
        if key in responses:
            declared = responses[key]
            examples, names = declared.get("examples") or [], declared.get("example_names") or []
            body = examples[names.index(planned.example)] if planned.example in names else next(iter(examples), None)
            if status >= 400 and body is None:
                body = self.spec.error_response(operation_id, _kind(status), "queued answer").body
            result = ApiResponse(status, copy.deepcopy(body), {}, declared.get("content_type"))
        else:
            result = self.spec.error_response(operation_id, _kind(status), "queued answer")
            result.status = status
        result.headers.update(planned.headers)
        return result

    # -- endpoints

    async def control_document(self, request: Request) -> Response:
        return JSONResponse(control_document())

    async def reset(self, request: Request) -> Response:
        """State back to the seed, journal and queues emptied, the clock back to now."""
        if self.store is not None and self.seed is not None:
            load_store(self.store, self.seed)
        self.journal.clear()
        self.queue.clear()
        self.clock.offset = 0.0
        for wall in self.walls:
            wall.offset = 0.0
        return Response(status_code=204)

    async def get_state(self, request: Request) -> Response:
        if self.store is None:
            return _refuse(409, "these handlers keep no mock state")
        return JSONResponse(dump_store(self.store))

    async def put_state(self, request: Request) -> Response:
        if self.store is None:
            return _refuse(409, "these handlers keep no mock state")
        load_store(self.store, await _json(request))
        return Response(status_code=204)

    async def get_journal(self, request: Request) -> Response:
        operation = request.query_params.get("operation")
        if operation is not None and operation not in self.spec.operations:
            return _refuse(404, f"no operation {operation!r}")
        return JSONResponse({"requests": self.journal.entries(operation)})

    async def clear_journal(self, request: Request) -> Response:
        self.journal.clear()
        return Response(status_code=204)

    async def get_behaviours(self, request: Request) -> Response:
        pending = {op: [p.describe() for p in queued] for op, queued in self.queue.items() if queued}
        return JSONResponse({"behaviours": pending})

    async def clear_behaviours(self, request: Request) -> Response:
        self.queue.clear()
        return Response(status_code=204)

    async def add_behaviour(self, request: Request) -> Response:
        operation = request.path_params["operation"]
        if operation not in self.spec.operations:
            return _refuse(404, f"no operation {operation!r}")
        data = await _json(request)
        planned = _planned(data)
        named = self.spec.operations[operation]["responses"].values()
        if planned.example is not None and not any(planned.example in (r.get("example_names") or []) for r in named):
            return _refuse(400, f"{operation} declares no example named {planned.example!r}")
        self.queue.setdefault(operation, deque()).append(planned)
        return JSONResponse(planned.describe(), status_code=201)

    async def emit(self, request: Request) -> Response:
        """Build the event's body (its example with the overrides), check it against the event's schema, and post it
        to `url` (else the configured webhook URL) and to every subscription to it that callers created through
        the vendor's API (`x-voxspec-subscription`) whose filters match the event's `filter`."""
        event = request.path_params["event"]
        hooks: dict[str, Any] = self.spec.data.get("webhooks") or {}
        hook = hooks.get(event)
        if not isinstance(hook, dict):
            return _refuse(404, f"no webhook event {event!r}; known: {', '.join(sorted(hooks)) or 'none'}")
        data = await _json(request)
        overrides, scope = data.get("overrides") or {}, data.get("filter") or {}
        if not isinstance(overrides, dict):
            return _refuse(400, "`overrides` is an object of body fields")
        if not isinstance(scope, dict):
            return _refuse(400, "`filter` is an object of the values subscriptions filter on")
        example = hook.get("example")
        body: dict[str, Any] = copy.deepcopy(example) if isinstance(example, dict) else {}
        body.update(overrides)
        if hook.get("schema") is not None:
            self.spec.check(hook["schema"], body, "event")
        url, fallback = data.get("url") or self.config.webhook_url, data.get("default_url")
        if not all(u is None or isinstance(u, str) for u in (url, fallback)):
            return _refuse(400, "`url` and `default_url` are URLs to post the event to")
        crud = getattr(self.handlers, "crud", None)
        subscribed: list[str] = crud.subscribers(event, {**body, **scope}) if crud is not None else []
        targets = ([url] if url else []) + [u for u in subscribed if u != url]
        targets = targets or ([fallback] if fallback else [])
        if not targets:
            return _refuse(
                400,
                f"no webhook URL and no subscription to {event!r}: give `url`, start the mock with a "
                "webhook URL, or subscribe through the API",
            )
        deliveries: list[dict[str, Any]] = []
        async with httpx.AsyncClient(timeout=10, transport=self.webhook_transport) as client:
            for target in targets:
                try:
                    answer = await client.post(target, json=body)
                except httpx.HTTPError as exc:
                    deliveries.append({"url": target, "status": None, "error": type(exc).__name__})
                else:
                    deliveries.append({"url": target, "status": answer.status_code})
        failed = [d for d in deliveries if d["status"] is None]
        if failed:
            names = ", ".join(f"{d['url']} ({d['error']})" for d in failed)
            return _refuse(502, f"the webhook receiver failed: {names}")
        first = deliveries[0]
        return JSONResponse(
            {"event": event, "url": first["url"], "body": body, "status": first["status"], "deliveries": deliveries}
        )

    async def get_clock(self, request: Request) -> Response:
        return JSONResponse({"offset": self.clock.offset})

    async def advance(self, request: Request) -> Response:
        seconds = (await _json(request)).get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < 10**9:
            return _refuse(400, "`seconds` is a number of seconds, 0 or more")
        self.clock.offset += seconds
        for wall in self.walls:
            wall.offset += seconds
        return JSONResponse({"offset": self.clock.offset})


class Dropped(Response):
    """Sends the status line, then fails: the server closes the connection mid-answer (uvicorn does so when an
    app fails after starting its response) and Starlette's error middleware sends no 500 after a start.
    `voxspec mock` logs the failure as one line, not as the traceback of an app error."""

    def __init__(self, request_line: str) -> None:
        super().__init__(status_code=200)
        self.request_line = request_line

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
        raise ConnectionDropped(f"{self.request_line}: the mock dropped the connection, as queued")


class ControlMiddleware:
    """Routes /__voxspec/ to the control API, for loopback peers or holders of the control token."""

    def __init__(self, app: ASGIApp, control: Control) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        if not allowed(scope, self.control.config.control_token):
            response = _refuse(403, "the control API answers loopback callers, or callers with the control token")
        else:
            try:
                await self.control.router(scope, receive, send)
                return
            except Problem as problem:
                response = _refuse(NATURAL[problem.kind], problem.message)
        await response(scope, receive, send)


def allowed(scope: Scope, token: str | None) -> bool:
    """A loopback peer, or any peer presenting the configured token (compared in constant time)."""
    if token:
        given = Headers(scope=scope).get(TOKEN_HEADER)
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            return True
    client = scope.get("client")
    try:
        return ipaddress.ip_address(client[0] if client else "").is_loopback
    except ValueError:
        return False


def install(app: Any, spec: Spec, pipeline: Pipeline, handlers: object, config: MockConfig) -> Control:
    """Turn the control API on for an app built by a generated server's create_app; returns its Control."""
    control = Control(spec, pipeline, handlers, config)
    pipeline.control = control
    app.add_middleware(ControlMiddleware, control=control)  # added last: outermost, before the route shortcut
    app.state.voxspec_control = control
    return control


_DOCUMENT: dict[str, Any] = {}


def control_document() -> dict[str, Any]:
    """The control API's own OpenAPI document (control.yaml beside this module), read once."""
    if not _DOCUMENT:
        import yaml

        text = resources.files(__package__).joinpath("control.yaml").read_text("utf-8")
        _DOCUMENT.update(yaml.safe_load(text))
    return _DOCUMENT


def _kind(status: int) -> str:
    """The error kind whose natural status this is, else the closest family (for the vendor's error shape)."""
    for kind, natural in NATURAL.items():
        if natural == status:
            return kind
    return "unavailable" if status >= 500 else "invalid"


def _planned(data: dict[str, Any]) -> Planned:
    times, status, example = data.get("times", 1), data.get("status"), data.get("example")
    latency, drop, headers = data.get("latency_ms", 0), data.get("drop", False), data.get("headers") or {}
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise Problem("invalid", "`times` is a count, 1 or more")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599):
        raise Problem("invalid", "`status` is an HTTP status, 100 to 599")
    if example is not None and not isinstance(example, str):
        raise Problem("invalid", "`example` names one of the operation's examples")
    if isinstance(latency, bool) or not isinstance(latency, int | float) or not 0 <= latency <= 600_000:
        raise Problem("invalid", "`latency_ms` is milliseconds, 0 to 600000")
    if not isinstance(drop, bool):
        raise Problem("invalid", "`drop` is true or false")
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise Problem("invalid", "`headers` maps header names to strings")
    if status is None and example is None and not latency and not drop:
        raise Problem("invalid", "queue at least one of `status`, `example`, `latency_ms` or `drop`")
    return Planned(times, status, example, float(latency), drop, dict(headers))


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise Problem("invalid", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Problem("invalid", "the body is a JSON object")
    return data


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)
