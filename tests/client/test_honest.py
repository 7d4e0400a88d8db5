"""Every vendor's client gives back what the server sent and nothing else: no page yielded twice when a
server ignores the paging, no schema default filled into an answer or sent in a request unasked."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from generator.build import build
from generator.load import parse
from generator.names import py_name
from generator.render import _method_doc
from tests.client.harness import VENDORS, Vendor, has_paging, required_arguments, vendor, with_vendors
from tests.helpers import package
from tests.unit.specs import valid

API = "https://api.test"


def paginated_operations(v: Vendor) -> list[str]:
    return [op_id for op_id, op in v.client_module.OPERATIONS.items() if op.paging is not None]


def size_key(v: Vendor, op_id: str) -> str:
    paging = v.client_module.OPERATIONS[op_id].paging
    return str(paging.limit if paging.style == "offset" else paging.size)


def ignoring_server(v: Vendor, op_id: str, sent: list[httpx.Request]) -> httpx.MockTransport:
    """A server that answers every page of `op_id` with the same full page, whatever the paging asks."""
    paging = v.client_module.OPERATIONS[op_id].paging
    example = v.example(op_id)
    template = (example[paging.items] if paging.items else example)[0]

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        size = int(request.url.params.get(size_key(v, op_id), "2"))
        page = [template] * size  # the example item, valid for its schema; the count is what is checked
        return httpx.Response(200, json={**example, paging.items: page} if paging.items else page)

    return httpx.MockTransport(answer)


def collect(v: Vendor, op_id: str, transport: httpx.MockTransport, is_async: bool, **kwargs: Any) -> list[Any]:
    if not is_async:
        with v.pkg.Client(base_url=API + v.base_path, transport=transport, **v.auth()) as client:
            return list(getattr(client, "iter_" + op_id)(**kwargs))

    async def go() -> list[Any]:
        async_transport = httpx.MockTransport(transport.handler)  # MockTransport serves both kinds
        async with v.pkg.AsyncClient(base_url=API + v.base_path, transport=async_transport, **v.auth()) as client:
            return [item async for item in getattr(client, "iter_" + op_id)(**kwargs)]

    return asyncio.run(go())


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("sized", [True, False], ids=["page-size-given", "no-page-size"])
@pytest.mark.parametrize("name", with_vendors(has_paging))
def test_a_server_ignoring_paging_gets_no_item_yielded_twice(
    name: str, sized: bool, is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    v = vendor(name)
    for op_id in paginated_operations(v):
        kwargs = required_arguments(v, op_id)
        if sized:
            kwargs[py_name(size_key(v, op_id))] = 3
        sent: list[httpx.Request] = []
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            items = collect(v, op_id, ignoring_server(v, op_id, sent), is_async, **kwargs)
        # without a size argument the client sends the spec's default page size, or none (the server's choice)
        expected = 3 if sized else int(sent[0].url.params.get(size_key(v, op_id), "2"))
        assert len(items) == expected, f"{name}.{op_id}: {len(items)} items from one repeated page"
        assert len(sent) == 2, "the second page is asked for, found to repeat the first, and not yielded"
        assert any("ignores the paging" in r.getMessage() and op_id in r.getMessage() for r in caplog.records)


# --- defaults --------------------------------------------------------------------------------------


def model_classes(name: str) -> list[type[BaseModel]]:
    models = package(name, "models")
    return [
        cls
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == models.__name__
    ]


@pytest.mark.parametrize("name", VENDORS)
def test_no_model_field_defaults_to_a_value(name: str) -> None:
    """A field the server did not send reads None, never the spec's default for a value left out of a request."""
    filled = [
        f"{cls.__name__}.{field}={info.default!r}"
        for cls in model_classes(name)
        for field, info in cls.model_fields.items()
        if not info.is_required() and info.default is not None
    ]
    assert filled == []


def test_an_answer_without_a_field_reads_none_and_the_default_stays_documented() -> None:
    v = vendor("telphin")
    models = package("telphin", "models")
    assert "Server default: 60" in str(models.Agent.model_fields["call_timeout"].description)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 7, "name": "B"})

    with v.pkg.Client(base_url=API + v.base_path, transport=httpx.MockTransport(answer), **v.auth()) as client:
        agent = client.get_agent(extension_id="1", agent_id=7)
    assert agent.call_timeout is None and agent.status is None
    assert agent.model_fields_set == {"id", "name"}


def test_a_request_body_carries_only_what_the_caller_set() -> None:
    v = vendor("telphin")
    models = package("telphin", "models")
    bodies: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=v.example("create_agent"))

    with v.pkg.Client(base_url=API + v.base_path, transport=httpx.MockTransport(answer), **v.auth()) as client:
        client.create_agent(extension_id="1", body=models.AgentCreate(name="B"))
        client.update_agent(extension_id="1", agent_id=7, body={"name": "B"})
    assert bodies == [{"name": "B"}, {"name": "B"}]


def form_spec() -> dict[str, Any]:
    spec = valid()
    spec["paths"]["/things"] = {
        "post": {
            "operationId": "send_thing",
            "summary": "Send a thing",
            "tags": ["things"],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["to", "copies"],
                            "properties": {
                                "to": {"type": "string"},
                                "copies": {"type": "integer", "default": 1, "description": "How many."},
                                "quality": {"type": "string", "default": "fine", "description": "Print quality."},
                            },
                        }
                    }
                },
            },
            "responses": spec["paths"]["/things/{id}"]["get"]["responses"],
        }
    }
    return spec


def test_an_optional_form_field_with_a_default_is_not_sent_unasked() -> None:
    api = build(parse(json.dumps(form_spec()), "specs/tiny/openapi.yaml"), "tiny")
    op = next(o for o in api.operations if o.op_id == "send_thing")
    assert op.body is not None
    fields = {f.name: f for f in op.body.fields}
    assert fields["quality"].default_repr is None  # the argument defaults to None, so nothing is sent
    assert fields["copies"].default_repr == "1"  # a required field needs a value: the documented one
    assert 'Print quality. Server default: "fine".' in _method_doc(op)


def test_a_json_body_is_documented_under_args() -> None:
    doc = _method_doc(next(o for o in vendor_api("telphin").operations if o.op_id == "update_agent"))
    assert "    body: " in doc and "`models.AgentUpdate`, or a mapping of its fields" in doc


def vendor_api(name: str) -> Any:
    from generator.load import load
    from tests.helpers import ROOT

    return build(load(ROOT / "specs" / name / "openapi.yaml"), name)
