"""Inventory of specs/voipcloud/openapi.yaml against the VoIPcloud integration API document.

The document lists each operation as a `[METHOD] /path` heading followed by "Headers:", "Parameters:" and
"Response Data:" bullet lists whose lines read `- (type) name - required|optional (default: ...), ...`,
then a table of codes. The parser reads that text as it is; the tests check that every operation,
parameter, type, required flag, default, range, response field, status value and code it finds is in the
spec. Nothing expected is written down here except the deliberate modelling choices in CHOSEN, each of
which the spec records with an x-voxspec-decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from generator.pointer import unescape
from tests.conftest import read_spec, read_vendor_doc

DOC_NAME = "voipcloud-integration-api-v1.txt"
HEADING = re.compile(r"^\[(GET|POST|PUT|PATCH|DELETE)\] (/\S+)$")
ITEM = re.compile(r"^- \((?P<type>[a-z|]+)\) (?P<name>\w+) - (?P<rest>.*)$")
DEFAULT = re.compile(r"\(default: (?P<value>'[^']*'|\d+)")
RANGE = re.compile(r"range from (\d+) to (\d+)")
ALTERNATIVES = re.compile(r"\((\w+(?:\|\w+)+)\)")
CODE_ROW = re.compile(r"^(\d+) \| (.+?) \|$")
TYPES = {"string": "string", "int": "integer"}
# The document's api_key parameter is the deprecated query form of the key: a security scheme, not a
# parameter (its x-voxspec-decision says so, checked below).
CHOSEN = {"api_key"}


@dataclass
class DocItem:
    name: str
    types: list[str]
    required: bool
    text: str


@dataclass
class DocOperation:
    method: str
    path: str
    headers: list[str] = field(default_factory=list)
    parameters: list[DocItem] = field(default_factory=list)
    response: list[DocItem] = field(default_factory=list)


@cache
def doc_operations() -> tuple[DocOperation, ...]:
    operations: list[DocOperation] = []
    section = ""
    for line in read_vendor_doc(DOC_NAME).splitlines():
        heading = HEADING.match(line)
        if heading:
            operations.append(DocOperation(heading.group(1).lower(), heading.group(2)))
            section = ""
        elif line in ("Headers:", "Parameters:", "Response Data:"):
            section = line
        elif line == "Codes":
            break
        elif operations and line.startswith("- Header Name: "):
            operations[-1].headers.append(line.removeprefix("- Header Name: ").split(" ")[0])
        elif operations and section in ("Parameters:", "Response Data:"):
            item = ITEM.match(line)
            assert item, f"unreadable line in {operations[-1].path}: {line!r}"
            parsed = DocItem(item["name"], item["type"].split("|"), item["rest"].startswith("required"), item["rest"])
            (operations[-1].parameters if section == "Parameters:" else operations[-1].response).append(parsed)
    return tuple(operations)


@cache
def doc_codes() -> dict[int, str]:
    text = read_vendor_doc(DOC_NAME)
    table = text[text.index("\nCodes\n") :]
    return {int(m[1]): m[2] for m in (CODE_ROW.match(line) for line in table.splitlines()) if m}


@cache
def spec() -> dict[str, Any]:
    return read_spec("voipcloud")


def deref(node: Any) -> Any:
    """node with every top-level $ref followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[unescape(part)]
        node, seen = target, seen + 1
        assert seen < 20, "a $ref loop"
    return node


def operation(doc_op: DocOperation) -> dict[str, Any]:
    item = spec()["paths"].get(doc_op.path) or {}
    assert doc_op.method in item, f"{doc_op.method.upper()} {doc_op.path} is not in the spec"
    node: dict[str, Any] = item[doc_op.method]
    return node


def parameters(doc_op: DocOperation) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in (deref(raw) for raw in operation(doc_op).get("parameters") or [])}


def json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema admits, through anyOf/oneOf."""
    schema = deref(schema)
    kinds = schema.get("type")
    found = set(kinds if isinstance(kinds, list) else [kinds] if kinds else [])
    for key in ("anyOf", "oneOf"):
        for part in schema.get(key) or []:
            found |= json_types(part)
    return found


def response_items(doc_op: DocOperation) -> dict[str, Any]:
    """The schema of one record of the operation's 200 answer: the items of its data list."""
    answer = deref(operation(doc_op)["responses"]["200"])
    body = deref(answer["content"]["application/json"]["schema"])
    data = deref(body["properties"]["data"])
    item: dict[str, Any] = deref(data["items"]) if data.get("type") == "array" else data
    return item


def ids(operations: tuple[DocOperation, ...]) -> list[str]:
    return [f"{op.method.upper()} {op.path}" for op in operations]


