"""Every vendor's generated client against its own mock, in-process and over a real socket:
auth, retries with Retry-After, pagination across pages, error mapping and redaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.client.harness import (
    VENDORS,
    Recorder,
    Switch,
    Vendor,
    call_with,
    has_paging,
    pager,
    serve,
    vendor,
    with_vendors,
)
from tests.helpers import GENERATED, MOCK_KEY, ROOT

MODES = ("inprocess", "socket")
pytestmark = pytest.mark.xdist_group("client-socket")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[Switch, str]]]:
    """One uvicorn server per vendor for the whole module; each test swaps the app behind it."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        out = {}
        for name in VENDORS:
            switch = Switch(vendor(name).app())
            out[name] = (switch, stack.enter_context(serve(switch)))
        yield out


Make = Callable[..., Any]


@pytest.fixture
def make(servers: dict[str, tuple[Switch, str]]) -> Make:
    """make(vendor, app, mode, is_async, **client kwargs) -> a client reaching `app` in that mode."""

    def build(v: Vendor, app: Any, mode: str, is_async: bool = False, **kwargs: Any) -> Any:
        if mode == "inprocess":
            return (v.async_client if is_async else v.client)(app, **kwargs)
        switch, url = servers[v.name]
        switch.app = app
        cls = v.pkg.AsyncClient if is_async else v.pkg.Client
        return cls(base_url=url + v.base_path, **kwargs)

    return build


def call(client: Any, op_id: str, args: dict[str, Any], is_async: bool) -> Any:
    return call_with(client, op_id, is_async, **args)


def collect(client: Any, op_id: str, is_async: bool, **kwargs: Any) -> list[Any]:
    if not is_async:
        with client:
            return list(getattr(client, "iter_" + op_id)(**kwargs))

    async def go() -> list[Any]:
        async with client:
            return [item async for item in getattr(client, "iter_" + op_id)(**kwargs)]

    return asyncio.run(go())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", VENDORS)
def test_auth_accepted_and_answer_typed(name: str, mode: str, is_async: bool, make: Make) -> None:
    v = vendor(name)
    op_id, args = v.simple_get()
    result = call(make(v, v.app(), mode, is_async, **v.auth()), op_id, args, is_async)
    annotation = getattr(v.pkg.Client, op_id).__annotations__["return"]
    assert result is not None or "None" in annotation or annotation == "Any", f"{op_id} returned nothing"
    if annotation.startswith("models."):
        assert type(result).__name__ == annotation.removeprefix("models.")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", VENDORS)
