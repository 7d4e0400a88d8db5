"""Schemas as the docs show them: type expressions, constraint notes and field rows."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from generator.docs.text import MAX_DEPTH, inline, to_json
from generator.docs.views import Note, Row, SchemaView, Seg
from generator.ir import Api, component_name, is_reference


def type_segments(schema: Any, api: Api, depth: int = 0) -> tuple[Seg, ...]:
    """A readable JSON-schema type: `string (date) | null`, `array of <Call>`, `Envelope & object`."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return (Seg("any"),)
    if is_reference(schema):
        name = component_name(schema)
        return (Seg(name, f"#schema-{name}"),) if name else type_segments(api.resolve(schema), api, depth + 1)
    for key, joiner in (("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")):
        members = schema.get(key)
        if isinstance(members, list) and members:
            out: list[Seg] = []
            for index, member in enumerate(members):
                if index:
                    out.append(Seg(joiner))
                out.extend(type_segments(member, api, depth + 1))
            return tuple(out)
    if "const" in schema:
        return (Seg(f"const {to_json(schema['const'])}"),)
    kinds = schema.get("type")
    if isinstance(kinds, list):
        joined: list[Seg] = []
        for index, kind in enumerate(kinds):
            if index:
                joined.append(Seg(" | "))
            joined.extend(type_segments({**schema, "type": kind}, api, depth + 1))
        return tuple(joined)
    if kinds == "array" or (kinds is None and "items" in schema):
        return (Seg("array of "), *type_segments(schema.get("items", {}), api, depth + 1))
    if kinds == "object" or (kinds is None and "properties" in schema):
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and not schema.get("properties"):
            return (Seg("map of string → "), *type_segments(extra, api, depth + 1))
        return (Seg("object"),)
    if isinstance(kinds, str):
        fmt = schema.get("format")
        return (Seg(f"{kinds} ({fmt})" if fmt else kinds),)
    return (Seg("any"),)


def notes(schema: Any, api: Api, skip: frozenset[str] = frozenset()) -> tuple[Note, ...]:
    """Constraints worth a reader's eye: enum, default, bounds, pattern, example."""
    if is_reference(schema) and not component_name(schema):
        schema = api.resolve(schema)
    if not isinstance(schema, dict):
        return ()
    notes: list[Note] = []
    if "enum" not in skip and isinstance(schema.get("enum"), list):
        notes.append(Note("one of", tuple(to_json(v) for v in schema["enum"])))
    items = schema.get("items")
    if "enum" not in skip and isinstance(items, dict) and isinstance(items.get("enum"), list):
        notes.append(Note("items one of", tuple(to_json(v) for v in items["enum"])))
    if "default" not in skip and "default" in schema:
        notes.append(Note("default", (to_json(schema["default"]),)))
    for key, label in (
        ("minimum", "min"),
        ("exclusiveMinimum", "min (exclusive)"),
        ("maximum", "max"),
        ("exclusiveMaximum", "max (exclusive)"),
        ("multipleOf", "multiple of"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("pattern", "pattern"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ):
        if key in schema and not isinstance(schema[key], bool):
            value = schema[key]
            notes.append(Note(label, (value if isinstance(value, str) else to_json(value),)))
    for key, label in (("uniqueItems", "unique items"), ("readOnly", "read-only"), ("writeOnly", "write-only")):
        if schema.get(key) is True:
            notes.append(Note(label))
    if schema.get("deprecated") is True:
        notes.append(Note("deprecated"))
    if "example" in schema:
        notes.append(Note("example", (to_json(schema["example"]),)))
    elif isinstance(schema.get("examples"), list) and schema["examples"]:
        notes.append(Note("example", (to_json(schema["examples"][0]),)))
    return tuple(notes)


def merge_all_of(schema: dict[str, Any], api: Api, depth: int = 0) -> dict[str, Any] | None:
    """allOf members flattened into one object (later members win), so a reader sees every field once."""
    members = schema.get("allOf")
    if not isinstance(members, list) or depth > MAX_DEPTH:
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        target = api.resolve(member)
        if not isinstance(target, dict):
            continue
        target = merge_all_of(target, api, depth + 1) or target
        if isinstance(target.get("properties"), dict):
            properties.update(target["properties"])
        required += [r for r in target.get("required") or [] if r not in required]
    if not properties:
        return None
    rest = {k: v for k, v in schema.items() if k != "allOf"}
    properties.update(rest.get("properties") or {})
    required += [r for r in rest.get("required") or [] if r not in required]
    return {**rest, "type": "object", "properties": properties, "required": required}


def _rows(schema: Any, api: Api, depth: int = 0) -> list[Row]:
    """The fields inside a schema as nested table rows; component schemas become links, not copies."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return []
    if is_reference(schema):
        return [] if component_name(schema) else _rows(api.resolve(schema), api, depth)
    schema = merge_all_of(schema, api) or schema
    rows: list[Row] = []
    for key in ("oneOf", "anyOf"):
        for index, member in enumerate(schema.get(key) or []):
            inner = _rows(member, api, depth + 1)
            if inner:
                description = inline(member.get("description", "")) if isinstance(member, dict) else Markup("")
                rows.append(Row(depth, f"option {index + 1}", type_segments(member, api), False, description, (), True))
                rows += inner
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = set(schema.get("required") or [])
        for name, prop in properties.items():
            described = prop if isinstance(prop, dict) and "description" in prop else api.resolve(prop)
            description = inline(described.get("description", "")) if isinstance(described, dict) else Markup("")
            rows.append(
                Row(depth, str(name), type_segments(prop, api), name in required, description, notes(prop, api))
            )
            rows += _rows(prop, api, depth + 1)
    items = schema.get("items")
    if isinstance(items, dict):
        rows += _rows(items, api, depth)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and not properties:
        rows += _rows(extra, api, depth)
    return rows


def schema_view(schema: Any, api: Api) -> SchemaView:
    """A body or component: its type line, and its fields (one component level is opened in place)."""
    target = schema
    component = None
    if is_reference(schema):
        component = component_name(schema)
        target = api.resolve(schema)
    target = target if isinstance(target, dict) else {}
    items = target.get("items")
    if not target.get("properties") and is_reference(items):
        # A list of one component: its item fields are what the reader is after.
        target = {**target, "items": api.resolve(items)}
    return SchemaView(
        type_segments(schema, api),
        inline(target.get("description", "")),
        notes(target, api),
        tuple(_rows(target, api)),
        component,
    )