def test_the_document_reads_as_expected() -> None:
    assert len(doc_operations()) == 5
    assert all(op.headers == ["token"] for op in doc_operations())
    assert sum(len(op.parameters) for op in doc_operations()) == 22
    assert set(doc_codes()) == {200, 400, 401, 404, 429, 0}


def test_every_operation_and_only_those() -> None:
    documented = {(op.method, op.path) for op in doc_operations()}
    declared = {(m, p) for p, item in spec()["paths"].items() for m in item if m in ("get", "post", "put", "delete")}
    assert declared == documented


@pytest.mark.parametrize("doc_op", doc_operations(), ids=ids(doc_operations()))
def test_every_parameter_with_its_type_required_flag_default_and_range(doc_op: DocOperation) -> None:
    declared = parameters(doc_op)
    for item in doc_op.parameters:
        if item.name in CHOSEN:
            continue
        assert item.name in declared, f"{doc_op.path}: parameter {item.name} is missing"
        param = declared[item.name]
        schema = deref(param["schema"])
        assert json_types(schema) == {TYPES[t] for t in item.types}, (item.name, schema)
        assert bool(param.get("required")) == item.required, item.name
        default = DEFAULT.search(item.text)
        if default:
            value = default["value"]
            assert schema.get("default") == (value.strip("'") if value.startswith("'") else int(value)), item.name
        bounds = RANGE.search(item.text)
        if bounds:
            assert (schema.get("minimum"), schema.get("maximum")) == (int(bounds[1]), int(bounds[2])), item.name
        if "Y-m-d" in item.text:
            assert any(deref(s).get("format") == "date" for s in schema.get("anyOf") or [schema]), item.name
    extra = set(declared) - {p.name for p in doc_op.parameters}
    assert not extra, f"{doc_op.path}: parameters the document does not list: {extra}"


@pytest.mark.parametrize("doc_op", [op for op in doc_operations() if op.response], ids=lambda op: op.path)
def test_every_response_field_with_its_type_and_values(doc_op: DocOperation) -> None:
    item = response_items(doc_op)
    props = item["properties"]
    for field_ in doc_op.response:
        assert field_.name in props, f"{doc_op.path}: response field {field_.name} is missing"
        schema = deref(props[field_.name])
        wanted = {TYPES.get(t, t) for t in field_.types}
        if json_types(schema) != wanted:  # a deliberate widening says why beside it
            assert json_types(schema) > wanted and "x-voxspec-decision" in schema, (field_.name, schema)
        assert field_.name in item.get("required", []), f"{field_.name} is always in the answer"
        values = ALTERNATIVES.search(field_.text)
        if values:
            assert set(schema.get("enum") or []) == set(values[1].split("|")), field_.name
        if "ISO 8601" in field_.text:
            assert "date-time" in {deref(s).get("format") for s in [schema, *(schema.get("anyOf") or [])]}


def test_the_key_is_the_token_header_and_api_key_its_deprecated_query_form() -> None:
    schemes = spec()["components"]["securitySchemes"]
    assert (schemes["token"]["in"], schemes["token"]["name"]) == ("header", "token")
    api_key = schemes["api_key"]
    assert (api_key["in"], api_key["name"], api_key.get("x-voxspec-deprecated")) == ("query", "api_key", True)
    assert any("not a parameter" in d for d in api_key["x-voxspec-decision"])
    for doc_op in doc_operations():
        security = operation(doc_op).get("security", spec().get("security")) or []
        assert {"token": []} in security and {"api_key": []} in security, doc_op.path


@pytest.mark.parametrize("doc_op", doc_operations(), ids=ids(doc_operations()))
def test_every_documented_code_is_an_answer(doc_op: DocOperation) -> None:
    responses = operation(doc_op)["responses"]
    for code in doc_codes():
        if code == 0:  # "Unknown error" has no HTTP status: the default answer
            assert "default" in responses
        elif code == 400 and not [p for p in doc_op.parameters if p.name not in CHOSEN]:
            continue  # nothing to get wrong: the operation takes only the key
        else:
            assert str(code) in responses, f"{doc_op.path}: no {code} ({doc_codes()[code]})"


def test_the_rate_limit_and_the_allow_list() -> None:
    text = read_vendor_doc(DOC_NAME)
    assert "limited to 100 queries per 15 minutes" in text
    assert spec()["x-voxspec-rate-limit"] == {"requests": 100, "window-seconds": 900, **_decision()}
    assert "whitelist" in text.lower() and spec()["x-voxspec-allow-list"]


def _decision() -> dict[str, Any]:
    limit = spec()["x-voxspec-rate-limit"]
    return {"x-voxspec-decision": limit["x-voxspec-decision"]} if "x-voxspec-decision" in limit else {}
