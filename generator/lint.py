"""voxspec's own rules: what openapi-spec-validator does not check but generation relies on.

One small function per rule, registered with an id; each yields Findings at JSON pointers.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from generator.errors import Finding
from generator.load import Document, Json, pointer_join, unescape
from generator.openapi import (
    COMPONENT_KINDS,
    TEMPLATE_PARAM,
    DocumentIndex,
    mapping,
    media_examples,
    operations,
    sequence,
)

Check = Callable[[Document, DocumentIndex], Iterator[Finding]]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
NO_BODY_STATUSES = {"204", "205", "304"}


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, summary, check)
        return check

    return register


def lint(doc: Document, index: DocumentIndex | None = None, only: set[str] | None = None) -> list[Finding]:
    index = index or DocumentIndex(doc)
    findings: set[Finding] = set()
    for rule_id, entry in RULES.items():
        if only is None or rule_id in only:
            findings.update(entry.check(doc, index))
    return sorted(findings)


@rule("ref-resolves", "every $ref points at a node in this document")
def _refs_resolve(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, target in index.all_refs:
        problem, where = index.dangling.get(target), pointer_join(pointer, "$ref")
        if not target.startswith("#"):
            yield doc.finding(where, f"external $ref {target!r} is not supported", "ref-resolves")
        elif problem == "missing":
            yield doc.finding(where, f"$ref {target!r} points at nothing", "ref-resolves")
        elif problem not in (None, "indirect"):  # a loop; "indirect" is reported at the broken $ref it leads to
            message = f"$ref {target!r} is circular ({problem}) and never reaches a definition"
            yield doc.finding(where, message, "ref-resolves")


@rule("operation-id", "every operation has a unique snake_case operationId")
def _operation_ids(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for op in operations(doc.data):
        op_id = op.node.get("operationId")
        if not isinstance(op_id, str):
            yield doc.finding(op.pointer, f"{op.method.upper()} {op.path} has no operationId", "operation-id")
            continue
        where = pointer_join(op.pointer, "operationId")
        if not SNAKE.match(op_id):
            yield doc.finding(where, f"operationId {op_id!r} is not snake_case", "operation-id")
        elif keyword.iskeyword(op_id):
            yield doc.finding(
                where, f"operationId {op_id!r} is a Python keyword; it names a client method", "operation-id"
            )
        if op_id in seen:
            yield doc.finding(where, f"operationId {op_id!r} is already used at {seen[op_id]}", "operation-id")
        else:
            seen[op_id] = f"{op.method.upper()} {op.path}"


def _parameters(doc: Document, op_node: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for source in (item.get("parameters") or [], op_node.get("parameters") or []):
        for raw in source if isinstance(source, list) else []:
            try:
                param = doc.deref(raw)
            except KeyError:
                continue
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                params[(param["name"], str(param.get("in")))] = param
    return list(params.values())


@rule("path-params", "every {name} in a path is declared as a required path parameter, and vice versa")
def _path_params(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        template = set(TEMPLATE_PARAM.findall(op.path))
        declared = {p["name"]: p for p in _parameters(doc, op.node, op.path_item) if p.get("in") == "path"}
        for name in sorted(template - declared.keys()):
            yield doc.finding(
                op.pointer, f"path parameter {{{name}}} of {op.path} is not declared in parameters", "path-params"
            )
        for name in sorted(declared.keys() - template):
            yield doc.finding(
                pointer_join(op.pointer, "parameters"),
                f"path parameter {name!r} is declared but {op.path} has no {{{name}}}",
                "path-params",
            )


@rule("responses-success-and-error", "every operation has a 2xx response and an error response")
def _success_and_error(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        responses = op.node.get("responses", {})
        if not isinstance(responses, dict):
            continue  # reported by validate
        codes = [str(c) for c in responses]
        where = pointer_join(op.pointer, "responses")
        if not any(c.startswith("2") for c in codes):
            yield doc.finding(where, "no 2xx response", "responses-success-and-error")
        if not any(c[:1] in ("4", "5") or c == "default" for c in codes):
            yield doc.finding(where, "no error response (4xx, 5xx or default)", "responses-success-and-error")


@rule("response-content", "every response with a body has a schema and an example")
def _response_content(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        for key, raw in mapping(op.node.get("responses")).items():
            code = str(key)
            where = pointer_join(op.pointer, "responses", code)
            if code in NO_BODY_STATUSES or op.method == "head":
                continue
            try:
                response = doc.deref(raw)
            except KeyError:
                continue
            content = response.get("content") if isinstance(response, dict) else None
            if content is not None and not isinstance(content, dict):
                continue  # reported by validate
            if not content:
                # A bodiless answer is allowed when the spec says why (the doc shows none).
                if not (isinstance(response, dict) and response.get("x-voxspec-decision")):
                    yield doc.finding(
                        where,
                        f"response {code} has no content and no x-voxspec-decision saying why",
                        "response-content",
                    )
                continue
            for media_type, media in content.items():
                if not isinstance(media, dict):
                    continue
                here = pointer_join(where, "content", media_type)
                if "schema" not in media:
                    yield doc.finding(here, f"response {code} {media_type} has no schema", "response-content")
                if not any(True for _ in media_examples(media, here, doc)):
                    yield doc.finding(here, f"response {code} {media_type} has no example", "response-content")


def _media_objects(index: DocumentIndex) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, media object) for request bodies and responses, components included."""
    for pointer, node in index.nodes:
        if pointer.endswith("/content") and isinstance(node, dict) and "/x-" not in pointer:
            for media_type, media in node.items():
                if isinstance(media, dict) and "schema" in media:
                    yield pointer_join(pointer, media_type), media


