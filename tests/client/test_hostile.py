"""Every vendor's client against input and servers an attacker controls: path parameters that try to leave
their segment, and redirects that try to carry the credentials to another host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.client.harness import (
    VENDORS,
    Vendor,
    call_with,
    required_arguments,
    send_json,
    serve,
    vendor,
    with_vendors,
)
from tests.helpers import MOCK_KEY, package

HOSTILE = "1/../../x?y=1#z"
API = "https://api.test"


class Sent(Exception):
    """Raised by the recording transport: the request is all these tests look at."""


def run(client: Any, op_id: str, kwargs: dict[str, Any], is_async: bool) -> Any:
    return call_with(client, op_id, is_async, **kwargs)


def make(v: Vendor, handler: Callable[[httpx.Request], httpx.Response], is_async: bool, **kwargs: Any) -> Any:
    transport = httpx.MockTransport(handler)
    cls = v.pkg.AsyncClient if is_async else v.pkg.Client
    return cls(base_url=API + v.base_path, transport=transport, retry=None, **kwargs)


def operations_with_path_parameters(name: str) -> list[str]:
    v = vendor(name)
    return [op_id for op_id in v.client_module.OPERATIONS if v.path_args(op_id)]


# --- path parameters -----------------------------------------------------------------------------


def expected_path(v: Vendor, op_id: str, segment: str) -> tuple[str, ...]:
    """The paths the request may have: the operation's path with each parameter as `segment`, under the
    client's base path or under the operation's own server."""
    op = v.client_module.OPERATIONS[op_id]
    tail = op.path
    for p in v.runtime["operations"][op_id]["parameters"]:
        if p["in"] == "path":
            tail = tail.replace("{" + p["name"] + "}", segment)
    prefixes = {v.base_path}
    if op.server is not None:
        prefixes.add(urlsplit(op.server).path.rstrip("/"))
    return tuple(prefix + tail for prefix in sorted(prefixes))


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("value", "segment"),
    [(HOSTILE, "1%2F..%2F..%2Fx%3Fy%3D1%23z"), ("..", "%2E%2E"), (".", "%2E"), ("a%2Fb", "a%252Fb")],
    ids=["traversal-query-fragment", "dot-dot", "dot", "percent"],
)
@pytest.mark.parametrize("name", with_vendors(lambda v: bool(operations_with_path_parameters(v.name))))
def test_every_path_parameter_stays_one_segment(name: str, value: str, segment: str, is_async: bool) -> None:
    """Every vendor's every operation with a path parameter (VoIPcloud's API has none)."""
    v = vendor(name)
    ops = operations_with_path_parameters(name)
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        raise Sent

    for op_id in ops:
        sent.clear()
        with pytest.raises(Sent):
            run(make(v, record, is_async, **v.auth()), op_id, required_arguments(v, op_id, value), is_async)
        (request,) = sent
        raw_path, _, query = request.url.raw_path.decode("ascii").partition("?")
        assert raw_path in expected_path(v, op_id, segment), f"{name}.{op_id}: sent {request.url}"
        assert "y=1" not in query and request.url.fragment == "", f"{name}.{op_id}: the value reached the query"


def test_an_empty_path_parameter_is_refused() -> None:
    """An empty value would drop its segment (`/extension//agent/`), which is another path."""
    v = vendor("telphin")
    with pytest.raises(ValueError, match="path parameter"):
        run(make(v, lambda r: httpx.Response(200), False), "get_agent", {"extension_id": "", "agent_id": 1}, False)


# --- redirects -----------------------------------------------------------------------------------

SECRET = "s3cr3t-Key/with+chars=="


def every_credential(v: Vendor) -> tuple[dict[str, Any], list[str]]:
    """Client arguments holding a distinct secret for every security scheme, and every secret value."""
    kwargs: dict[str, Any] = {}
    secrets: list[str] = []
    for i, scheme in enumerate(v.client_module.SCHEMES):
        value = f"{SECRET}-{i}"
        secrets.append(value)
        kwargs[_kwarg(scheme.name)] = ("user", value) if scheme.kind == "basic" else value
    return kwargs, secrets


def _kwarg(name: str) -> str:
    from generator.names import py_name

    return py_name(name)


def leaked(requests: list[httpx.Request], secrets: list[str]) -> list[str]:
    """Every form of every secret found in what reached a host: raw, URL-encoded and base64, and for basic
    auth the base64 of `user:secret` (see secret_forms)."""
    forms = package("telphin", "_auth").secret_forms
    wire = "\n".join(
        f"{r.method} {r.url}\n"
        + "\n".join(f"{k}: {val}" for k, val in r.headers.multi_items())
        + "\n"
        + r.content.decode("latin-1")
        for r in requests
    )
    return [form for secret in secrets for form in {*forms(secret), *forms(f"user:{secret}")} if form in wire]


def all_operations(v: Vendor) -> list[str]:
    """One GET and one operation with a body (the methods a 307/308 repeats as they were)."""
    first_get, _ = v.simple_get()
    with_body = next(
        op_id for op_id, op in v.client_module.OPERATIONS.items() if op.method in ("POST", "PUT") and op.security
    )
    return [first_get, with_body]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("name", VENDORS)
def test_no_credential_follows_a_redirect_to_another_host(name: str, status: int, is_async: bool) -> None:
    v = vendor(name)
    kwargs, secrets = every_credential(v)
    elsewhere: list[httpx.Request] = []

    def hosts(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.test":
            location = f"https://evil.test{request.url.raw_path.decode()}"
            return httpx.Response(status, headers={"Location": location})
        elsewhere.append(request)
        return httpx.Response(200, json={})

    for op_id in all_operations(v):
        args = required_arguments(v, op_id, "abc")
        with pytest.raises(v.pkg.RedirectError) as caught:
            run(make(v, hosts, is_async, **kwargs), op_id, args, is_async)
        assert caught.value.status == status and "evil.test" in caught.value.location
        assert not leaked([*elsewhere], secrets), f"{name}.{op_id}: a credential reached the second host"
        assert not any(secret in str(caught.value) + repr(caught.value) for secret in secrets)
    assert elsewhere == [], "a redirect to another host is not followed at all"


@pytest.mark.parametrize(
    "location",
    ["http://api.test{path}", "https://api.test:8443{path}", "https://API.test.evil.test{path}", "//evil.test{path}"],
    ids=["downgrade", "other-port", "lookalike", "scheme-relative"],
)
def test_another_scheme_or_port_is_another_origin(location: str) -> None:
    v = vendor("voipcloud")
    kwargs, _ = every_credential(v)
    seen: list[httpx.Request] = []

    def hosts(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return httpx.Response(302, headers={"Location": location.format(path=request.url.raw_path.decode())})
        return httpx.Response(200, json={})

    op_id, args = v.simple_get()
    with pytest.raises(v.pkg.RedirectError):
        run(make(v, hosts, False, **kwargs), op_id, args, False)
    assert len(seen) == 1


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", VENDORS)
def test_a_same_origin_redirect_is_followed_with_the_credentials(name: str, is_async: bool) -> None:
    v = vendor(name)
    op_id, args = v.simple_get()
    seen: list[httpx.Request] = []

    def host(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if not request.url.path.startswith("/moved"):
            return httpx.Response(302, headers={"Location": "/moved" + request.url.path})
        return httpx.Response(200, json=v.example(op_id))

    run(make(v, host, is_async, **v.auth()), op_id, args, is_async)
    first, second = seen
    assert second.url.path == "/moved" + first.url.path
    carried = str(second.url) + " ".join(second.headers.values())
    assert MOCK_KEY in carried or package(name, "_auth").secret_forms(MOCK_KEY + ":x")[0] in carried


def test_a_post_redirected_by_303_becomes_a_get_without_its_body_and_307_repeats_it() -> None:
    v = vendor("telphin")
    seen: list[httpx.Request] = []

    def host(status: int) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if len(seen) == 1:
                return httpx.Response(status, headers={"Location": "/moved"})
            return httpx.Response(200, json=v.example("create_agent"))

        return answer

    body = {"name": "B"}
    run(make(v, host(303), False, **v.auth()), "create_agent", {"extension_id": "1", "body": body}, False)
    assert (seen[1].method, seen[1].content) == ("GET", b"")
    seen.clear()
    run(make(v, host(307), False, **v.auth()), "create_agent", {"extension_id": "1", "body": body}, False)
    assert (seen[1].method, seen[1].content) == ("POST", seen[0].content) and seen[0].content


def test_a_redirect_loop_stops() -> None:
    v = vendor("telphin")
    op_id, args = v.simple_get()
    count = 0

    def loop(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(302, headers={"Location": request.url.path})

    with pytest.raises(v.pkg.RedirectError, match="after 5 redirects"):
        run(make(v, loop, False, **v.auth()), op_id, args, False)
    assert count == 6


def test_the_wire_path_over_a_real_socket_is_the_encoded_one() -> None:
    """What httpx writes on the socket, as uvicorn reads it: the value still inside one segment."""
    v = vendor("telphin")
    seen: list[tuple[bytes, bytes]] = []

    async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        seen.append((scope["raw_path"], scope["query_string"]))
        await send_json(send, 200, v.example("get_agent"))

    with serve(app) as url:
        with v.pkg.Client(base_url=url + v.base_path, **v.auth()) as client:
            client.get_agent(extension_id=HOSTILE, agent_id=7)
            client.get_agent(extension_id="..", agent_id=7)
    assert seen == [
        (f"{v.base_path}/extension/1%2F..%2F..%2Fx%3Fy%3D1%23z/agent/7".encode(), b""),
        (f"{v.base_path}/extension/%2E%2E/agent/7".encode(), b""),
    ]


def test_the_token_request_is_not_redirected() -> None:
    """The OAuth2 client secret goes to the token URL and nowhere else, whatever that URL answers."""
    v = vendor("telphin")
    elsewhere: list[httpx.Request] = []

    def hosts(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.test":
            return httpx.Response(307, headers={"Location": "https://evil.test/oauth/token"})
        elsewhere.append(request)
        return httpx.Response(200, json={"access_token": "t", "expires_in": 60})

    client = v.pkg.Client(
        base_url=API + v.base_path,
        transport=httpx.MockTransport(hosts),
        oauth2_client_id="cid",
        oauth2_client_secret=SECRET,
        oauth2_token_url=API + "/oauth/token",
    )
    with pytest.raises(v.pkg.AuthenticationError):
        run(client, "list_registration_statuses", {}, False)
    assert elsewhere == []


def test_a_redirect_to_no_valid_url_is_not_followed() -> None:
    """httpx refuses such a Location before the client sees the answer: a NetworkError, nothing sent on."""
    v = vendor("telphin")
    op_id, args = v.simple_get()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"Location": "http://[::1"})

    with pytest.raises(v.pkg.NetworkError, match="location"):
        run(make(v, answer, False, **v.auth()), op_id, args, False)
    assert len(seen) == 1
