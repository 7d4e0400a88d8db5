"""Each lint rule: silent on the valid fixture, and reports the broken one at the right pointer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.lint import RULES, lint
from generator.load import parse
from tests.unit.specs import op, valid


def _second_op(doc: dict[str, Any]) -> None:
    doc["paths"]["/other"] = {"get": json.loads(json.dumps(op(doc)))}
    doc["paths"]["/other"]["get"]["parameters"] = []


def _dup_op_id(doc: dict[str, Any]) -> None:
    _second_op(doc)


def _camel_op_id(doc: dict[str, Any]) -> None:
    op(doc)["operationId"] = "getThing"


def _undeclared_path_param(doc: dict[str, Any]) -> None:
    op(doc)["parameters"] = op(doc)["parameters"][1:]


def _dangling_ref(doc: dict[str, Any]) -> None:
    op(doc)["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nope"}


def _no_error_response(doc: dict[str, Any]) -> None:
    del op(doc)["responses"]["404"]


def _no_example(doc: dict[str, Any]) -> None:
    del op(doc)["responses"]["200"]["content"]["application/json"]["example"]


def _bad_example(doc: dict[str, Any]) -> None:
    op(doc)["responses"]["200"]["content"]["application/json"]["example"] = {"id": "one"}


def _dup_enum(doc: dict[str, Any]) -> None:
    op(doc)["parameters"][1]["schema"]["enum"] = ["a", "a"]


def _bad_default(doc: dict[str, Any]) -> None:
    op(doc)["parameters"][0]["schema"]["default"] = "x"


def _no_summary(doc: dict[str, Any]) -> None:
    del op(doc)["summary"]


def _unused_component(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Unused"] = {"type": "object"}


def _bad_component_name(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["thing_list"] = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    op(doc)["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/thing_list"}
    op(doc)["responses"]["200"]["content"]["application/json"]["example"] = [{"id": 1}]


def _empty_decision(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-decision"] = ""


def _undeclared_scheme(doc: dict[str, Any]) -> None:
    op(doc)["security"] = [{"nope": []}]


def _bad_rate_limit(doc: dict[str, Any]) -> None:
    doc["x-voxspec-rate-limit"] = {"requests": "a hundred"}


BREAKERS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "operation-id": (_dup_op_id, "already used"),
    "path-params": (_undeclared_path_param, "{id}"),
    "ref-resolves": (_dangling_ref, "points at nothing"),
    "responses-success-and-error": (_no_error_response, "no error response"),
    "response-content": (_no_example, "has no example"),
    "example-valid": (_bad_example, "does not match"),
    "enum-unique": (_dup_enum, "repeats"),
    "default-valid": (_bad_default, "default does not match"),
    "operation-summary-tag": (_no_summary, "no summary"),
    "unused-component": (_unused_component, "Unused is never referenced"),
    "component-name": (_bad_component_name, "not PascalCase"),
    "decision-text": (_empty_decision, "non-empty text"),
    "security-declared": (_undeclared_scheme, "not declared"),
    "extension-shape": (_bad_rate_limit, "x-voxspec-rate-limit: 'a hundred' is not of type 'integer'"),
}


def _doc(data: dict[str, Any]) -> Any:
    return parse(json.dumps(data, indent=1), "spec.json", Path("spec.json"))


def test_every_rule_has_a_failing_fixture() -> None:
    assert set(BREAKERS) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_rule_passes_on_valid_spec(rule_id: str) -> None:
    assert lint(_doc(valid()), only={rule_id}) == []


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_rule_reports_broken_spec(rule_id: str) -> None:
    breaker, expected = BREAKERS[rule_id]
    data = valid()
    breaker(data)
    findings = lint(_doc(data), only={rule_id})
    assert findings, f"{rule_id} found nothing"
    assert all(f.rule == rule_id for f in findings)
    assert any(expected in f.message for f in findings), [f.message for f in findings]
    assert all(f.line >= 1 for f in findings)


def test_circular_ref_is_named_as_such() -> None:
    data = valid()
    data["components"]["schemas"]["Loop"] = {"$ref": "#/components/schemas/Pool"}
    data["components"]["schemas"]["Pool"] = {"$ref": "#/components/schemas/Loop"}
    op(data)["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Loop"}
    messages = [f.message for f in lint(_doc(data), only={"ref-resolves"})]
    assert (
        "$ref '#/components/schemas/Loop' is circular (#/components/schemas/Loop -> #/components/schemas/Pool"
        in (messages[0])
    ), messages


def test_camel_case_operation_id_is_reported() -> None:
    data = valid()
    _camel_op_id(data)
    assert [f.message for f in lint(_doc(data), only={"operation-id"})] == ["operationId 'getThing' is not snake_case"]


def test_omitted_operations_need_a_method_path_key_and_a_decision() -> None:
    data = valid()
    data["x-voxspec-omitted"] = {"GET /things/{id}/count": "vendor.openapi.json has it; we leave it out because"}
    assert lint(_doc(data), only={"extension-shape"}) == []
    data["x-voxspec-omitted"] = {"/things/{id}/count": "no method", "GET /things": " "}
    messages = [f.message for f in lint(_doc(data), only={"extension-shape"})]
    assert len(messages) == 2, messages
    assert any("'/things/{id}/count' does not match" in m for m in messages), messages
    assert any("' ' does not match" in m for m in messages), messages
