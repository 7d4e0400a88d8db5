"""Inventory of the Avaya AXP Voice Admin document against specs/avaya/openapi.yaml.

Everything expected here is parsed from the vendor document, never listed by hand: each
``METHOD /path`` line with the example URL under it, each ``Request Body`` JSON example and each
``HTTP <code>`` answer with its JSON example must be found in the spec.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from jsonschema import Draft202012Validator

from generator.pointer import unescape

DOC_NAME = "avaya-axp-voice-admin-api.txt"
VENDOR = "avaya"
METHODS = ("get", "put", "post", "delete", "patch")

# The document shows an operation as "POST /aco-elements" (the method is once written "Get")
# followed on the next line by a full example URL; request examples follow "Request Body:" or
# "Request Body (<variant>):", answers follow "HTTP 202 Accepted" and the like.
METHOD_LINE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH)\s+(/\S*)\s*$", re.IGNORECASE)
REQUEST_LINE = re.compile(r"^Request Body(?:\s*\([^)]*\))?:\s*$")
STATUS_LINE = re.compile(r"^HTTP\s+(\d{3})\b")
PARAM = re.compile(r"\{([^}]+)\}")

# Deliberate deviations from the document. Each entry says what the document shows and what the
# spec models instead; the spec operation it lands on must carry an x-voxspec-decision saying why.
URL_EXCEPTIONS: dict[str, str] = {
    # The Avaya Cloud Office update example drops /api/admin/voice from its URL; every other
    # example of the resource has the full base path.
    "/v1/accounts/ABCDEF/aco-elements/c8c2909d-75e9-484a-94c0-b7e8d29771fe": (
        "/api/admin/voice/v1/accounts/ABCDEF/aco-elements/c8c2909d-75e9-484a-94c0-b7e8d29771fe"
    ),
}
# Status codes the spec answers with a different code than the document shows. None at present: the
# routing rule update's "HTTP 202 OK" is declared as 202 (next to the 200 it is modelled with).
STATUS_EXCEPTIONS: dict[tuple[str, str, int], int] = {}
# Field names and types the vendor's published OpenAPI document (AXP Admin Voice 1.0.2) corrects:
# the prose examples of these paths are read through the correction before they are checked, and
# every operation of the path must carry an x-voxspec-decision naming the published document.
RENAMED: dict[str, dict[str, str]] = {
    # Route points are displayName/number listed under extensions in the published document.
    "/api/admin/voice/v1/accounts/{accountId}/extensions": {"name": "displayName", "resources": "extensions"},
    "/api/admin/voice/v1/accounts/{accountId}/extensions/{extensionId}": {"name": "displayName"},
    # The discovery URL is openIDConnectDiscovery in the published document.
    "/api/admin/voice/v1/accounts/{accountId}/avaya-aura-device-services": {
        "oidcDiscoveryUrl": "openIDConnectDiscovery"
    },
    "/api/admin/voice/v1/accounts/{accountId}/avaya-aura-device-services/{avayaAuraDeviceServiceId}": {
        "oidcDiscoveryUrl": "openIDConnectDiscovery"
    },
    "/api/admin/voice/v1/accounts/{accountId}/avaya-aura-device-services:discoveryUrl": {
        "oidcDiscoveryUrl": "openIDConnectDiscovery"
    },
}
# Route point numbers are strings of 4 to 16 digits in the published document; the prose shows integers.
AS_STRING: dict[str, set[str]] = {
    "/api/admin/voice/v1/accounts/{accountId}/extensions": {"number"},
    "/api/admin/voice/v1/accounts/{accountId}/extensions/{extensionId}": {"number"},
}
# Answers the prose shows without a body that the published document gives a body: (method, path, status).
BODY_ADDED: set[tuple[str, str, int]] = {
    ("delete", "/api/admin/voice/v1/accounts/{accountId}/communication-managers/{communicationManagerId}", 202),
    ("delete", "/api/admin/voice/v1/accounts/{accountId}/hybrid-cloud-gateways/{hybridCloudGatewayId}", 202),
    ("delete", "/api/admin/voice/v1/accounts/{accountId}/system-managers/{systemManagerId}", 202),
    ("delete", "/api/admin/voice/v1/accounts/{accountId}/location-profiles/{locationProfileId}", 202),
    ("post", "/api/admin/voice/v1/accounts/{accountId}/hybrid-cloud-gateway-systems/{systemId}:pushConfig", 200),
}
PUBLISHED = "published OpenAPI document"
# Operations the prose document leaves out and the published document has; each carries a decision
# naming the published document instead of an x-voxspec-inferred sentence of the prose.
BASE = "/api/admin/voice/v1/accounts/{accountId}"
PUBLISHED_ONLY: set[tuple[str, str]] = {
    ("get", f"{BASE}/phone-numbers"),
    ("get", f"{BASE}/countries"),
    ("get", f"{BASE}/voice-numbers:export"),
    ("get", f"{BASE}/hybrid-cloud-manager"),
    ("get", f"{BASE}/gateway-connection-manager"),
    ("get", f"{BASE}/aco-sip-trunk-elements/{{elementId}}"),
    ("get", f"{BASE}/msteams-sip-trunk-elements/{{elementId}}"),
    ("post", f"{BASE}/communication-managers/{{communicationManagerId}}/jobs/{{jobId}}:abort"),
}


@dataclass
class DocOperation:
    """One operation as the document shows it."""

    line: int
    method: str
    short_path: str
    url: str
    requests: list[Any] = field(default_factory=list)
    responses: list[tuple[int, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"doc line {self.line}: {self.method.upper()} {self.url}"


def _json_after(text: str) -> Any:
    """The JSON value at the start of ``text`` (after blanks), or None when there is none."""
    stripped = text.lstrip()
    if not stripped[:1] or stripped[0] not in "{[":
        return None
    value, _ = json.JSONDecoder().raw_decode(stripped)
    return value


def parse_document(text: str) -> list[DocOperation]:
    lines = text.split("\n")
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    operations: list[DocOperation] = []
    current: DocOperation | None = None
    for index, line in enumerate(lines):
        match = METHOD_LINE.match(line)
        if match and index + 1 < len(lines):
            current = DocOperation(index + 1, match.group(1).lower(), match.group(2), lines[index + 1].strip())
            operations.append(current)
            continue
        if current is None or index + 1 >= len(lines):
            continue
        rest = text[starts[index + 1] :]
        if REQUEST_LINE.match(line):
            current.requests.append(_json_after(rest))
        elif status := STATUS_LINE.match(line):
            current.responses.append((int(status.group(1)), _json_after(rest)))
    return operations


def corrected(template: str, value: Any) -> Any:
    """A prose example as the published document names and types its fields (see RENAMED, AS_STRING)."""
    renames: dict[str, str] = RENAMED.get(template, {})
    strings: set[str] = AS_STRING.get(template, set())
    if isinstance(value, list):
        return [corrected(template, item) for item in value]
    if not isinstance(value, dict):
        return value
    fixed: dict[str, Any] = {}
    for name, shown in value.items():
        child = corrected(template, shown)
        if name in strings and isinstance(child, int) and not isinstance(child, bool):
            child = str(child)
        fixed[renames.get(str(name), str(name))] = child
    return fixed


# ---------------------------------------------------------------- spec helpers


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[unescape(part)]
        node = target
    return node


def properties(spec: dict[str, Any], schema: Any) -> dict[str, Any]:
    schema = resolve(spec, schema)
    found: dict[str, Any] = {}
    if not isinstance(schema, dict):
        return found
    found.update(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key, []):
            found.update(properties(spec, member))
    return found


def items_schema(spec: dict[str, Any], schema: Any) -> Any:
    schema = resolve(spec, schema)
    if isinstance(schema, dict) and "items" in schema:
        return schema["items"]
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key, []) if isinstance(schema, dict) else []:
            found = items_schema(spec, member)
            if found is not None:
                return found
    return None


def missing_fields(spec: dict[str, Any], schema: Any, value: Any, where: str) -> Iterator[str]:
    """Every field of ``value`` (nested included) that ``schema`` does not declare."""
    if isinstance(value, dict):
        declared = properties(spec, schema)
        for name, child in value.items():
            if name not in declared:
                yield f"{where}.{name}"
            else:
                yield from missing_fields(spec, declared[name], child, f"{where}.{name}")
    elif isinstance(value, list):
        items = items_schema(spec, schema)
        if items is None:
            yield f"{where} (an array in the document, not in the spec)"
            return
        for position, child in enumerate(value):
            yield from missing_fields(spec, items, child, f"{where}[{position}]")


def invalid_against(spec: dict[str, Any], schema: Any, value: Any) -> list[str]:
    validator = Draft202012Validator({"allOf": [schema], "components": spec.get("components", {})})
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(value)]


def template_regex(template: str) -> re.Pattern[str]:
    pieces = PARAM.split(template)
    pattern = "".join(re.escape(piece) if i % 2 == 0 else "[^/:]+" for i, piece in enumerate(pieces))
    return re.compile(pattern)


def base_path(spec: dict[str, Any]) -> str:
    url: str = spec["servers"][0]["url"]
    return urlsplit(url).path.rstrip("/")


def relative_path(spec: dict[str, Any], url: str) -> str | None:
    path = urlsplit(URL_EXCEPTIONS.get(url, url)).path.rstrip("/")
    base = base_path(spec)
    return path[len(base) :] if path.startswith(base + "/") else None


def spec_paths_for(spec: dict[str, Any], relative: str) -> list[str]:
    return [template for template in spec["paths"] if template_regex(template).fullmatch(relative)]


def operation_of(spec: dict[str, Any], op: DocOperation) -> tuple[str, dict[str, Any]] | None:
    relative = relative_path(spec, op.url)
    if relative is None:
        return None
    templates = spec_paths_for(spec, relative)
    if len(templates) != 1 or op.method not in spec["paths"][templates[0]]:
        return None
    operation: dict[str, Any] = spec["paths"][templates[0]][op.method]
    return templates[0], operation


def json_media(spec: dict[str, Any], node: Any) -> dict[str, Any] | None:
    resolved = resolve(spec, node)
    media: dict[str, Any] | None = resolved.get("content", {}).get("application/json")
    return media


# ---------------------------------------------------------------- checks


def path_problems(spec: dict[str, Any], ops: list[DocOperation]) -> Iterator[str]:
    for op in ops:
        relative = relative_path(spec, op.url)
        if relative is None:
            yield f"{op}: URL is not under the server base path {base_path(spec)}"
            continue
        templates = spec_paths_for(spec, relative)
        if len(templates) != 1:
            yield f"{op}: {len(templates)} spec paths match {relative}: {templates}"
            continue
        template = templates[0]
        if op.method not in spec["paths"][template]:
            yield f"{op}: no {op.method.upper()} under {template}"
            continue
        # The short form ("PUT /aco-elements/{elementId}") must agree with the path found:
        # its literal segments appear in it and its parameters are the path's (ignoring case).
        declared = {name.lower() for name in PARAM.findall(template)}
        for name in PARAM.findall(op.short_path):
            if name.lower() not in declared:
                yield f"{op}: parameter {{{name}}} of {op.short_path} is not in {template}"
        for literal in PARAM.sub("/", op.short_path).split("/"):
            if literal and literal not in template:
                yield f"{op}: '{literal}' of {op.short_path} is not in {template}"


def query_problems(spec: dict[str, Any], ops: list[DocOperation]) -> Iterator[str]:
    for op in ops:
        found = operation_of(spec, op)
        if found is None:
            continue
        _, operation = found
        names = {
            resolve(spec, parameter)["name"]
            for parameter in operation.get("parameters", [])
            if resolve(spec, parameter)["in"] == "query"
        }
        for name, _ in parse_qsl(urlsplit(op.url).query):
            if name not in names:
                yield f"{op}: query parameter {name} is not declared"


def request_problems(spec: dict[str, Any], ops: list[DocOperation]) -> Iterator[str]:
    for op in ops:
        found = operation_of(spec, op)
        if found is None:
            continue
        template, operation = found
        body = operation.get("requestBody")
        if not op.requests:
            if body is not None:
                yield f"{op}: the document shows no request body, the spec declares one"
            continue
        media = json_media(spec, body) if body is not None else None
        if media is None or "schema" not in media:
            yield f"{op}: no application/json request body schema"
            continue
        for example in (corrected(template, shown) for shown in op.requests):
            for missing in missing_fields(spec, media["schema"], example, "body"):
                yield f"{op}: request field {missing} is not in the request schema"
            for error in invalid_against(spec, media["schema"], example):
                yield f"{op}: request example does not validate: {error}"


def response_problems(spec: dict[str, Any], ops: list[DocOperation]) -> Iterator[str]:
    for op in ops:
        found = operation_of(spec, op)
        if found is None:
            continue
        template, operation = found
        for shown, as_shown in op.responses:
            example = corrected(template, as_shown)
            status = STATUS_EXCEPTIONS.get((op.method, template, shown), shown)
            response = operation["responses"].get(str(status))
            if response is None:
                yield f"{op}: no {status} response"
                continue
            media = json_media(spec, response)
            if example is None:
                if media is not None and (op.method, template, status) not in BODY_ADDED:
                    yield f"{op}: the document's {shown} has no body, the spec declares one"
                continue
            if media is None or "schema" not in media:
                yield f"{op}: {status} has no application/json schema"
                continue
            for missing in missing_fields(spec, media["schema"], example, "body"):
                yield f"{op}: {status} field {missing} is not in the response schema"
            for error in invalid_against(spec, media["schema"], example):
                yield f"{op}: {status} example does not validate: {error}"


def inventory_problems(spec: dict[str, Any], ops: list[DocOperation]) -> list[str]:
    return [
        *path_problems(spec, ops),
        *query_problems(spec, ops),
        *request_problems(spec, ops),
        *response_problems(spec, ops),
    ]


def spec_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield template, method, operation


def decisions_of(node: dict[str, Any]) -> list[str]:
    decisions = node.get("x-voxspec-decision", [])
    return [str(d) for d in decisions] if isinstance(decisions, list) else [str(decisions)]


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


# ---------------------------------------------------------------- tests


@pytest.fixture
def doc_text(vendor_doc: Callable[[str], str]) -> str:
    return vendor_doc(DOC_NAME)


@pytest.fixture
def doc_ops(doc_text: str) -> list[DocOperation]:
    ops = parse_document(doc_text)
    # Guards the parser itself: a document this size describes dozens of operations, most with examples.
    assert len(ops) > 50
    assert sum(1 for op in ops if op.requests) > 30
    return ops


@pytest.fixture
def avaya(spec: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return spec(VENDOR)


def test_every_documented_operation_is_in_the_spec(avaya: dict[str, Any], doc_ops: list[DocOperation]) -> None:
    problems = list(path_problems(avaya, doc_ops))
    assert not problems, report(problems)


def test_every_documented_query_parameter_is_declared(avaya: dict[str, Any], doc_ops: list[DocOperation]) -> None:
    problems = list(query_problems(avaya, doc_ops))
    assert not problems, report(problems)


def test_every_request_example_field_is_in_the_request_schema(
    avaya: dict[str, Any], doc_ops: list[DocOperation]
) -> None:
    problems = list(request_problems(avaya, doc_ops))
    assert not problems, report(problems)


def test_every_documented_answer_is_in_the_spec(avaya: dict[str, Any], doc_ops: list[DocOperation]) -> None:
    problems = list(response_problems(avaya, doc_ops))
    assert not problems, report(problems)


def test_spec_operations_are_documented_or_inferred(
    avaya: dict[str, Any], doc_ops: list[DocOperation], doc_text: str
) -> None:
    shown = set()
    for op in doc_ops:
        if found := operation_of(avaya, op):
            shown.add((found[0], op.method))
    flat_doc = " ".join(doc_text.split())
    problems = []
    for template, method, operation in spec_operations(avaya):
        if (template, method) in shown:
            continue
        if (method, template) in PUBLISHED_ONLY:
            if PUBLISHED not in " ".join(decisions_of(operation)):
                problems.append(f"{method.upper()} {template} comes from the {PUBLISHED} but no decision names it")
            continue
        sentence = " ".join(str(operation.get("x-voxspec-inferred-from", "")).split())
        if operation.get("x-voxspec-inferred") is not True or not sentence:
            problems.append(f"{method.upper()} {template} is not in the document and not marked inferred")
        elif sentence not in flat_doc:
            problems.append(f"{method.upper()} {template}: x-voxspec-inferred-from is not a sentence of the document")
    assert not problems, report(problems)


def test_published_only_operations_are_in_the_spec(avaya: dict[str, Any]) -> None:
    missing = [f"{m.upper()} {t}" for m, t in sorted(PUBLISHED_ONLY) if m not in avaya["paths"].get(t, {})]
    assert not missing, report(missing)


def test_operations_with_effects_say_what_they_do(avaya: dict[str, Any]) -> None:
    # Exporting, aborting, syncing and pushing configuration act on the account whatever the HTTP method.
    acting = {"export_voice_numbers", "abort_sync_job", "trigger_sync_job", "push_hybrid_cloud_gateway_system_config"}
    found = {op["operationId"]: op for _, _, op in spec_operations(avaya)}
    unmarked = [op_id for op_id in sorted(acting) if not str(found[op_id].get("x-voxspec-effects", "")).strip()]
    assert not unmarked, report(unmarked)


def test_exceptions_carry_a_decision(avaya: dict[str, Any], doc_ops: list[DocOperation]) -> None:
    problems = []
    for op in doc_ops:
        found = operation_of(avaya, op)
        excepted = op.url in URL_EXCEPTIONS or any(
            (op.method, found[0], status) in STATUS_EXCEPTIONS for status, _ in op.responses if found
        )
        if excepted and (found is None or not found[1].get("x-voxspec-decision")):
            problems.append(f"{op}: deviates from the document without an x-voxspec-decision")
    corrected_operations = [(template, method) for template in {*RENAMED, *AS_STRING} for method in METHODS]
    corrected_operations += [(template, method) for method, template, _ in BODY_ADDED]
    for template, method in corrected_operations:
        item = avaya["paths"].get(template)
        if item is None:
            problems.append(f"corrected path {template} is not in the spec")
            continue
        operation = item.get(method)
        if operation is None:
            continue
        if PUBLISHED not in " ".join(decisions_of(operation)):
            problems.append(f"{method.upper()} {template}: corrected fields without a decision naming the {PUBLISHED}")
    used_urls = {op.url for op in doc_ops}
    problems += [
        f"URL exception {url} matches nothing in the document" for url in URL_EXCEPTIONS if url not in used_urls
    ]
    assert not problems, report(problems)


def test_inventory_catches_a_dropped_path_and_a_dropped_field(
    avaya: dict[str, Any], doc_ops: list[DocOperation]
) -> None:
    assert not inventory_problems(avaya, doc_ops)
    with_body = next(op for op in doc_ops if op.requests and isinstance(op.requests[0], dict))
    found = operation_of(avaya, with_body)
    assert found is not None
    template, operation = found
    field_name = next(iter(with_body.requests[0]))

    dropped_path = copy.deepcopy(avaya)
    del dropped_path["paths"][template]
    assert any(str(with_body) in problem for problem in path_problems(dropped_path, doc_ops))

    dropped_field = copy.deepcopy(avaya)
    media = json_media(dropped_field, operation["requestBody"])
    assert media is not None
    del resolve(dropped_field, media["schema"])["properties"][field_name]
    assert any(f"body.{field_name} " in problem for problem in request_problems(dropped_field, doc_ops))


def test_corrections_rename_and_retype_only_on_their_paths() -> None:
    route_points = "/api/admin/voice/v1/accounts/{accountId}/extensions"
    shown = {"resources": [{"number": 50003456, "name": "Jon Extension"}], "pagination": {"total": 1}}
    assert corrected(route_points, shown) == {
        "extensions": [{"number": "50003456", "displayName": "Jon Extension"}],
        "pagination": {"total": 1},
    }
    elsewhere = "/api/admin/voice/v1/accounts/{accountId}/communication-managers/{communicationManagerId}/skills"
    assert corrected(elsewhere, shown) == shown


def test_route_point_examples_need_their_correction(avaya: dict[str, Any], doc_ops: list[DocOperation]) -> None:
    # Without the correction the prose examples of route points no longer fit the published names.
    route_points = "/api/admin/voice/v1/accounts/{accountId}/extensions"
    saved = RENAMED.pop(route_points), AS_STRING.pop(route_points)
    try:
        problems = list(request_problems(avaya, doc_ops))
    finally:
        RENAMED[route_points], AS_STRING[route_points] = saved
    assert any("body.name is not in the request schema" in problem for problem in problems)
