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
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from generator.errors import Finding
from generator.load import VENDOR_NAME, Document, Json, valid_vendor, vendor_of
from generator.openapi import (
    COMPONENT_KINDS,
    TEMPLATE_PARAM,
    DocumentIndex,
    mapping,
    media_examples,
    operations,
    sequence,
)
from generator.pointer import pointer_join, unescape

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


@rule("vendor-name", "the folder of specs/<vendor>/openapi.yaml is a lower-case identifier ([a-z][a-z0-9_]*)")
def _vendor_name(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    vendor = vendor_of(doc.path)
    if vendor is not None and not valid_vendor(vendor):
        yield doc.finding(
            "",
            f"vendor folder name {vendor!r} is not a lower-case identifier ({VENDOR_NAME.pattern}); it names the "
            "package, its generated/ folder and its docs links: rename the folder",
            "vendor-name",
        )


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
        for _name, ex_pointer, value in media_examples(media, pointer, doc):
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


DECISION_LABEL = re.compile(r"^(D\d+):")


@rule("decision-label", "a decision label (`D12:`) names one decision: every text under one label is the same")
def _decision_labels(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    first: dict[str, tuple[str, str]] = {}  # label -> (text, pointer) where it was first seen
    for pointer, node in index.nodes:
        if not pointer.endswith("/x-voxspec-decision"):
            continue
        for value in node if isinstance(node, list) else [node]:
            text = value.strip() if isinstance(value, str) else ""
            found = DECISION_LABEL.match(text)
            if found is None:
                continue
            label = found.group(1)
            seen = first.setdefault(label, (text, pointer))
            if seen[0] != text:
                yield doc.finding(
                    pointer,
                    f"{label} here is another decision than {label} at {seen[1]}: give it its own label",
                    "decision-label",
                )


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
    "x-voxspec-subscription": {
        "type": "object",
        "required": ["url", "event"],
        "properties": {
            "url": {"type": "string", "minLength": 1},
            "event": {"type": "string", "minLength": 1},
            "filters": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "wildcard": {"type": "string"},
        },
    },
    "x-voxspec-envelope": {"type": "object", "additionalProperties": {"type": "string"}},
    "x-voxspec-deprecated": {"type": "boolean"},
    "x-voxspec-token-request": {"enum": ["form", "json"]},
    "x-voxspec-token-endpoint": {"type": "string", "minLength": 1},
    "x-voxspec-inferred": {"type": "boolean"},
    "x-voxspec-allow-list": _OBJECT,
    "x-voxspec-crud": _OBJECT,
    "x-voxspec-async": {
        "type": "object",
        "required": ["states", "poll", "seconds"],
        "properties": {
            "status-field": {"type": "string", "minLength": 1},
            "states": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "poll": {"type": "string", "minLength": 1},
            "seconds": {"type": "number", "exclusiveMinimum": 0},
        },
    },
    "x-voxspec-synchronous": _OBJECT,
    "x-voxspec-self-alias": _OBJECT,
    "x-voxspec-integrity": {
        "type": "object",
        "properties": {
            "duplicate": {"enum": ["reject", "replace"]},
            "unique": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
            },
            "children": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["operation", "on-delete"],
                    "properties": {
                        "operation": {"type": "string"},
                        "field": {"type": "string"},
                        "on-delete": {"enum": ["reject", "cascade"]},
                    },
                },
            },
        },
    },
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


