"""The mock's runtime data comes from the IR alone: build reads the behaviours a spec declares into typed fields and
resolves every schema once, through the loader's resolver; render writes them under names that say what they are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from generator.build import build
from generator.ir import (
    AllowList,
    AsyncRule,
    CrudBinding,
    Integrity,
    IntegrityChild,
    SelfAlias,
    Subscription,
    SynchronousRule,
)
from generator.load import parse
from generator.openapi import SchemaInliner
from generator.render import runtime_spec
from tests.unit.specs import op, valid


def keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys(value)
    elif isinstance(node, list):
        for value in node:
            yield from keys(value)


def test_the_inliner_replaces_each_reference_and_keeps_the_keywords_beside_it() -> None:
    data = valid()
    schemas = data["components"]["schemas"]
    schemas["Count"] = {"type": "integer", "description": "how many", "x-voxspec-decision": "ours"}
    schemas["Thing"]["properties"]["count"] = {"$ref": "#/components/schemas/Count", "description": "of things"}
    schemas["Thing"]["x-voxspec-envelope"] = {"data": "name"}
    inliner = SchemaInliner(parse(json.dumps(data), "specs/tiny/openapi.yaml"))
    assert inliner.inline({"$ref": "#/components/schemas/Thing"}) == {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "count": {"type": "integer", "description": "of things"},  # the keyword beside the $ref wins
        },
    }
    assert inliner.inline({"type": "array", "items": {"$ref": "#/components/schemas/Nope"}}) == {
        "type": "array",
        "items": {},
    }, "a dangling reference (validate reports it) checks nothing"


def test_a_recursive_schema_keeps_a_named_reference_into_its_own_defs() -> None:
    data = valid()
    data["components"]["schemas"]["Node"] = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        },
    }
    inliner = SchemaInliner(parse(json.dumps(data), "specs/tiny/openapi.yaml"))
    schema = inliner.inline({"$ref": "#/components/schemas/Node"})
    assert isinstance(schema, dict)
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert schema["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    validator = Draft202012Validator(schema)  # complete in itself: no document around it
    assert validator.is_valid({"name": "a", "children": [{"name": "b", "children": []}]})
    assert not validator.is_valid({"name": "a", "children": [{"children": []}]}), "the nested node misses its name"


def test_build_reads_the_declared_behaviours_into_typed_fields() -> None:
    data = valid()
    data["servers"] = [{"url": "https://{region}.example.com", "variables": {"region": {"default": "eu"}}}]
    data["x-voxspec-integrity"] = {"duplicate": "reject"}
    data["x-voxspec-allow-list"] = {"description": "IP not allowed", "status": 401}
    data["x-voxspec-self-alias"] = {"value": "~", "parameters": ["id"]}
    get = op(data)
    get["x-voxspec-crud"] = {"resource": "thing", "action": "read", "id": "id"}
    get["x-voxspec-async"] = {"states": ["queued", "done"], "poll": "get_thing", "seconds": 2}
    get["x-voxspec-subscription"] = {"url": "callback", "event": "kind", "filters": ["domain"], "wildcard": "*"}
    get["x-voxspec-synchronous"] = {"parameter": "wait", "value": True}
    get["x-voxspec-integrity"] = {"unique": ["name", ["a", "b"]], "children": [{"operation": "list_parts"}]}
    get["x-voxspec-emits"] = [{"event": "thing.read"}, "thing.seen"]
    api = build(parse(json.dumps(data), "specs/tiny/openapi.yaml"), "tiny")
    behaviour = api.operations[0].behaviour
    assert behaviour.crud == CrudBinding("thing", "read", "id", None)
    assert behaviour.async_rule == AsyncRule(("queued", "done"), "status", "get_thing", 2.0)
    assert behaviour.subscription == Subscription("callback", "kind", ("domain",), "*")
    assert behaviour.synchronous == SynchronousRule("wait", True)
    assert behaviour.integrity == Integrity(
        "reject", (("name",), ("a", "b")), (IntegrityChild("list_parts", None, "reject"),)
    ), "the root's duplicate rule is the operation's default"
    assert behaviour.emits == ("thing.read", "thing.seen")
    assert behaviour.token_endpoint is None
    assert api.behaviour.allow_list == AllowList(401, "IP not allowed")
    assert api.behaviour.self_alias == SelfAlias("~", ("id",))
    assert api.server_variables == (("region", "eu"),)


def test_the_runtime_data_holds_resolved_schemas_and_no_extension() -> None:
    data = valid()
    op(data)["x-voxspec-pagination"] = {"style": "page", "page": "page", "size": "size"}
    runtime = runtime_spec(build(parse(json.dumps(data), "specs/tiny/openapi.yaml"), "tiny"))
    found = set(keys(runtime))
    assert "$ref" not in found and not any(k.startswith("x-") for k in found), sorted(found)
    assert "components" not in runtime and "extensions" not in runtime
    entry = runtime["operations"]["get_thing"]
    assert entry["responses"]["200"]["schema"] == data["components"]["schemas"]["Thing"]
    assert entry["pagination"] == {"style": "page", "page": "page", "size": "size"}
    assert entry["integrity"] == {"duplicate": "replace", "unique": [], "children": []}
    assert entry["crud"] is None and entry["token_endpoint"] is None