@rule("example-valid", "every example validates against its schema")
def _examples_valid(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    targets: list[tuple[str, dict[str, Any]]] = list(_media_objects(index))
    for pointer, node in index.nodes:
        if isinstance(node, dict) and node.get("in") in ("query", "path", "header", "cookie") and "schema" in node:
            targets.append((pointer, node))
    for pointer, media in targets:
        for ex_pointer, value in media_examples(media, pointer, doc):
            for error in index.checker.errors(media["schema"], value)[:3]:
                at = pointer_join(ex_pointer, *(str(p) for p in error.absolute_path))
                yield doc.finding(at, f"example does not match its schema: {error.message}", "example-valid")


def _schemas(index: DocumentIndex) -> Iterator[tuple[str, dict[str, Any]]]:
    for pointer, node in index.nodes:
        if isinstance(node, dict) and ("type" in node or "enum" in node or "anyOf" in node) and "/x-" not in pointer:
            if pointer.endswith(("/example", "/value")) or "/example/" in pointer or "/value/" in pointer:
                continue
            yield pointer, node


@rule("enum-unique", "enum values are unique and a default is one of them")
def _enums(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, node in _schemas(index):
        enum = node.get("enum")
        if not isinstance(enum, list):
            continue
        counts = Counter(repr(v) for v in enum)
        for value, count in counts.items():
            if count > 1:
                yield doc.finding(pointer_join(pointer, "enum"), f"enum repeats {value}", "enum-unique")
        if "default" in node and node["default"] not in enum:
            yield doc.finding(
                pointer_join(pointer, "default"), f"default {node['default']!r} is not in the enum", "enum-unique"
            )


@rule("default-valid", "a schema's default validates against the schema")
def _defaults(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, node in _schemas(index):
        if "default" not in node:
            continue
        schema = {k: v for k, v in node.items() if k != "default"}
        for error in index.checker.errors(schema, node["default"])[:1]:
            yield doc.finding(
                pointer_join(pointer, "default"), f"default does not match its schema: {error.message}", "default-valid"
            )


@rule("operation-summary-tag", "every operation has a summary and exactly one declared tag")
def _summary_and_tag(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    # A bare string in the top-level tags is a malformed tag (validate says so) but clearly names one.
    names = [t.get("name") if isinstance(t, dict) else t for t in sequence(doc.data.get("tags"))]
    declared = {name for name in names if isinstance(name, str)}
    for op in operations(doc.data):
        if not op.node.get("summary"):
            yield doc.finding(op.pointer, f"{op.method.upper()} {op.path} has no summary", "operation-summary-tag")
        tags = op.node.get("tags") or []
        if not isinstance(tags, list):
            continue  # reported by validate
        if len(tags) != 1:
            yield doc.finding(op.pointer, f"expected exactly one tag, found {len(tags)}", "operation-summary-tag")
        for i, tag in enumerate(tags):
            if isinstance(tag, str) and tag not in declared:
                yield doc.finding(
                    pointer_join(op.pointer, "tags", i),
                    f"tag {tag!r} is not declared in the top-level tags",
                    "operation-summary-tag",
                )


@rule("unused-component", "every component is referenced")
def _unused_components(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    components = mapping(doc.data.get("components"))
    used = {target for _p, target in index.all_refs}
    for kind in COMPONENT_KINDS:
        for name in mapping(components.get(kind)):
            target = pointer_join("#/components", kind, name)
            if target not in used:
                yield doc.finding(target[1:], f"components/{kind}/{name} is never referenced", "unused-component")


@rule("component-name", "schema component names are PascalCase identifiers (they become class names)")
def _component_names(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for name in mapping(mapping(doc.data.get("components")).get("schemas")):
        if not PASCAL.match(name):
            yield doc.finding(
                pointer_join("/components/schemas", name), f"schema name {name!r} is not PascalCase", "component-name"
            )


@rule("decision-text", "x-voxspec-decision is a sentence or a list of sentences")
def _decisions(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, node in index.nodes:
        if not pointer.endswith("/x-voxspec-decision"):
            continue
        values: Json = node if isinstance(node, list) else [node]
        if not values or not all(isinstance(v, str) and v.strip() for v in values):
            yield doc.finding(pointer, "x-voxspec-decision must be non-empty text or a list of it", "decision-text")


_OBJECT: dict[str, Any] = {"type": "object"}
_NAMES = ("limit", "offset", "page", "size", "items")
# The shapes of specs/CONVENTIONS.md's extensions, for those the generator, mock or docs read by key.
EXTENSION_SHAPES: dict[str, dict[str, Any]] = {
    "x-voxspec-rate-limit": {
        "type": "object",
        "required": ["requests", "window-seconds"],
        "properties": {
            "requests": {"type": "integer", "minimum": 1},
            "window-seconds": {"type": "integer", "minimum": 1},
        },
    },
    "x-voxspec-pagination": {
        "type": "object",
        "properties": {"style": {"enum": ["offset", "page", "cursor"]}, **{k: {"type": "string"} for k in _NAMES}},
    },
    "x-voxspec-webhook-event": {"type": "object", "required": ["event"], "properties": {"event": {"type": "string"}}},
    "x-voxspec-envelope": {"type": "object", "additionalProperties": {"type": "string"}},
    "x-voxspec-deprecated": {"type": "boolean"},
    "x-voxspec-token-request": {"enum": ["form", "json"]},
    "x-voxspec-inferred": {"type": "boolean"},
    "x-voxspec-allow-list": _OBJECT,
    "x-voxspec-crud": _OBJECT,
    "x-voxspec-async": _OBJECT,
    "x-voxspec-synchronous": _OBJECT,
    "x-voxspec-self-alias": _OBJECT,
    # Keys are "<METHOD> <path>" as the vendor's published document writes them; values the decision.
    "x-voxspec-omitted": {
        "type": "object",
        "propertyNames": {"pattern": "^(GET|PUT|POST|DELETE|PATCH) /\\S*$"},
        "additionalProperties": {"type": "string", "minLength": 1, "pattern": "\\S"},
    },
}
_SHAPE_CHECKS = {name: Draft202012Validator(shape) for name, shape in EXTENSION_SHAPES.items()}


@rule("extension-shape", "x-voxspec-* extensions have the shape specs/CONVENTIONS.md gives them")
def _extension_shapes(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, node in index.nodes:
        name = unescape(pointer.rsplit("/", 1)[-1])
        if name not in _SHAPE_CHECKS or "/example" in pointer:
            continue
        for error in _SHAPE_CHECKS[name].iter_errors(node):
            at = pointer_join(pointer, *(str(p) for p in error.absolute_path))
            yield doc.finding(at, f"{name}: {error.message}", "extension-shape")


@rule("security-declared", "every security requirement names a declared scheme")
def _security(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    schemes = mapping(mapping(doc.data.get("components")).get("securitySchemes"))
    places: list[tuple[str, Json]] = [("/security", doc.data.get("security"))]
    places += [(pointer_join(op.pointer, "security"), op.node.get("security")) for op in operations(doc.data)]
    for pointer, requirements in places:
        for i, requirement in enumerate(sequence(requirements)):
            for name in requirement if isinstance(requirement, dict) else []:
                if name not in schemes:
                    yield doc.finding(
                        pointer_join(pointer, i, name), f"security scheme {name!r} is not declared", "security-declared"
                    )