def test_wrong_key_is_authentication_error_and_key_is_redacted(
    name: str, mode: str, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    v = vendor(name)
    secret = "wrong-secret-8f3a1c"
    caplog.set_level(logging.DEBUG)
    recorder = Recorder(v.app(), extra_headers={"x-request-id": "req-42"})
    client = make(v, recorder, mode, **v.auth(secret))
    with pytest.raises(v.pkg.AuthenticationError) as caught:
        call(client, *v.simple_get(), False)
    error = caught.value
    assert error.status == 401 and error.request_id == "req-42"
    assert isinstance(error.message, str) and error.message
    assert error.request.startswith("GET ") and v.base_path in error.request
    assert recorder.seen, "the request reached the mock"
    shown = " ".join([str(error), repr(error), error.request, repr(client), caplog.text, str(error.body)])
    assert secret not in shown
    # httpx's own log line is kept, with a query-string key replaced rather than the line dropped
    assert "HTTP Request: GET" in caplog.text
    used = v.auth(secret)
    for scheme in v.client_module.SCHEMES:
        if scheme.kind == "query" and scheme.name in used:
            assert f"{scheme.param_name}=********" in caplog.text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", VENDORS)
def test_429_with_retry_after_is_retried(name: str, mode: str, make: Make, waits: list[float]) -> None:
    v = vendor(name)
    op_id, args = v.simple_get()
    failures = {"left": 2}

    def throttle(scope: dict[str, Any], query: Any) -> Any:
        if failures["left"]:
            failures["left"] -= 1
            return 429, {"message": "slow down", "code": 429}, {"Retry-After": "3"}
        return None

    recorder = Recorder(v.app(), hook=throttle)
    client = make(v, recorder, mode, **v.auth())
    call(client, op_id, args, False)
    assert waits == [3.0, 3.0]
    assert len(recorder.seen) == 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", with_vendors(has_paging))
def test_iterator_walks_every_page(name: str, mode: str, make: Make) -> None:
    v = vendor(name)
    op_id = v.paginated()
    paging = v.client_module.OPERATIONS[op_id].paging
    recorder = Recorder(v.app(), hook=pager(v, op_id, total=5))
    size_arg = {(paging.limit if paging.style == "offset" else paging.size): 2}
    kwargs = {**v.path_args(op_id), **{k.replace("-", "_"): n for k, n in size_arg.items()}}
    from generator.names import py_name

    kwargs = {py_name(k): val for k, val in kwargs.items()}
    items = collect(make(v, recorder, mode, **v.auth()), op_id, False, **kwargs)
    assert len(items) == 5
    assert len({repr(i) for i in items}) == 5, "pages were walked in order without repeats"
    pages = recorder.calls(v.client_module.OPERATIONS[op_id].path.rsplit("/", 1)[-1])
    assert len(pages) == 3
    key = paging.offset if paging.style == "offset" else paging.page
    first = "0" if paging.style == "offset" else "1"  # a first page may leave the position at its default
    assert [q.get(key, [first])[0] for q in pages] == (["0", "2", "4"] if paging.style == "offset" else ["1", "2", "3"])


@pytest.mark.parametrize("name", with_vendors(has_paging))
def test_async_iterator_walks_every_page(name: str, make: Make) -> None:
    v = vendor(name)
    op_id = v.paginated()
    paging = v.client_module.OPERATIONS[op_id].paging
    recorder = Recorder(v.app(), hook=pager(v, op_id, total=3))
    from generator.names import py_name

    size = py_name(paging.limit if paging.style == "offset" else paging.size)
    items = collect(make(v, recorder, "inprocess", True, **v.auth()), op_id, True, **v.path_args(op_id), **{size: 2})
    assert len(items) == 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", VENDORS)
def test_declared_errors_map_to_typed_exceptions(name: str, mode: str, make: Make) -> None:
    """The mock answers each declared error status on `Prefer: code=...`; each maps to its class."""
    v = vendor(name)
    op_id, args = v.simple_get()
    declared = v.runtime["operations"][op_id]["responses"]
    expected = {"400": "BadRequestError", "401": "AuthenticationError", "404": "NotFoundError", "429": "RateLimitError"}
    checked = 0
    for status, cls in expected.items():
        if status not in declared:
            continue
        client = make(v, v.app(), mode, headers={"Prefer": f"code={status}"}, retry=None, **v.auth())
        with pytest.raises(getattr(v.pkg, cls)) as caught:
            call(client, op_id, args, False)
        assert caught.value.status == int(status) and caught.value.operation_id == op_id
        code_field = v.client_module.ERROR_SHAPE.code_field
        if code_field and isinstance(caught.value.body, dict) and code_field in caught.value.body:
            assert caught.value.code == caught.value.body[code_field]
        checked += 1
    assert checked >= 1, f"{op_id} declares none of {sorted(expected)}"


def test_every_vendor_is_covered() -> None:
    """The vendors are read from specs/, and each has its generated package."""
    specs = {p.parent.name for p in (ROOT / "specs").glob("*/openapi.yaml")}
    assert VENDORS and set(VENDORS) == specs
    missing = [name for name in VENDORS if not (GENERATED / name / "pyproject.toml").is_file()]
    assert not missing, f"no generated package for {missing}: run `make generate`"
    assert MOCK_KEY
