"""What the IR carries for its consumers (docs, models, proxy), and how they read its schemas' references."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from generator import ir
from generator.build import build
from generator.load import parse
from generator.runtime import _shapes
from tests.unit.specs import op, valid


def built(data: dict[str, Any]) -> ir.Api:
    return build(parse(json.dumps(data), "spec.json", Path("spec.json")), "tiny")


def test_a_reference_chain_is_followed_to_the_component_it_ends_at() -> None:
    data = valid()
    schemas = data["components"]["schemas"]
    schemas["Alias"] = {"$ref": "#/components/schemas/Thing"}
    schemas["Loop"] = {"$ref": "#/components/schemas/Loop"}
    api = built(data)
    alias = ir.reference("Alias")
    assert ir.component_name(alias) == "Alias"
    assert api.target(alias) == ("/components/schemas/Thing", schemas["Thing"])
    assert api.resolve(alias) == schemas["Thing"]
    inner = {"$ref": "#/components/schemas/Thing/properties/name"}
    assert ir.component_name(inner) is None  # a place inside a component is no component
    assert api.target(inner) == ("/components/schemas/Thing/properties/name", {"type": "string"})
    assert api.resolve(ir.reference("Loop")) == {}
    assert api.resolve(ir.reference("Missing")) == {}
    plain = {"type": "string"}
    assert api.target(plain) == (None, plain) and not ir.is_reference(plain)
    assert ir.component_pointer("Thing") == "/components/schemas/Thing"


def test_the_component_schemas_travel_in_spec_order_as_written() -> None:
    data = valid()
    api = built(data)
    assert list(api.components) == ["Thing", "Error"]
    assert api.components["Thing"] == data["components"]["schemas"]["Thing"]


def test_parameters_and_bodies_carry_their_examples_in_the_order_the_spec_gives_them() -> None:
    data = valid()
    kind = op(data)["parameters"][1]
    kind["examples"] = {"second": {"value": "b"}, "shared": {"$ref": "#/components/examples/A"}, "bare": {}}
    data["components"]["examples"] = {"A": {"value": "a"}}
    data["paths"]["/things/{id}"]["put"] = {
        "operationId": "put_thing",
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"},
                    "example": {"id": 2},
                    "examples": {"named": {"value": {"id": 3}}},
                }
            }
        },
        "responses": {"204": {"description": "stored"}},
    }
    api = built(data)
    get, put = api.operations
    examples = get.parameters[1].examples
    assert [(e.name, e.value) for e in examples] == [("second", "b"), ("shared", "a")]  # `bare` has no value
    assert put.body is not None
    assert [(e.name, e.value) for e in put.body.examples] == [("example", {"id": 2}), ("named", {"id": 3})]
    assert get.responses[0].example_names == ("example",)


def test_extension_rows_leave_out_what_the_docs_show_elsewhere_and_the_decision_texts() -> None:
    data = valid()
    data["x-voxspec-rate-limit"] = {"requests": 5, "window-seconds": 1}
    data["x-voxspec-sandbox"] = {"url": "https://sandbox.example", "x-voxspec-decision": "why"}
    op(data)["x-voxspec-effects"] = "rings a phone"
    op(data)["x-voxspec-synchronous"] = True
    api = built(data)
    assert api.extension_rows == (ir.ExtensionRow("sandbox", {"url": "https://sandbox.example"}),)
    assert api.operations[0].extension_rows == (ir.ExtensionRow("synchronous", True),)


def test_the_proxy_learns_where_parameters_responses_and_headers_are_written() -> None:
    data = valid()
    data["components"]["parameters"] = {"Id": {"name": "id", "in": "path", "required": True, "schema": {}}}
    data["components"]["responses"] = {
        "Missing": {
            "description": "missing",
            "headers": {"Retry-After": {"$ref": "#/components/headers/Wait"}},
        }
    }
    data["components"]["headers"] = {"Wait": {"required": True, "schema": {"type": "integer"}}}
    data["paths"]["/things/{id}"]["parameters"] = [{"$ref": "#/components/parameters/Id"}]
    get = op(data)
    get["parameters"] = get["parameters"][1:]
    get["responses"]["404"] = {"$ref": "#/components/responses/Missing"}
    thing = built(data).operations[0]
    ident, kind = thing.parameters
    assert (ident.pointer, ident.schema_pointer) == (
        "/paths/~1things~1{id}/parameters/0",
        "/components/parameters/Id/schema",
    )
    assert (kind.pointer, kind.schema_pointer) == (
        "/paths/~1things~1{id}/get/parameters/0",
        "/paths/~1things~1{id}/get/parameters/0/schema",
    )
    ok, missing = thing.responses
    assert ok.pointer == "/paths/~1things~1{id}/get/responses/200"
    assert missing.pointer == "/components/responses/Missing"
    assert missing.declared_headers == (
        ir.ResponseHeader("Retry-After", True, {"type": "integer"}, "/components/headers/Wait"),
    )


def test_envelopes_pages_and_error_shapes_are_declared_once_for_the_ir_and_the_client() -> None:
    assert ir.ErrorShape is _shapes.ErrorShape
    # the IR's envelope and pagination are the client's, each with one field more (the mock's data field, the
    # annotation of a page's items)
    for mine, clients in ((ir.Envelope, _shapes.Envelope), (ir.Pagination, _shapes.Paging)):
        assert issubclass(mine, clients)
        extra = {f.name for f in dataclasses.fields(mine)} - {f.name for f in dataclasses.fields(clients)}
        assert len(extra) == 1, extra
