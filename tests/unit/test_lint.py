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


def _reused_decision_label(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-decision"] = ["D1: the doc names no page size; we chose 20.", "D2: ids are strings."]
    op(doc)["parameters"][0]["x-voxspec-decision"] = "D1: the doc types the id as int; we chose a string."
    doc["info"]["x-voxspec-decision"] = "D2: ids are strings."  # the same decision again is fine


def _undeclared_scheme(doc: dict[str, Any]) -> None:
    op(doc)["security"] = [{"nope": []}]


def _bad_rate_limit(doc: dict[str, Any]) -> None:
    doc["x-voxspec-rate-limit"] = {"requests": "a hundred"}


def _empty_effects(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-effects"] = " "


def _unmarked_action(doc: dict[str, Any]) -> None:
    op(doc)["operationId"] = "originate_thing"


def _bad_package_version(doc: dict[str, Any]) -> None:
    doc["info"]["x-voxspec-package-version"] = "1.0"


def _token_endpoint_of_an_api_key(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-token-endpoint"] = "key"


def _tag_without_description(doc: dict[str, Any]) -> None:
    del doc["tags"][0]["description"]


def _no_description(doc: dict[str, Any]) -> None:
    op(doc)["description"] = "  "


def _get_by_id_without_404(doc: dict[str, Any]) -> None:
    _no_error_response(doc)
    op(doc)["responses"]["400"] = op(doc)["responses"]["200"]


def _untyped_property(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["Thing"]["properties"]["name"] = {"description": "what it is called"}


def _pagination_names_a_missing_parameter(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-pagination"] = {"style": "page", "page": "kind", "size": "size"}


def _unchanged(doc: dict[str, Any]) -> None:
    """For rules about where the spec lives rather than what it says (see SPEC_FILES)."""


def _bad_integrity_target(doc: dict[str, Any]) -> None:
    op(doc)["x-voxspec-integrity"] = {"children": [{"operation": "no_such_list", "on-delete": "reject"}]}


BREAKERS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "tag-description": (_tag_without_description, "tag 'things' has no description"),
    "operation-description": (_no_description, "GET /things/{id} has no description"),
    "get-404": (_get_by_id_without_404, "GET /things/{id} takes a path parameter but declares no 404"),
    "property-type": (_untyped_property, "property 'name' has no type"),
    "pagination-params": (_pagination_names_a_missing_parameter, "`size: size` names no parameter"),
    "vendor-name": (_unchanged, "'javascript:alert(1)' is not a lower-case identifier"),
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
    "decision-label": (_reused_decision_label, "D1 here is another decision than D1 at /paths/"),
    "security-declared": (_undeclared_scheme, "not declared"),
    "effects-text": (_empty_effects, "must be a non-empty string"),
    "effects-marked": (_unmarked_action, "reads like an action ('originate')"),
    "package-version": (_bad_package_version, "'1.0' is not a semantic version"),
    "token-endpoint": (_token_endpoint_of_an_api_key, "names no oauth2 scheme"),
    "integrity-targets": (_bad_integrity_target, "'no_such_list' is not a list operation"),
    "extension-shape": (_bad_rate_limit, "x-voxspec-rate-limit: 'a hundred' is not of type 'integer'"),
}


# The file a broken fixture is read from, where the rule is about that; every other one is "spec.json".
SPEC_FILES = {"vendor-name": "specs/javascript:alert(1)/openapi.yaml"}


def _doc(data: dict[str, Any], display: str = "spec.json") -> Any:
    return parse(json.dumps(data, indent=1), display, Path(display))


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
    findings = lint(_doc(data, SPEC_FILES.get(rule_id, "spec.json")), only={rule_id})
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


@pytest.mark.parametrize(
    ("operation_id", "summary", "word"),
    [
        ("logout_user", "Log out a user", "logout"),
        ("agent_status", "Check in an agent", "check in"),
        ("thing_calls", "Call a number", "call"),
        ("set_agent_pause", "Pause", "set"),
        ("list_sync_jobs", "Get all Sync Jobs", None),
        ("list_calls", "Call detail records", None),
        ("download_record", "Get record with basic http authentication", None),
    ],
)
def test_an_action_is_read_from_the_verb_of_the_operation_id_or_summary(
    operation_id: str, summary: str, word: str | None
) -> None:
    from generator.lint import reads_like_action

    assert reads_like_action(operation_id, summary) == word


def test_a_marked_action_passes_and_the_mark_must_sit_on_an_operation() -> None:
    data = valid()
    op(data)["operationId"] = "originate_thing"
    op(data)["x-voxspec-effects"] = "places a phone call"
    assert lint(_doc(data), only={"effects-marked", "effects-text"}) == []
    data["components"]["schemas"]["Thing"]["x-voxspec-effects"] = "places a call"
    multi = valid()
    op(multi)["x-voxspec-effects"] = "places a call\nand another"
    messages = [f.message for f in lint(_doc(data), only={"effects-text"}) + lint(_doc(multi), only={"effects-text"})]
    assert messages == ["x-voxspec-effects belongs on an operation", messages[1]]
    assert "one line" in messages[1]


def test_an_unmarked_token_url_is_reported_and_a_marked_one_passes() -> None:
    data = valid()
    data["servers"] = [{"url": "https://api.example.com/v2"}]
    flows = {"clientCredentials": {"tokenUrl": "https://api.example.com/v2/things/{id}", "scopes": {}}}
    data["components"]["securitySchemes"]["oauth"] = {"type": "oauth2", "flows": flows}
    findings = lint(_doc(data), only={"token-endpoint"})
    assert [f.message for f in findings] == [
        "GET /things/{id} is the token URL of oauth2 scheme 'oauth': mark it `x-voxspec-token-endpoint: oauth`"
    ]
    op(data)["x-voxspec-token-endpoint"] = "oauth"
    assert [f.message for f in lint(_doc(data), only={"token-endpoint"})] == ["a token endpoint takes POST, not GET"]


@pytest.mark.parametrize("folder", ["telphin", "voip_cloud", "v2"])
def test_a_lower_case_identifier_is_a_vendor_name(folder: str) -> None:
    assert lint(_doc(valid(), f"specs/{folder}/openapi.yaml"), only={"vendor-name"}) == []


@pytest.mark.parametrize("folder", ["Telphin", "voip.cloud", "voip cloud", "2vendor", "_x", "voip-cloud", "xé"])
def test_other_folder_names_are_refused(folder: str) -> None:
    findings = lint(_doc(valid(), f"specs/{folder}/openapi.yaml"), only={"vendor-name"})
    assert [(f.line, f.rule) for f in findings] == [(1, "vendor-name")], findings


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/components/schemas/Thing"},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"const": "fixed"},
        {"description": "any JSON value", "x-voxspec-decision": "the doc gives no type; any value is kept"},
    ],
)
def test_a_property_typed_some_other_way_passes(schema: dict[str, Any]) -> None:
    data = valid()
    data["components"]["schemas"]["Thing"]["properties"]["name"] = schema
    assert lint(_doc(data), only={"property-type"}) == []


def test_a_condition_on_a_property_is_no_property() -> None:
    data = valid()
    data["components"]["schemas"]["Thing"]["if"] = {"properties": {"name": {"const": "x"}, "id": {"minimum": 2}}}
    data["components"]["schemas"]["Thing"]["then"] = {"required": ["name"]}
    assert lint(_doc(data), only={"property-type"}) == []


def test_pagination_needs_what_its_style_pages_with() -> None:
    data = valid()
    op(data)["x-voxspec-pagination"] = {"style": "offset", "limit": "kind"}
    messages = [f.message for f in lint(_doc(data), only={"pagination-params"})]
    assert messages == ["offset paging needs `offset`: the parameter that carries it"]


def test_pagination_items_names_a_property_of_the_success_answer() -> None:
    data = valid()
    data["components"]["schemas"]["Thing"]["properties"]["pages"] = {"type": "array", "items": {"type": "string"}}
    op(data)["x-voxspec-pagination"] = {"style": "page", "page": "kind", "size": "kind", "items": "pages"}
    assert lint(_doc(data), only={"pagination-params"}) == []
    op(data)["x-voxspec-pagination"]["items"] = "resources"
    messages = [f.message for f in lint(_doc(data), only={"pagination-params"})]
    assert messages == ["`items: resources` names no property of the success answer of GET /things/{id}"]


def test_integrity_rules_have_the_documented_shape() -> None:
    data = valid()
    op(data)["x-voxspec-integrity"] = {"duplicate": "overwrite", "children": [{"operation": "x"}]}
    messages = [f.message for f in lint(_doc(data), only={"extension-shape"})]
    assert any("'overwrite' is not one of" in m for m in messages), messages
    assert any("'on-delete' is a required property" in m for m in messages), messages


def test_an_operation_whose_integrity_rules_refuse_it_declares_409() -> None:
    data = valid()
    op(data)["x-voxspec-integrity"] = {"unique": ["name"]}
    messages = [f.message for f in lint(_doc(data), only={"integrity-targets"})]
    assert any("declares a 409 response" in m for m in messages), messages


def test_a_subscription_names_the_fields_holding_its_url_and_event() -> None:
    data = valid()
    op(data)["x-voxspec-subscription"] = {"url": "post-url"}
    findings = lint(_doc(data), only={"extension-shape"})
    assert [f.message for f in findings] == ["x-voxspec-subscription: 'event' is a required property"]
    op(data)["x-voxspec-subscription"] = {"url": "post-url", "event": "model"}
    assert lint(_doc(data), only={"extension-shape"}) == []


def test_an_async_rule_declares_how_long_each_state_lasts() -> None:
    data = valid()
    op(data)["x-voxspec-async"] = {"states": ["PENDING", "DONE"], "poll": "get_thing"}
    findings = lint(_doc(data), only={"extension-shape"})
    assert [f.message for f in findings] == ["x-voxspec-async: 'seconds' is a required property"]
    op(data)["x-voxspec-async"]["seconds"] = 0
    assert [f.message for f in lint(_doc(data), only={"extension-shape"})] == [
        "x-voxspec-async: 0 is less than or equal to the minimum of 0"
    ]
    op(data)["x-voxspec-async"]["seconds"] = 2.5
    assert lint(_doc(data), only={"extension-shape"}) == []


def test_omitted_operations_need_a_method_path_key_and_a_decision() -> None:
    data = valid()
    data["x-voxspec-omitted"] = {"GET /things/{id}/count": "vendor.openapi.json has it; we leave it out because"}
    assert lint(_doc(data), only={"extension-shape"}) == []
    data["x-voxspec-omitted"] = {"/things/{id}/count": "no method", "GET /things": " "}
    messages = [f.message for f in lint(_doc(data), only={"extension-shape"})]
    assert len(messages) == 2, messages
    assert any("'/things/{id}/count' does not match" in m for m in messages), messages
    assert any("' ' does not match" in m for m in messages), messages


@pytest.mark.parametrize(
    ("pattern", "example", "matches"),
    [
        (r"^\d+$", "١٢٣", False),  # Arabic-Indic digits: Python's \d takes them, ECMA-262's is ASCII only
        ("^one$", "one\n", False),  # Python's $ matches before a final newline, ECMA-262's only at the end
        (r"^\S+$", "one\x1ftwo", True),  # U+001F is white space to Python's \s, not to ECMA-262's
    ],
)
def test_examples_are_read_with_ecma_patterns_as_the_mock_reads_them(pattern: str, example: str, matches: bool) -> None:
    """An example lint accepts is one the mock (and schemathesis) accept, and the other way round: patterns are
    ECMA-262 to both."""
    data = valid()
    data["components"]["schemas"]["Thing"]["properties"]["name"]["pattern"] = pattern
    op(data)["responses"]["200"]["content"]["application/json"]["example"] = {"id": 1, "name": example}
    findings = lint(_doc(data), only={"example-valid"})
    at_fault = "/paths/~1things~1{id}/get/responses/200/content/application~1json/example/name"
    assert [f.pointer for f in findings] == ([] if matches else [at_fault]), findings
