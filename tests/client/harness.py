"""What the client tests share: each vendor's client, mock and credentials, ASGI wrappers that page,
throttle or fail in front of the mock, and a uvicorn server on a real socket."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import httpx

from generator.contract.mock import running_app
from tests.helpers import MOCK_KEY, package, sync_transport, vendors

ASGIApp = Callable[..., Any]
VENDORS = vendors()


@dataclass
class Vendor:
    name: str
    pkg: ModuleType
    client_module: ModuleType
    runtime: dict[str, Any]

    @property
    def base_path(self) -> str:
        return str(httpx.URL(self.client_module.DEFAULT_BASE_URL).path).rstrip("/")

    def app(self, **kwargs: Any) -> Any:
        return package(self.name, "server").create_app(**kwargs)

    def auth(self, key: str = MOCK_KEY) -> dict[str, Any]:
        """Client keyword arguments holding `key` for every scheme of the spec's first security alternative."""
        requirement = next((op.security[0] for op in self.client_module.OPERATIONS.values() if op.security), ())
        kwargs: dict[str, Any] = {}
        for name in requirement:
            scheme = next(s for s in self.client_module.SCHEMES if s.name == name)
            kwargs[_kwarg(name)] = (key, "x") if scheme.kind == "basic" else key
        return kwargs

    def client(self, app: Any, base_url: str = "http://mock", **kwargs: Any) -> Any:
        return self.pkg.Client(base_url=base_url + self.base_path, transport=sync_transport(app), **kwargs)

    def async_client(self, app: Any, base_url: str = "http://mock", **kwargs: Any) -> Any:
        transport = httpx.ASGITransport(app=app)
        return self.pkg.AsyncClient(base_url=base_url + self.base_path, transport=transport, **kwargs)

    def simple_get(self) -> tuple[str, dict[str, Any]]:
        """A secured GET operation whose only required arguments are path parameters, with those arguments.

        Collections come first: the mock is stateful, so reading one item by a made-up id is its 404."""
        ops = sorted(self.client_module.OPERATIONS.items(), key=lambda item: item[1].path.endswith("}"))
        for op_id, op in ops:
            if op.method != "GET" or not op.security:
                continue
            args = self.path_args(op_id)
            params = inspect.signature(getattr(self.pkg.Client, op_id)).parameters.values()
            if all(p.default is not inspect.Parameter.empty or p.name in args for p in params if p.name != "self"):
                return str(op_id), args
        raise AssertionError(f"{self.name}: no GET operation without required arguments")

    def paginated(self) -> str:
        """The first paginated operation whose required arguments are all path parameters."""
        for op_id, op in self.client_module.OPERATIONS.items():
            parameters = self.runtime["operations"][op_id]["parameters"]
            if op.paging is not None and all(p["in"] == "path" or not p.get("required") for p in parameters):
                return str(op_id)
        raise AssertionError(f"{self.name}: no paginated operation")

    def path_args(self, op_id: str) -> dict[str, Any]:
        spec = self.runtime["operations"][op_id]
        out = {}
        for p in spec["parameters"]:
            if p["in"] == "path":
                out[_kwarg(p["name"])] = "ABCDEF" if p["name"] == "accountId" else "example.com"
        return out

    def example(self, op_id: str) -> Any:
        spec = self.runtime["operations"][op_id]
        return spec["responses"][spec["success"]]["examples"][0]


def _kwarg(name: str) -> str:
    from generator.names import py_name

    return py_name(name)


def vendor(name: str) -> Vendor:
    return Vendor(name, package(name), package(name, "client"), package(name, "_spec").RUNTIME)


def with_vendors(predicate: Callable[[Vendor], bool]) -> list[str]:
    return [v for v in VENDORS if predicate(vendor(v))]


def has_paging(v: Vendor) -> bool:
    return any(op.paging is not None for op in v.client_module.OPERATIONS.values())


