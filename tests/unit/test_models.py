"""models.model_schemas: the component schemas datamodel-code-generator is given, without defaults and with
every inline enum named after its owner and property."""

from __future__ import annotations

import copy
from typing import Any

from generator.models import model_schemas, pascal

SCHEMAS: dict[str, Any] = {
    "AnswerRule": {
        "type": "object",
        "properties": {
            "action": {"type": "string", "enum": ["ring", "drop"], "description": "What to do."},
            "timeout": {"type": "integer", "default": 60, "description": "Seconds."},
            "default": {"type": "string"},  # a property named `default`, not the keyword
            "mode": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]},
            "steps": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
            "window": {"type": "object", "properties": {"day": {"type": "string", "enum": ["mon", "tue"]}}},
            "answer_rule_kind": {"type": "string", "enum": ["k"]},
        },
    },
    "AnswerRuleAction": {"type": "string", "description": "A component that already has the name."},
    "Level": {"type": "string", "enum": ["low", "high"], "default": "low"},
}


def test_defaults_move_into_the_description() -> None:
    out = model_schemas(SCHEMAS)
    timeout = out["AnswerRule"]["properties"]["timeout"]
    assert "default" not in timeout and timeout["description"] == "Seconds. Server default: 60."
    assert out["Level"] == {"type": "string", "enum": ["low", "high"], "description": 'Server default: "low".'}
    assert out["AnswerRule"]["properties"]["default"] == {"type": "string"}


def test_inline_enums_become_named_schemas_before_their_owner() -> None:
    out = model_schemas(SCHEMAS)
    props = out["AnswerRule"]["properties"]
    # the component AnswerRuleAction holds the plain name, so the enum takes the next one
    assert props["action"] == {"$ref": "#/components/schemas/AnswerRuleAction2", "description": "What to do."}
    assert out["AnswerRuleAction2"]["enum"] == ["ring", "drop"]
    assert props["mode"]["anyOf"][0] == {"$ref": "#/components/schemas/AnswerRuleMode"}
    assert props["steps"]["items"] == {"$ref": "#/components/schemas/AnswerRuleSteps"}
    assert props["window"]["properties"]["day"] == {"$ref": "#/components/schemas/WindowDay"}
    assert props["answer_rule_kind"] == {"$ref": "#/components/schemas/AnswerRuleKind"}  # not AnswerRuleAnswerRuleKind
    names = list(out)
    assert names.index("AnswerRuleMode") < names.index("AnswerRule")
    assert out["Level"]["enum"] == ["low", "high"]  # a component enum keeps its place and name


def test_the_spec_is_not_touched_and_the_result_is_stable() -> None:
    before = copy.deepcopy(SCHEMAS)
    first = model_schemas(SCHEMAS)
    assert SCHEMAS == before
    assert list(model_schemas(SCHEMAS).items()) == list(first.items())


def test_an_enum_an_allof_narrows_stays_inline() -> None:
    """Those become Literal types in base and subclass alike (narrowed_enum_fields)."""
    schemas = {
        "Event": {"type": "object", "properties": {"event": {"type": "string", "enum": ["a", "b"]}}},
        "AEvent": {"allOf": [{"$ref": "#/components/schemas/Event"}, {"properties": {"event": {"const": "a"}}}]},
    }
    assert model_schemas(schemas)["Event"]["properties"]["event"]["enum"] == ["a", "b"]


def test_pascal() -> None:
    assert [pascal(n) for n in ("call_timeout", "callTimeout", "call-timeout", "dtmf2")] == ["CallTimeout"] * 3 + [
        "Dtmf2"
    ]


def test_a_constrained_scalar_branch_of_a_union_component_is_named() -> None:
    schemas = {
        "IdList": {
            "oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "string", "pattern": "^[0-9,]+$"}]
        }
    }
    out = model_schemas(schemas)
    assert out["IdList"]["oneOf"][1] == {"$ref": "#/components/schemas/IdListString"}
    assert out["IdListString"] == {"type": "string", "pattern": "^[0-9,]+$"}
    assert list(out) == ["IdListString", "IdList"]


def test_an_inline_object_named_like_a_component_is_named_after_its_owner_too() -> None:
    schemas = {
        "ReasonCode": {"type": "object", "properties": {"id": {"type": "string"}}},
        "Detail": {
            "type": "object",
            "properties": {
                "reasonCode": {"type": "object", "properties": {"name": {"type": "string"}}},
                "agent": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
        "Other": {
            "type": "object",
            "properties": {"agent": {"type": "object", "properties": {"n": {"type": "string"}}}},
        },
    }
    out = model_schemas(schemas)
    assert out["Detail"]["properties"]["reasonCode"] == {"$ref": "#/components/schemas/DetailReasonCode"}
    assert out["DetailReasonCode"] == {"type": "object", "properties": {"name": {"type": "string"}}}
    # the first inline `agent` keeps datamodel-code-generator's own name; a second one would be numbered by it
    assert out["Detail"]["properties"]["agent"]["type"] == "object"
    assert out["Other"]["properties"]["agent"] == {"$ref": "#/components/schemas/OtherAgent"}
