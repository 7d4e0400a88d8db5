"""Inventory of specs/telphin/openapi.yaml against the vendor document it is written from.

The Telphin document is a Confluence export with one cell per line: a ``METHOD /path`` line and a
summary, then tables ("Path parameters", "Query parameters", "JSON parameters", "Form parameters",
"Resource fields") whose rows are name, type and an optional description carrying "Required.",
"One of '...'." and "Default: ...". The parser below reads that text as it is and the tests check that
every operation, parameter and resource field it finds is in the spec with the same type (and array
item type), required flag, enum and default. Nothing expected is written down here except the
deliberate differences in EXCEPTIONS, each of which must carry an x-voxspec-decision in the spec.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import pytest

from generator.pointer import unescape

DOC_NAME = "telphin-extension-api.txt"
VENDOR = "telphin"

OPERATION_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)$")
SECTION_LINE = re.compile(r"^(?:(\w+) parameters|Resource fields)$")
TYPE_LINE = re.compile(r"^(?:string|integer|boolean|number|object|file|array \[\w+\])$")
NAME_LINE = re.compile(r"^[a-z_][a-z0-9_]*$")
TABLE_HEADER = {"Name", "Type", "Description"}
SECTIONS = {"Path": "path", "Query": "query", "JSON": "json", "Form": "form", None: "resource"}
ENUM_TEXT = re.compile(r"One of ((?:'[^']*'(?:, )?)+)\.")
DEFAULT_TEXT = re.compile(r"Default: (\S+)$")
PRIMITIVES = {"string", "integer", "boolean", "number", "object"}
BODY_MEDIA = {"json": "application/json", "form": "multipart/form-data"}
METHODS = ("get", "put", "post", "delete", "patch")

# Deliberate differences between the document and the spec, keyed by (method, path, section, name)
# as fnmatch patterns, each with the attributes allowed to differ. The spec node must carry an
# x-voxspec-decision; the decision text says why.
EXCEPTIONS: dict[tuple[str, str, str, str], frozenset[str]] = {
    # Agent status: string in JSON parameters, object in Resource fields; the spec says string.
    ("*", "/extension/{extension_id}/agent/*", "resource", "status"): frozenset({"type"}),
    # ignore_early_media: request default True, resource default False; the spec says True.
    ("*", "/extension/{extension_id}/incom_rule/*", "resource", "ignore_early_media"): frozenset({"default"}),
    # Queue sound_type: request default 'ring', resource default 'music'; the spec says 'ring'.
    ("*", "/extension/{extension_id}/queue/", "resource", "sound_type"): frozenset({"default"}),
    # Queue agent position/level: request default 0, resource default 1; the spec says 0.
    ("*", "/extension/{extension_id}/queue/agents/*", "resource", "position"): frozenset({"default"}),
    ("*", "/extension/{extension_id}/queue/agents/*", "resource", "level"): frozenset({"default"}),
    # IVR rule digit counts: integer in JSON parameters, string in Resource fields; the spec says integer.
    ("*", "*/options/{option_digits}/rules/*", "resource", "record_digits_max"): frozenset({"type"}),
    ("*", "*/options/{option_digits}/rules/*", "resource", "voice_helper_digits_max"): frozenset({"type"}),
    # Fax dst_num: a string form parameter; a multipart part has no type, so the spec takes digits either way.
    ("POST", "/extension/{extension_id}/fax/out/", "form", "dst_num"): frozenset({"type"}),
}

Json = Any


# ----------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class DocField:
    section: str
    name: str
    type: str
    description: str

    @property
    def required(self) -> bool:
        return self.section == "path" or self.description.startswith("Required.")

    @property
    def enum(self) -> list[str] | None:
        match = ENUM_TEXT.search(self.description)
        return re.findall(r"'([^']*)'", match[1]) if match else None

    @property
    def default(self) -> tuple[bool, Json]:
        match = DEFAULT_TEXT.search(self.description)
        if not match:
            return False, None
        text = match[1]
        literals: dict[str, Json] = {"True": True, "False": False, "[]": []}
        if text in literals:
            return True, literals[text]
        return True, int(text) if self.type == "integer" else text

    @property
    def shape(self) -> tuple[str, str | None]:
        """(type, array item type); models named by the document are 'object' items."""
        match = re.fullmatch(r"array \[(\w+)\]", self.type)
        if match:
            item = match[1]
            return "array", item if item in PRIMITIVES else "object"
        return self.type, None

    @property
    def model(self) -> str | None:
        match = re.fullmatch(r"array \[(\w+)\]", self.type)
        return match[1] if match and match[1] not in PRIMITIVES else None


@dataclass(frozen=True)
class DocOperation:
    method: str
    path: str
    summary: str
    fields: tuple[DocField, ...]

    def section(self, name: str) -> list[DocField]:
        return [f for f in self.fields if f.section == name]


def parse_document(text: str) -> list[DocOperation]:
    cells = [line.strip() for line in text.splitlines() if line.strip()]

    def starts_row(i: int) -> bool:
        return i + 1 < len(cells) and bool(NAME_LINE.match(cells[i])) and bool(TYPE_LINE.match(cells[i + 1]))

    def ends_description(i: int) -> bool:
        return starts_row(i) or bool(OPERATION_LINE.match(cells[i]) or SECTION_LINE.match(cells[i]))

    operations: list[DocOperation] = []
    current: tuple[str, str, str] | None = None
    fields: list[DocField] = []
    section: str | None = None
    i = 0
    while i < len(cells):
        cell = cells[i]
        if match := OPERATION_LINE.match(cell):
            if current:
                operations.append(DocOperation(*current, tuple(fields)))
            current, fields, section = (match[1], match[2], cells[i + 1]), [], None
            i += 2
        elif match := SECTION_LINE.match(cell):
            assert match[1] in SECTIONS, f"unknown table {cell!r}"
            section = SECTIONS[match[1]]
            i += 1
        elif section and starts_row(i):
            j = i + 2
            while j < len(cells) and not ends_description(j) and cells[j] not in TABLE_HEADER:
                j += 1
            description = " ".join(c for c in cells[i + 2 : j] if not c.startswith("\u2022"))
            fields.append(DocField(section, cell, cells[i + 1], description))
            i = j
        else:
            i += 1
    if current:
        operations.append(DocOperation(*current, tuple(fields)))
    return operations


# ----------------------------------------------------------------------------- the spec


class Spec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def resolve(self, node: Json) -> Json:
        while isinstance(node, dict) and "$ref" in node:
            target: Json = self.data
            for token in node["$ref"].removeprefix("#/").split("/"):
                target = target[unescape(token)]
            node = target
        return node

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        item = self.data.get("paths", {}).get(path) or {}
        op: dict[str, Any] | None = item.get(method.lower())
        return op

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, item in self.data.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), path, item[method]

    def parameters(self, method: str, path: str) -> dict[tuple[str, str], dict[str, Any]]:
        item = self.data["paths"][path]
        raw = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
        resolved = [self.resolve(p) for p in raw]
        return {(p["in"], p["name"]): p for p in resolved}

    def properties(self, schema: Json) -> tuple[dict[str, Any], set[str]]:
        """Properties and required names of an object schema, through $ref and allOf."""
        schema = self.resolve(schema)
        props: dict[str, Any] = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            more, more_required = self.properties(part)
            props.update(more)
            required |= more_required
        return props, required

    def body(self, op: dict[str, Any], media: str) -> tuple[dict[str, Any], set[str]] | None:
        content = self.resolve(op.get("requestBody", {})).get("content", {})
        return self.properties(content[media]["schema"]) if media in content else None

    def resource(self, op: dict[str, Any]) -> tuple[dict[str, Any], set[str]] | None:
        for code, response in op.get("responses", {}).items():
            content = self.resolve(response).get("content", {})
            if str(code).startswith("2") and "application/json" in content:
                schema = self.resolve(content["application/json"]["schema"])
                if schema.get("type") == "array":
                    schema = schema["items"]
                return self.properties(schema)
        return None

    def shape(self, schema: Json) -> tuple[str, str | None, bool]:
        """(type, array item type, nullable) of a schema, with file parts reported as 'file'."""
        schema = self.resolve(schema)
        types = schema.get("type")
        types = list(types) if isinstance(types, list) else [types]
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        kind = types[0] if len(types) == 1 else "|".join(map(str, types))
        if kind == "string" and schema.get("format") == "binary":
            return "file", None, nullable
        if kind == "array":
            return kind, self.shape(schema.get("items", {}))[0], nullable
        return kind, None, nullable


def has_decision(node: Json) -> bool:
    return isinstance(node, dict) and bool(node.get("x-voxspec-decision"))


def exemption(method: str, path: str, field: DocField) -> tuple[tuple[str, str, str, str], frozenset[str]] | None:
    for key, attributes in EXCEPTIONS.items():
        pattern = (method, path, field.section, field.name)
        if all(fnmatchcase(value, glob) for value, glob in zip(pattern, key, strict=True)):
            return key, attributes
    return None


def compare(spec: Spec, node: Json, field: DocField, required: bool, allowed: frozenset[str]) -> list[str]:
    """What differs between a document field and its spec node (a parameter's schema or a property)."""
    problems: list[str] = []
    schema = spec.resolve(node)
    kind, item, nullable = spec.shape(schema)
    expected_kind, expected_item = field.shape
    if (kind, item) != (expected_kind, expected_item) and "type" not in allowed:
        problems.append(f"type {kind}[{item}] != documented {field.type}")
    if nullable and not has_decision(node):
        problems.append("null is allowed without an x-voxspec-decision")
    if required != field.required:
        problems.append(f"required={required}, documented {field.required}")
    enum = schema.get("enum")
    if enum is not None and None in enum:
        if not has_decision(node):
            problems.append("enum allows null without an x-voxspec-decision")
        enum = [v for v in enum if v is not None]
    if enum != field.enum and "enum" not in allowed:
        problems.append(f"enum {enum} != documented {field.enum}")
    has_default, default = field.default
    spec_default = ("default" in schema, schema.get("default"))
    if spec_default != (has_default, default) and "default" not in allowed:
        problems.append(f"default {spec_default} != documented {(has_default, default)}")
    return problems


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def document(vendor_doc: Callable[[str], str]) -> list[DocOperation]:
    return parse_document(vendor_doc(DOC_NAME))


@pytest.fixture
def telphin(spec: Callable[[str], dict[str, Any]]) -> Spec:
    return Spec(spec(VENDOR))


def spec_node(telphin: Spec, op: dict[str, Any], method: str, path: str, field: DocField) -> tuple[Json, bool] | None:
    """The spec node for a documented field and whether the spec marks it required, or None when missing."""
    if field.section in ("path", "query"):
        param = telphin.parameters(method, path).get((field.section, field.name))
        return None if param is None else (param, bool(param.get("required", False)))
    found = telphin.body(op, BODY_MEDIA[field.section]) if field.section in BODY_MEDIA else telphin.resource(op)
    if found is None or field.name not in found[0]:
        return None
    props, required = found
    return props[field.name], field.name in required if field.section in BODY_MEDIA else field.required


# ----------------------------------------------------------------------------- tests


def test_document_parses_completely(vendor_doc: Callable[[str], str], document: list[DocOperation]) -> None:
    """Every operation line and every table row of the document is read (so nothing can hide from the tests)."""
    text = vendor_doc(DOC_NAME)
    cells = [line.strip() for line in text.splitlines() if line.strip()]
    assert len(document) == sum(1 for c in cells if OPERATION_LINE.match(c))
    assert len(document) >= 100
    fields = [f for op in document for f in op.fields]
    type_cells = sum(1 for c in cells if TYPE_LINE.match(c))
    names_that_look_like_types = sum(1 for f in fields if TYPE_LINE.match(f.name))
    assert len(fields) + names_that_look_like_types == type_cells
    rows = sum(1 for c in cells if c == "Name")
    assert rows == sum(len({f.section for f in op.fields}) for op in document), "a table was not read"
    for op in document:
        templated = re.findall(r"{(\w+)}", op.path)
        assert [f.name for f in op.section("path")] == templated, f"{op.method} {op.path}"


def test_every_operation_is_in_the_spec(document: list[DocOperation], telphin: Spec) -> None:
    missing = [f"{op.method} {op.path}" for op in document if telphin.operation(op.method, op.path) is None]
    assert not missing, f"operations missing from the spec: {missing}"
    documented = {(op.method, op.path) for op in document}
    extra = [f"{m} {p}" for m, p, node in telphin.operations() if (m, p) not in documented and not has_decision(node)]
    assert not extra, f"operations not in the document and without x-voxspec-decision: {extra}"


def test_operations_are_named_and_tagged(document: list[DocOperation], telphin: Spec) -> None:
    ids = [node.get("operationId") for _m, _p, node in telphin.operations()]
    assert len(ids) == len(set(ids)), "operationIds are not unique"
    declared = {tag["name"] for tag in telphin.data.get("tags", [])}
    for op in document:
        node = telphin.operation(op.method, op.path) or {}
        where = f"{op.method} {op.path}"
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", node.get("operationId", "")), f"{where}: operationId"
        assert node.get("summary"), f"{where}: summary"
        assert len(node.get("tags", [])) == 1 and node["tags"][0] in declared, f"{where}: tags"


def test_every_documented_field_matches(document: list[DocOperation], telphin: Spec) -> None:
    problems: list[str] = []
    used_exceptions: set[tuple[str, str, str, str]] = set()
    for op in document:
        node = telphin.operation(op.method, op.path)
        if node is None:
            continue  # reported by test_every_operation_is_in_the_spec
        for field in op.fields:
            where = f"{op.method} {op.path} {field.section} {field.name}"
            found = spec_node(telphin, node, op.method, op.path, field)
            if found is None:
                problems.append(f"{where}: missing from the spec")
                continue
            spec_field, required = found
            exempt = exemption(op.method, op.path, field)
            allowed: frozenset[str] = frozenset()
            if exempt:
                used_exceptions.add(exempt[0])
                allowed = exempt[1]
                if not has_decision(spec_field):
                    problems.append(f"{where}: listed in EXCEPTIONS but the spec node has no x-voxspec-decision")
            target = spec_field["schema"] if field.section in ("path", "query") else spec_field
            problems += [f"{where}: {p}" for p in compare(telphin, target, field, required, allowed)]
    problems += [f"EXCEPTIONS entry {key} matches nothing" for key in EXCEPTIONS if key not in used_exceptions]
    assert not problems, "\n".join(problems)


def test_spec_adds_no_undocumented_inputs(document: list[DocOperation], telphin: Spec) -> None:
    """A parameter or body field the document does not list needs an x-voxspec-decision."""
    problems: list[str] = []
    for op in document:
        node = telphin.operation(op.method, op.path)
        if node is None:
            continue
        documented = {(f.section, f.name) for f in op.fields}
        for (where, name), param in telphin.parameters(op.method, op.path).items():
            if (where, name) not in documented and not has_decision(param):
                problems.append(f"{op.method} {op.path}: {where} parameter {name} is not in the document")
        sources = [(section, telphin.body(node, media)) for section, media in BODY_MEDIA.items()]
        sources.append(("resource", telphin.resource(node)))
        for section, found in sources:
            props = found[0] if found else {}
            for name, prop in props.items():
                if (section, name) not in documented and not has_decision(prop):
                    problems.append(f"{op.method} {op.path}: {section} field {name} is not in the document")
    assert not problems, "\n".join(problems)


def test_each_document_model_is_one_component(document: list[DocOperation], telphin: Spec) -> None:
    """A type the document names (array [registration], ...) maps to one component wherever it appears."""
    targets: dict[str, set[str]] = defaultdict(set)
    for op in document:
        node = telphin.operation(op.method, op.path)
        for field in op.fields:
            found = spec_node(telphin, node, op.method, op.path, field) if node and field.model else None
            if found:
                items = telphin.resolve(found[0]).get("items", {})
                targets[field.model or ""].add(items.get("$ref", "<inline>"))
    problems = {model: refs for model, refs in targets.items() if len(refs) != 1 or "<inline>" in refs}
    assert not problems, f"document types not mapped to exactly one component: {problems}"


def test_paged_lists_declare_pagination(document: list[DocOperation], telphin: Spec) -> None:
    expected = {"style": "page", "page": "page", "size": "per_page"}
    for op in document:
        if {"page", "per_page"} <= {f.name for f in op.section("query")}:
            node = telphin.operation(op.method, op.path) or {}
            assert node.get("x-voxspec-pagination") == expected, f"{op.method} {op.path}"
