"""The models module of a generated package, produced by datamodel-code-generator.

We hand it only components/schemas so class names are the component names; render's ruff pass formats it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import PythonVersion

from generator.errors import VoxspecError
from generator.ir import Api

CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)


def models_source(api: Api) -> str:
    """Source of models.py (without the voxspec header line)."""
    components = (api.openapi.get("components") or {}).get("schemas") or {}
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
            set_default_enum_member=True,
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


def narrowed_enum_fields(schemas: dict[str, Any]) -> dict[str, str]:
    """Enum fields that an allOf subschema narrows (a discriminator-like `event: const`).

    A StrEnum field in the base class cannot be overridden by a Literal in the subclass under
    mypy --strict, so these fields become Literal types in both places.
    """
    fields: dict[str, str] = {}
    for schema in schemas.values():
        if not isinstance(schema, dict) or not isinstance(schema.get("allOf"), list):
            continue
        bases = [s for s in schema["allOf"] if isinstance(s, dict) and "$ref" in s]
        own = [s for s in schema["allOf"] if isinstance(s, dict) and "$ref" not in s] + [schema]
        for base_ref in bases:
            base = schemas.get(str(base_ref["$ref"]).rsplit("/", 1)[-1])
            base_props = base.get("properties", {}) if isinstance(base, dict) else {}
            for part in own:
                for name in part.get("properties") or {}:
                    if isinstance(base_props.get(name), dict) and "enum" in base_props[name]:
                        fields[name] = "literal"
    return dict(sorted(fields.items()))


def _is_class_schema(schema: Any) -> bool:
    return isinstance(schema, dict)
