"""openapi-spec-validator's metaschema check of each schema, answered first by jsonschema-rs: the fast answer
may only ever accept what the library accepts, and the library words every rejection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema.exceptions import best_match
from openapi_spec_validator import OpenAPIV31SpecValidator

from generator.load import parse
from generator.validate import _COMPILED, _compiled_metaschema, _Validator, validate
from tests.unit.specs import valid

# Schemas that break the OAS 3.1 dialect's metaschema in different ways, and one that only Python's regex
# engine rejects (an ECMA-style named group): jsonschema-rs must hand each to the library.
BROKEN_SCHEMAS: dict[str, Any] = {
    "type-not-a-type": {"type": "strin"},
    "minimum-not-a-number": {"type": "integer", "minimum": "one"},
    "required-not-a-list": {"type": "object", "required": "id"},
    "nested-broken": {"type": "object", "properties": {"a": {"type": "array", "items": {"enum": 3}}}},
    "python-regex-only": {"type": "string", "pattern": "(?<name>x)"},
}


def _with_schema(schema: Any) -> str:
    doc = valid()
    doc["components"]["schemas"]["Broken"] = schema
    doc["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Broken"
    }
    return json.dumps(doc)


def test_the_dialect_metaschema_compiles() -> None:
    # Without it every schema would quietly take the slow path: still correct, but the speed-up gone.
    schema_check = _Validator.keyword_validators["schema"]
    dialect_cls = OpenAPIV31SpecValidator.keyword_validators["schema"]
    assert issubclass(schema_check, dialect_cls)
    from openapi_schema_validator import OAS31Validator

    compiled = _compiled_metaschema(OAS31Validator)
    assert compiled is not None
    assert _COMPILED["https://spec.openapis.org/oas/3.1/dialect/base"] is compiled  # keyed by the dialect, not id()
    assert compiled.is_valid({"type": "string", "pattern": "^a+$"})
    assert not compiled.is_valid({"type": "strin"})


@pytest.mark.parametrize("name", sorted(BROKEN_SCHEMAS))
def test_broken_schemas_are_reported_as_the_library_reports_them(name: str) -> None:
    text = _with_schema(BROKEN_SCHEMAS[name])
    ours = validate(parse(text, "spec.json"))
    assert ours, f"{name} was accepted"
    assert all(f.pointer.startswith("/components/schemas/Broken") for f in ours), ours
    errors = list(OpenAPIV31SpecValidator(json.loads(text)).iter_errors())
    # voxspec words an anyOf failure by its best-matching branch, as jsonschema's best_match picks it
    errors += [best_match(e.context) for e in errors if e.context]
    library = [str(e.message).splitlines()[0] for e in errors]
    assert library, f"the library itself accepts {name}"
    assert any(f.message.splitlines()[0] in library for f in ours), (ours, library)


def test_a_valid_document_has_no_findings() -> None:
    assert validate(parse(json.dumps(valid()), "spec.json")) == []


def test_the_private_layout_the_fast_path_relies_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast metaschema check hooks openapi-spec-validator's private `_get_schema_checker` method (no public
    API offers one) and reads the metaschemas openapi-schema-validator ships as package data. A release that
    moves either would silently take the slow path, so this fails loudly instead."""
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator.validation import keywords

    from generator.validate import _compiled_metaschema, metaschemas

    base = keywords.OpenAPIV31SchemaValidator
    for name in ("_get_schema_checker", "_get_validator_class_for_dialect", "_get_schema_dialect_id"):
        assert callable(getattr(base, name, None)), f"openapi-spec-validator no longer has {name}"
    found = dict(metaschemas())
    for uri in ("https://spec.openapis.org/oas/3.1/dialect/base", "https://spec.openapis.org/oas/3.1/meta/base"):
        assert uri in found, f"openapi-schema-validator no longer ships {uri} in its schemas/ folder"
    assert _compiled_metaschema(OAS31Validator) is not None, "jsonschema-rs cannot build the OAS 3.1 metaschema"
    # and the hook is really taken: the fast checker answers a schema the metaschema accepts
    calls: list[Any] = []
    schema_check: Any = _Validator.keyword_validators["schema"]
    original = schema_check._get_schema_checker

    def spy(self: Any, schema: Any, value: Any) -> Any:
        calls.append(value)
        return original(self, schema, value)

    monkeypatch.setattr(schema_check, "_get_schema_checker", spy)
    assert validate(parse(json.dumps(valid()), "spec.json")) == []
    assert calls, "validate no longer goes through the fast metaschema check"