# semver.org's own pattern for a version: MAJOR.MINOR.PATCH, optional -prerelease and +build.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@rule("package-version", "info.x-voxspec-package-version, when given, is a semantic version (1.4.0)")
def _package_version(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    info = mapping(doc.data.get("info"))
    if "x-voxspec-package-version" not in info:
        return
    value = info["x-voxspec-package-version"]
    if not isinstance(value, str) or not SEMVER.match(value):
        message = f"x-voxspec-package-version {value!r} is not a semantic version like 1.4.0 (quote it in YAML)"
        yield doc.finding("/info/x-voxspec-package-version", message, "package-version")


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


EFFECTS = "x-voxspec-effects"


@rule("effects-text", "x-voxspec-effects sits on an operation and is one non-empty line saying what it does")
def _effects_text(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    on_operations = {pointer_join(op.pointer, EFFECTS) for op in operations(doc.data)}
    for pointer, node in index.nodes:
        if unescape(pointer.rsplit("/", 1)[-1]) != EFFECTS or "/example" in pointer:
            continue
        if pointer not in on_operations:
            yield doc.finding(pointer, f"{EFFECTS} belongs on an operation", "effects-text")
        elif not isinstance(node, str) or not node.strip():
            message = f"{EFFECTS} must be a non-empty string saying what the operation does, e.g. 'places a call'"
            yield doc.finding(pointer, message, "effects-text")
        elif "\n" in node.strip():
            yield doc.finding(
                pointer, f"{EFFECTS} must be one line (the docs badge and the contract plan show it)", "effects-text"
            )


# Words that make an operation read like an action. The operationId is verb_noun, so its first word is the verb;
# a summary is read by its first word, or its first two for phrasal verbs ("Log out a user", "Check in an agent").
ACTION_VERBS = frozenset(
    """originate dial redial call callback ring login logout signin signout checkin checkout pause unpause resume
    hangup answer transfer hold unhold offhold park unpark pickup bridge barge whisper eavesdrop spy monitor mute
    unmute kick invite join leave send resend forward broadcast notify sync synchronize synchronise export import
    abort cancel retry start stop restart reset reboot set unset enable disable activate deactivate trigger run
    execute play record assign unassign register unregister provision deprovision create add remove delete update
    change modify replace rename move upload manage clear purge flush lock unlock block unblock approve reject
    submit publish archive restore wrapup""".split()
)
PHRASAL_VERBS = frozenset(
    {
        ("log", "in"),
        ("log", "out"),
        ("check", "in"),
        ("check", "out"),
        ("sign", "in"),
        ("sign", "out"),
        ("hang", "up"),
        ("pick", "up"),
        ("wrap", "up"),
    }
)
# Words that are nouns as often as verbs: a summary starting with one reads like an action only when an
# article or pronoun follows ("Call a number", not "Call detail records").
NOUN_OR_VERB = frozenset({"call", "record", "hold", "transfer", "answer", "export", "sync", "park", "ring", "play"})
DETERMINERS = frozenset({"a", "an", "the", "to", "my", "our", "one", "all", "every", "this", "that", "back", "out"})


def reads_like_action(operation_id: str, summary: str) -> str | None:
    """The word(s) that make an operation read like an action, or None when it reads like a read."""
    words = [w for w in re.split(r"[^a-z0-9]+", operation_id.lower()) if w]
    if words and words[0] in ACTION_VERBS:
        return words[0]
    if tuple(words[:2]) in PHRASAL_VERBS:
        return " ".join(words[:2])
    said = [w for w in re.split(r"[^a-z0-9]+", summary.lower()) if w]
    if tuple(said[:2]) in PHRASAL_VERBS:
        return " ".join(said[:2])
    if said and said[0] in ACTION_VERBS:
        if said[0] not in NOUN_OR_VERB or (len(said) > 1 and said[1] in DETERMINERS):
            return said[0]
    return None


@rule("effects-marked", "a GET or HEAD whose operationId or summary reads like an action carries x-voxspec-effects")
def _effects_marked(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        if op.method not in ("get", "head") or EFFECTS in op.node:
            continue
        op_id, summary = op.node.get("operationId"), op.node.get("summary")
        word = reads_like_action(op_id if isinstance(op_id, str) else "", summary if isinstance(summary, str) else "")
        if word is not None:
            yield doc.finding(
                op.pointer,
                f"{op.method.upper()} {op.path} reads like an action ({word!r}) but has no {EFFECTS}: say what it "
                f"does (contract runs send it only when allowed), or rename it if it only reads",
                "effects-marked",
            )


TOKEN_ENDPOINT = "x-voxspec-token-endpoint"


@rule("token-endpoint", f"{TOKEN_ENDPOINT} names an oauth2 scheme with a token flow, on a POST; token URLs carry it")
def _token_endpoints(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    schemes = mapping(mapping(doc.data.get("components")).get("securitySchemes"))
    grants = {
        name: mapping(mapping(scheme).get("flows"))
        for name, scheme in schemes.items()
        if mapping(scheme).get("type") == "oauth2"
    }
    token_paths = {
        urlsplit(str(mapping(flow).get(key))).path.rstrip("/"): name
        for name, flows in grants.items()
        for flow_name, flow in flows.items()
        if flow_name in ("clientCredentials", "password")
        for key in ("tokenUrl", "refreshUrl")
        if mapping(flow).get(key)
    }
    root_path = _server_path(doc.data)
    for op in operations(doc.data):
        named = op.node.get(TOKEN_ENDPOINT)
        where = pointer_join(op.pointer, TOKEN_ENDPOINT)
        if named is None:
            full = (_server_path(op.node) or _server_path(op.path_item) or root_path) + op.path
            if full.rstrip("/") in token_paths:
                scheme = token_paths[full.rstrip("/")]
                message = f"{op.method.upper()} {op.path} is the token URL of oauth2 scheme {scheme!r}: mark it "
                yield doc.finding(op.pointer, message + f"`{TOKEN_ENDPOINT}: {scheme}`", "token-endpoint")
            continue
        flows = grants.get(str(named))
        if flows is None or not any(f in flows for f in ("clientCredentials", "password")):
            message = f"{TOKEN_ENDPOINT} {named!r} names no oauth2 scheme with a clientCredentials or password flow"
            yield doc.finding(where, message, "token-endpoint")
        elif op.method != "post":
            yield doc.finding(where, f"a token endpoint takes POST, not {op.method.upper()}", "token-endpoint")


def _server_path(node: Json) -> str:
    """The path of a node's first server URL (variables left as they are), or ""."""
    servers = sequence(mapping(node).get("servers"))
    first = mapping(servers[0]) if servers else {}
    return urlsplit(str(first.get("url", ""))).path.rstrip("/") if first else ""


@rule("tag-description", "every top-level tag has a description")
def _tag_descriptions(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for i, tag in enumerate(sequence(doc.data.get("tags"))):
        if isinstance(tag, dict) and not _text(tag.get("description")):
            yield doc.finding(
                pointer_join("/tags", i), f"tag {tag.get('name')!r} has no description", "tag-description"
            )


@rule("operation-description", "every operation has a description (the doc's own wording where it has some)")
def _operation_descriptions(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        if not _text(op.node.get("description")):
            yield doc.finding(op.pointer, f"{op.method.upper()} {op.path} has no description", "operation-description")


@rule("get-404", "a GET with a path parameter declares its 404 (the resource it names may not exist)")
def _get_with_path_parameter_has_404(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        if op.method != "get" or not TEMPLATE_PARAM.search(op.path):
            continue
        codes = {str(code).upper() for code in mapping(op.node.get("responses"))}
        if not codes & {"404", "4XX"}:
            yield doc.finding(
                pointer_join(op.pointer, "responses"),
                f"GET {op.path} takes a path parameter but declares no 404",
                "get-404",
            )


# A property schema that states its type some other way: a $ref or a composition says it elsewhere, a const
# fixes it; one that is any JSON value on purpose says why in an x-voxspec-decision.
TYPED_ELSEWHERE = ("type", "$ref", "allOf", "anyOf", "oneOf", "const", "x-voxspec-decision")
# Subschemas that only test or exclude values (`if: {properties: {grant_type: {const: password}}}`) declare
# no properties of their own.
CONDITIONS = ("/if/", "/not/")


@rule("property-type", "every property has a type (or a $ref, allOf/anyOf/oneOf, const, or a decision saying why not)")
def _property_types(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for pointer, node in index.nodes:
        if not pointer.endswith("/properties") or not isinstance(node, dict) or _in_example(pointer):
            continue
        if pointer.rsplit("/", 1)[0].endswith("/properties") or any(c in pointer + "/" for c in CONDITIONS):
            continue  # a property named "properties" (its node is a schema), or a condition
        for name, schema in node.items():
            if isinstance(schema, dict) and not any(key in schema for key in TYPED_ELSEWHERE):
                yield doc.finding(pointer_join(pointer, name), f"property {name!r} has no type", "property-type")


# The x-voxspec-pagination keys that name a parameter of the operation, and the ones each style needs.
PAGING_PARAMETERS = ("limit", "offset", "page", "size", "cursor")
PAGING_NEEDS = {"offset": ("limit", "offset"), "page": ("page",), "cursor": ("cursor",)}


@rule("pagination-params", "x-voxspec-pagination names parameters the operation declares, all its style needs")
def _pagination_parameters(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    for op in operations(doc.data):
        paging = op.node.get("x-voxspec-pagination")
        if not isinstance(paging, dict):
            continue  # absent, or reported by extension-shape
        where = pointer_join(op.pointer, "x-voxspec-pagination")
        declared = {p["name"] for p in _parameters(doc, op.node, op.path_item)}
        style = paging.get("style", "offset")
        for key in PAGING_NEEDS.get(style, ()) if isinstance(style, str) else ():
            if key not in paging:
                yield doc.finding(
                    where, f"{style} paging needs `{key}`: the parameter that carries it", "pagination-params"
                )
        for key in PAGING_PARAMETERS:
            name = paging.get(key)
            if isinstance(name, str) and name not in declared:
                yield doc.finding(
                    pointer_join(where, key),
                    f"`{key}: {name}` names no parameter of {op.method.upper()} {op.path}",
                    "pagination-params",
                )
        items = paging.get("items")
        if isinstance(items, str) and not any(items in fields for fields in _success_json_fields(doc, op.node)):
            yield doc.finding(
                pointer_join(where, "items"),
                f"`items: {items}` names no property of the success answer of {op.method.upper()} {op.path}",
                "pagination-params",
            )


def _success_json_fields(doc: Document, op_node: dict[str, Any]) -> Iterator[set[str]]:
    """The property names of each 2xx JSON answer's object schema (a schema that cannot be read gives none)."""
    for status, response in mapping(op_node.get("responses")).items():
        if not str(status).startswith("2"):
            continue
        try:
            content = mapping(mapping(doc.deref(response)).get("content"))
            for media_type, media in content.items():
                if "json" in media_type:
                    yield set(mapping(mapping(doc.deref(mapping(media).get("schema"))).get("properties")))
        except KeyError:
            continue  # a dangling $ref is ref-resolves' finding


def _text(value: Json) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _in_example(pointer: str) -> bool:
    """Whether a pointer is inside an example value or an extension, where keys are data, not schema words."""
    return any(part in pointer for part in ("/example/", "/examples/", "/x-", "/default/", "/enum/", "/const/"))


@rule("integrity-targets", "x-voxspec-integrity children name list operations, and sit on deletes; unique on writes")
def _integrity_targets(doc: Document, index: DocumentIndex) -> Iterator[Finding]:
    ops = {str(o.node.get("operationId")): o for o in operations(doc.data)}
    root = mapping(doc.data.get("x-voxspec-integrity"))
    for key in ("unique", "children"):
        if key in root:
            yield doc.finding(
                pointer_join("/x-voxspec-integrity", key),
                f"{key} belongs on an operation, not the root",
                "integrity-targets",
            )
    for o in operations(doc.data):
        rule_node = mapping(o.node.get("x-voxspec-integrity"))
        pointer = pointer_join(o.pointer, "x-voxspec-integrity")
        if rule_node.get("children") and o.method != "delete":
            yield doc.finding(pointer, "children rules apply to a delete operation", "integrity-targets")
        if rule_node.get("unique") and o.method not in ("post", "put", "patch"):
            yield doc.finding(pointer, "unique rules apply to an operation that writes", "integrity-targets")
        rejects = rule_node.get("unique") or rule_node.get("duplicate") == "reject"
        rejects = rejects or any(mapping(c).get("on-delete") == "reject" for c in sequence(rule_node.get("children")))
        if rejects and "409" not in mapping(o.node.get("responses")):
            yield doc.finding(
                pointer, "an operation whose rules can refuse it declares a 409 response", "integrity-targets"
            )
        for i, child in enumerate(sequence(rule_node.get("children"))):
            target = ops.get(str(mapping(child).get("operation")))
            if target is None or target.method != "get":
                yield doc.finding(
                    pointer_join(pointer, "children", i, "operation"),
                    f"{mapping(child).get('operation')!r} is not a list operation of this spec",
                    "integrity-targets",
                )
