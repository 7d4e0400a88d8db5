"""The models module of a generated package, produced by datamodel-code-generator.

We hand it only the component schemas (Api.components) so class names are the component names; render's ruff
pass formats it. Before that, model_schemas makes two changes to a copy of them: no schema defaults (a model
holds what the server sent, and a request model sends what the caller set), and inline enums named after owner
and property.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import PythonVersion

from generator.errors import VoxspecError
from generator.ir import Api, component_name, is_reference, reference

CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)


def models_source(api: Api) -> str:
    """Source of models.py (without the voxspec header line)."""
    components = model_schemas(api.components)
    if not components:
        return "from __future__ import annotations\n"
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": api.version},
        "paths": {},
        "components": {"schemas": components},
    }
    try:
        source = generate(
            json.dumps(document, sort_keys=False),
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            disable_timestamp=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_schema_description=True,
            field_constraints=True,
            use_annotated=True,
            capitalise_enum_members=True,
            enum_field_as_literal_map=narrowed_enum_fields(components) or None,
            use_subclass_enum=True,
            # render.format_python runs ruff over every file of the package in one go; a second ruff pass here
            # (two more processes per vendor) gave the same bytes.
            formatters=[],
        )
    except Exception as exc:  # dcg raises many error types for schemas it cannot model
        raise VoxspecError(f"{api.source}: datamodel-code-generator failed: {exc}") from None
    if not isinstance(source, str):
        raise VoxspecError(f"{api.source}: datamodel-code-generator returned several modules")
    defined = set(CLASS.findall(source))
    missing = [name for name in api.model_names if name not in defined and _is_class_schema(components[name])]
    if missing:
        raise VoxspecError(f"{api.source}: no model class generated for {', '.join(missing)}")
    return source


def narrowed_enum_fields(schemas: Mapping[str, Any]) -> dict[str, str]:
    """Enum fields that an allOf subschema narrows (a discriminator-like `event: const`).

    A StrEnum field in the base class cannot be overridden by a Literal in the subclass under
    mypy --strict, so these fields become Literal types in both places.
    """
    fields: dict[str, str] = {}
    for schema in schemas.values():
        if not isinstance(schema, dict) or not isinstance(schema.get("allOf"), list):
            continue
        bases = [s for s in schema["allOf"] if is_reference(s)]
        own = [s for s in schema["allOf"] if isinstance(s, dict) and not is_reference(s)] + [schema]
        for base_ref in bases:
            base = schemas.get(component_name(base_ref) or "")
            base_props = base.get("properties", {}) if isinstance(base, dict) else {}
            for part in own:
                for name in part.get("properties") or {}:
                    if isinstance(base_props.get(name), dict) and "enum" in base_props[name]:
                        fields[name] = "literal"
    return dict(sorted(fields.items()))


def _is_class_schema(schema: Any) -> bool:
    return isinstance(schema, dict)


# JSON Schema keywords whose value is a subschema, a list of them, or a map of them; nothing else is walked, so
# a property that happens to be named `default` or `enum` is left alone.
ONE_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "unevaluatedItems")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAPS = ("$defs", "definitions", "dependentSchemas", "patternProperties")


def model_schemas(components: Mapping[str, Any]) -> dict[str, Any]:
    """The component schemas as datamodel-code-generator gets them: a copy (the spec is not touched) with

    - every `default` moved into the description as "Server default: ...": a default says what the server does
      with a value left out of a request, so a model parsed from an answer must not fill it in (the field stays
      None, as for any other field the server did not send), and a request model does not send it unasked;
    - every inline enum made a schema of its own, named from its owner and property (`AnswerRule.action` ->
      `AnswerRuleAction`) and referred to by `$ref`: datamodel-code-generator names an inline enum from the
      property alone and numbers the clashes (`Action1`), and a `title` would name it but also land in every
      Field. Enum fields an allOf narrows stay inline: they become Literal types (narrowed_enum_fields).
    """
    names = _Names(set(components), set(narrowed_enum_fields(components)))
    out: dict[str, Any] = {}
    for name, schema in copy.deepcopy(components).items():
        if isinstance(schema, dict):
            _prepare(schema, name, None, names)
        out.update(names.hoisted)  # each enum just before its owner, as a reader looks for it
        names.hoisted.clear()
        out[name] = schema
    return out


class _Names:
    """The enums hoisted so far, by class name; names taken by components and earlier enums (spec order)."""

    def __init__(self, taken: set[str], literal_fields: set[str]) -> None:
        self.taken = taken
        self.literal_fields = literal_fields
        self.hoisted: dict[str, Any] = {}

    def hoist(self, node: dict[str, Any], wanted: str) -> None:
        """Moves the enum `node` into its own schema named `wanted` and leaves a `$ref` (and its description)."""
        name, n = wanted, 1
        while name in self.taken:  # a component or an earlier enum has it: rare, and then numbered after all
            n += 1
            name = f"{wanted}{n}"
        self.taken.add(name)
        self.hoisted[name] = dict(node)
        description = node.get("description")
        node.clear()
        node.update(reference(name))
        if description:
            node["description"] = description


def pascal(name: str) -> str:
    """`call_timeout`, `callTimeout`, `call-timeout` -> `CallTimeout`."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", words) if w)


def _prepare(node: dict[str, Any], owner: str, prop: str | None, names: _Names) -> None:
    """Moves defaults into descriptions and hoists inline enums, in `node` and every subschema of it.

    `owner` is the class the node's properties belong to, `prop` the property the node is the schema of."""
    if "default" in node:
        shown = json.dumps(node.pop("default"), ensure_ascii=False)
        text = str(node.get("description") or "").strip()
        node["description"] = f"{text} Server default: {shown}.".strip()
    if prop is not None and "enum" in node and not is_reference(node) and prop not in names.literal_fields:
        part = pascal(prop)
        # `User.user_scope` is `UserScope`, not `UserUserScope`
        names.hoist(node, part if part.lower().startswith(owner.lower()) else owner + part)
        return
    properties = node.get("properties")
    if isinstance(properties, dict):
        # an inline object's own properties belong to the class named after it
        inner = owner if prop is None else pascal(prop)
        # datamodel-code-generator names an inline object from its property alone and numbers a name a component
        # or another inline object already has (`ReasonCode1`): such an object is named from its owner too
        clash = prop is not None and inner in names.taken
        if clash:
            inner = owner + inner
        elif prop is not None:
            names.taken.add(inner)
        for key, sub in properties.items():
            if isinstance(sub, dict):
                _prepare(sub, inner, str(key), names)
        if clash:
            names.hoist(node, inner)
            return
    for key in ONE_SCHEMA:
        if isinstance(node.get(key), dict):
            _prepare(node[key], owner, prop, names)
    for key in SCHEMA_LISTS:
        for sub in node.get(key) or []:
            if isinstance(sub, dict):
                _prepare(sub, owner, prop, names)
                if prop is None and key in ("oneOf", "anyOf") and _constrained_scalar(sub):
                    # a component that is a union with a constrained scalar branch (`IdList`: ids, or a string
                    # of them): the branch becomes a class, numbered (`IdList1`) unless named here
                    names.hoist(sub, owner + pascal(str(sub["type"])))
    for key in SCHEMA_MAPS:
        for sub in (node.get(key) or {}).values():
            if isinstance(sub, dict):
                _prepare(sub, owner, None, names)


CONSTRAINTS = ("pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _constrained_scalar(schema: dict[str, Any]) -> bool:
    return schema.get("type") in ("string", "integer", "number") and any(k in schema for k in CONSTRAINTS)
