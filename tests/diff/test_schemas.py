"""Schema comparison through $refs: recursion ends, each change is reported once per operation, unions typed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.diff import diff_documents
from generator.diff.schemas import RESPONSE, SchemaDiff
from generator.load import load, parse
from tests.diff.corpus import CASES, base, dump, pair

ROOT = Path(__file__).resolve().parents[2]


def _ring(size: int) -> dict[str, Any]:
    """A spec whose response is Node0 -> Node1 -> ... -> Node{size-1} -> Node0, each also pointing at itself."""
    spec = base()
    schemas = spec["components"]["schemas"]
    for i in range(size):
        schemas[f"Node{i}"] = {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "next": {"$ref": f"#/components/schemas/Node{(i + 1) % size}"},
                "self": {"$ref": f"#/components/schemas/Node{i}"},
                "children": {"type": "array", "items": {"$ref": f"#/components/schemas/Node{(i + 2) % size}"}},
            },
        }
    spec["paths"]["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Node0"
    }
    return spec


def test_change_deep_in_a_cycle_is_found_once() -> None:
    old = _ring(200)
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Node150"]["properties"]["value"]["type"] = "string"
    result = diff_documents(parse(dump(old), "old.yaml"), parse(dump(new), "new.yaml"))
    assert [(c.operation, c.rule, c.message) for c in result.changes] == [
        ("GET /status", "type-changed", "response 200 application/json: Node150.value: type integer -> string")
    ]


def test_each_pair_is_compared_once() -> None:
    old = parse(dump(_ring(50)), "old.yaml")
    diff = SchemaDiff(old, old)
    ref = {"$ref": "#/components/schemas/Node0"}
    assert diff.compare(ref, "", ref, "", RESPONSE) == []
    assert diff.compare(ref, "", ref, "", RESPONSE) == []
    assert len(diff._done) == 50  # the entry is Node0 itself: 50 pairs, none twice


def test_union_without_type_is_typed_by_its_variants() -> None:
    old = base()
    new = copy.deepcopy(old)
    nick = new["components"]["schemas"]["Agent"]["allOf"][1]["properties"]["nick"]
    nick.pop("type")
    nick["anyOf"] = [{"type": "string"}, {"type": "string", "pattern": "^[a-z]+$"}]
    result = diff_documents(parse(dump(old), "old.yaml"), parse(dump(new), "new.yaml"))
    assert {c.rule for c in result.changes} == {"response-variant-added"}


def test_unions_of_each_other_end() -> None:
    old = base()
    schemas = old["components"]["schemas"]
    schemas["Left"] = {"oneOf": [{"$ref": "#/components/schemas/Right"}]}
    schemas["Right"] = {"anyOf": [{"$ref": "#/components/schemas/Left"}, {"type": "string"}]}
    old["paths"]["/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Left"
    }
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Right"]["anyOf"][1]["type"] = "integer"
    result = diff_documents(parse(dump(old), "old.yaml"), parse(dump(new), "new.yaml"))
    assert {c.rule for c in result.changes} == {"type-changed"}


@pytest.mark.parametrize("vendor", ["avaya", "callcenter", "netsapiens", "telphin", "voipcloud"])
def test_a_real_spec_against_itself_has_no_changes(vendor: str) -> None:
    doc = load(ROOT / "specs" / vendor / "openapi.yaml", ROOT)
    assert diff_documents(doc, doc).changes == ()


@pytest.mark.parametrize(
    ("forward", "backward"),
    [
        ("operation-removed", "operation-added"),
        ("response-property-removed", "response-property-added"),
        ("parameter-removed", "parameter-added"),
        ("request-enum-value-removed", "request-enum-value-added"),
    ],
)
def test_reversed_pairs_mirror(forward: str, backward: str) -> None:
    entry = next(c for c in CASES if {rule for _, rule in c.expect} == {forward})
    old, new = pair(entry)
    result = diff_documents(parse(dump(new), "new.yaml"), parse(dump(old), "old.yaml"))
    assert {c.rule for c in result.changes} == {backward}