async def send_json(send: Callable[..., Any], status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


@dataclass
class Recorder:
    """Passes requests to `app`, remembering (method, path, query) of each; hooks may answer first."""

    app: ASGIApp
    hook: Callable[[dict[str, Any], dict[str, list[str]]], tuple[int, Any, dict[str, str]] | None] | None = None
    seen: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
        self.seen.append((scope["method"], scope["path"], query))
        answer = self.hook(scope, query) if self.hook else None
        if answer is not None:
            status, body, headers = answer
            await send_json(send, status, body, {**self.extra_headers, **headers})
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in self.extra_headers.items()]

        async def send_more(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_more)

    def calls(self, path_suffix: str) -> list[dict[str, list[str]]]:
        return [q for _, path, q in self.seen if path.endswith(path_suffix)]


def pager(v: Vendor, op_id: str, total: int) -> Callable[[dict[str, Any], dict[str, list[str]]], Any]:
    """A hook serving `total` distinct items of `op_id`, page by page, in the response's own shape."""
    op = v.client_module.OPERATIONS[op_id]
    paging = op.paging
    pattern = re.compile("^" + re.escape(v.base_path) + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path)) + "$")
    example = v.example(op_id)
    holder = example
    if paging.items:
        holder = example[paging.items]
    template = holder[0]
    items = [distinct(template, i) for i in range(total)]

    def hook(scope: dict[str, Any], query: dict[str, list[str]]) -> Any:
        if scope["method"] != op.method or not pattern.match(scope["path"]):
            return None
        if paging.style == "offset":
            size = int(query.get(paging.limit, ["100"])[0])
            start = int(query.get(paging.offset, ["0"])[0])
        else:
            size = int(query.get(paging.size, ["2"])[0])
            start = (int(query.get(paging.page, ["1"])[0]) - 1) * size
        chunk = items[start : start + size]
        body: Any = chunk
        if paging.items:
            body = {**example, paging.items: chunk}
        return 200, body, {}

    return hook


KEPT_AS_IS = re.compile(r"[\d\-:T.Z+ ]+|[A-Za-z]{6}|[0-9a-f-]{36}|[A-Z][A-Z0-9_]*")


def distinct(template: Any, i: int) -> Any:
    """A copy of an example item with its string fields made unique, so pages differ.

    Dates, account ids, UUIDs and upper-case constants (enum values such as SUCCESS or V10_X) are
    left alone, so the copy still validates against the item's schema."""
    if not isinstance(template, dict):
        return template
    out = dict(template)
    for key, value in template.items():
        if isinstance(value, str) and not KEPT_AS_IS.fullmatch(value):
            out[key] = f"{value}-{i}"
        elif isinstance(value, int) and not isinstance(value, bool) and key.endswith("id"):
            out[key] = value + i
    return out


class Switch:
    """An ASGI app whose target can be swapped, so one uvicorn server serves every test of a vendor."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        await self.app(scope, receive, send)


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """`app` over a real socket on a free 127.0.0.1 port, served as `voxspec contract` serves a mock; yields its URL."""
    with running_app(app, "the client test server") as url:
        yield url


def required_arguments(v: Vendor, op_id: str, path_value: str = "example.com") -> dict[str, Any]:
    """Every required argument of `op_id`: path parameters set to `path_value`, the rest to any value of the
    right shape (for tests that stop or answer the request before a vendor could judge it)."""
    path_args = v.path_args(op_id)
    out: dict[str, Any] = {}
    for p in inspect.signature(getattr(v.pkg.Client, op_id)).parameters.values():
        if p.name == "self" or p.default is not inspect.Parameter.empty:
            continue
        annotation = str(p.annotation)
        if p.name in path_args:
            out[p.name] = path_value
        elif annotation.startswith("list["):
            out[p.name] = []
        elif "Mapping" in annotation or annotation.startswith("dict["):
            out[p.name] = {}
        elif annotation == "bytes":
            out[p.name] = b"x"
        else:
            out[p.name] = "1"
    return out


def call_with(client: Any, op_id: str, is_async: bool, **kwargs: Any) -> Any:
    """Call one operation by name on a sync or async client, inside its context manager."""
    if not is_async:
        with client:
            return getattr(client, op_id)(**kwargs)

    async def go() -> Any:
        async with client:
            return await getattr(client, op_id)(**kwargs)

    return asyncio.run(go())
