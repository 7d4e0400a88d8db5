"""Inventory test: the call-center API v1.3 document against specs/callcenter/openapi.yaml.

Part (a) walks the vendor document mechanically (method tables, request URLs, parameter, property
and event tables) and checks every operation, parameter, type, required flag, enum and default in
the spec. Part (b) checks the issue's rules: api_key, envelope, 401, errors, webhooks, pagination.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator.pointer import unescape
from tests.conftest import read_spec, read_vendor_doc

DOC_NAME = "callcenter-api-v1.3.txt"
VENDOR = "callcenter"
Json = dict[str, Any]

OPERATION_METHODS = ("get", "put", "post", "delete", "patch")
DOC_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "REST")
# The doc's Type column, as JSON Schema types.
DOC_TYPES = {
    "int": "integer",
    "string": "string",
    "bool": "boolean",
    "array": "array",
    "object": "object",
    "json": "object",
    "json object": "object",
}
PAGING_PARAMS = {"limit", "offset", "page", "per_page", "page_size", "size", "start"}

# Deliberate deviations from the document. Each key names a doc item (method, path as the doc
# writes it after normalising, parameter or None for the whole operation); the value is the JSON
# pointer of the spec node that models it and must carry an x-voxspec-decision saying why.
EXCEPTIONS: dict[tuple[str, str, str | None], str] = {
    # SetQueues' example URL drops the /cc_agent segment: a typo for /api/cc_agent/setQueues.
    ("get", "/api/setQueues", None): "/paths/~1api~1cc_agent~1setQueues/get",
    # CheckInDevice's example calls checkOut with device_id: a typo for checkInDevice.
    ("get", "/api/cc_agent/checkOut", "device_id"): "/paths/~1api~1cc_agent~1checkInDevice/get",
    # The leads example GETs /api/phone_list/XXX/ but answers leads: modelled on the lead list.
    ("get", "/api/phone_list/XXX", None): "/paths/~1api~1phone_list~1{id}~1lead/get",
    # `REST` is no HTTP method: the path gets the four methods of "Manage queue agents", inferred.
    ("rest", "/api/user/{id}/queues", None): "/paths/~1api~1user~1{id}~1queues/get",
    # queue_ids is typed int but is "array or comma separated list": a plain string per CONVENTIONS.
    ("get", "/api/cc_agent/setQueues", "queue_ids"): "/paths/~1api~1cc_agent~1setQueues/get/parameters/0",
}


# --------------------------------------------------------------------------- doc model


@dataclass
class DocParam:
    name: str
    type: str | None = None
    required: bool = False
    enum: list[Any] | None = None
    default: Any = None
    min_length: int | None = None
    row_format: list[str] | None = None  # a nested-array row such as [[user_id, mode, ...], ...]
    literal: str | None = None  # a literal value the doc puts in a URL, e.g. is_agent=0
    example: str | None = None  # a quoted example in the description, e.g. (Example: 'IL,US')
    required_known: bool = True  # False for parameters seen only in a URL
    description: str = ""
    line: int = 0


@dataclass
class DocOperation:
    method: str | None  # lower case; None for a URL the doc shows without a method
    path: str
    section: str
    params: dict[str, DocParam] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{(self.method or 'ANY').upper()} {self.path}"


@dataclass
class DocResource:
    section: str
    title: str
    line: int
    rows: list[DocParam] = field(default_factory=list)


@dataclass
class DocEvent:
    name: str
    fields: dict[str, str]  # field -> description


@dataclass
class Doc:
    sections: list[tuple[int, str]]
    operations: dict[tuple[str | None, str], DocOperation]
    resources: list[DocResource]
    events: list[DocEvent]
    envelope_fields: list[str]
    auth_param: str
    unauthorized_status: str
    unauthorized_msg: str
    one_of_rules: list[tuple[tuple[str | None, str], list[str]]]
    rest_rows: list[tuple[str, list[str] | None]]


# --------------------------------------------------------------------------- doc parsing


def _strip_tags(text: str) -> str:
    return re.sub(r"</?\w+>", "", text).strip()


def _cells(line: str) -> list[str]:
    return [_strip_tags(cell) for cell in line.split("\t")]


def _is_ident(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is not None


def _is_header(cells: list[str]) -> bool:
    """The header row of a doc table: `Parameter name|Field  Type  Required  Description`."""
    return len(cells) > 2 and cells[1] == "Type" and cells[2] == "Required"


def _doc_type(cells: list[str]) -> str | None:
    for cell in cells:
        if cell.lower() in DOC_TYPES:
            return DOC_TYPES[cell.lower()]
    return None


def _coerce(value: str, json_type: str | None) -> Any:
    if json_type == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def _row_format(text: str) -> list[str] | None:
    m = re.search(r"\[\[\s*([\w\s,]+?)\s*\],\s*\.\.\.\]", text)
    return [name.strip() for name in m.group(1).split(",")] if m else None


def _row(cells: list[str], line: int) -> DocParam:
    """A table row: name, then (in any column) a type word, a required marker, and a description."""
    name, rest = cells[0], [c for c in cells[1:] if c]
    json_type = _doc_type(rest)
    description = rest[-1] if rest and rest[-1].lower() not in DOC_TYPES | {"required": "", "optional": ""} else ""
    param = DocParam(name=name, type=json_type, required="required" in rest, description=description, line=line)
    text = re.sub(r"^\((?:required|optional)\)\s*", "", description)
    if m := re.search(r"[a-z][a-z0-9-]*(?: / [a-z][a-z0-9-]*)+", text):
        param.enum = m.group(0).split(" / ")
    elif m := re.search(r"\((\d+) or (\d+)\)", text):
        param.enum = [int(m.group(1)), int(m.group(2))]
    if m := re.search(r"default:\s*'?([^')]+?)'?\)", text, re.IGNORECASE):
        param.default = _coerce(m.group(1).strip(), json_type)
    if m := re.search(r"minimum (\d+) characters", text):
        param.min_length = int(m.group(1))
    if m := re.search(r"\(Example: '([^']+)'\)", text):
        param.example = m.group(1)
    param.row_format = _row_format(text)
    return param


def _split_url(raw: str) -> tuple[str, list[tuple[str, str]]]:
    raw = raw.removeprefix("https://{your_URL}")
    path, _, query = raw.partition("?")
    path = re.sub(r"\{\s*(\w+)\s*\}", r"{\1}", path).rstrip("/") or "/"
    pairs = [(part.partition("=")[0], part.partition("=")[2]) for part in query.split("&") if part]
    return path, pairs


def _url_param(name: str, value: str, line: int) -> DocParam:
    param = DocParam(name=name, line=line, required_known=False)
    if m := re.fullmatch(r"\{([^}]*)\}", value):
        if "/" in m.group(1):
            param.enum = m.group(1).split("/")
    elif value:
        param.literal = value
    return param


class _Parser:
    """One pass over the document's lines; each recogniser below adds to the Doc being built."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.operations: dict[tuple[str | None, str], DocOperation] = {}
        self.resources: list[DocResource] = []
        self.one_of_rules: list[tuple[tuple[str | None, str], list[str]]] = []
        self.rest_rows: list[tuple[str, list[str] | None]] = []
        self.sections = self._sections()
        self.last_op: DocOperation | None = None
        self.auth_seen_in_urls = False

    def _sections(self) -> list[tuple[int, str]]:
        toc = [m.group(1) for line in self.lines if (m := re.fullmatch(r"(.+?)\t(\d+)", line))]
        assert toc, "no table of contents found in the document"
        out: list[tuple[int, str]] = []
        for name in toc:
            starts = [i for i, line in enumerate(self.lines) if line.strip() == name]
            assert starts, f"section {name!r} of the table of contents not found"
            out.append((starts[-1], name))
        return sorted(out)

    def section_of(self, index: int) -> str:
        current = ""
        for start, name in self.sections:
            if start <= index:
                current = name
        return current

    def section_lines(self, name: str) -> range:
        starts = [start for start, sec in self.sections]
        start = next(start for start, sec in self.sections if sec == name)
        later = [s for s in starts if s > start]
        return range(start, later[0] if later else len(self.lines))

    def add_operation(self, method: str | None, raw_url: str, index: int) -> DocOperation:
        path, pairs = _split_url(raw_url)
        key = (method, path)
        op = self.operations.setdefault(key, DocOperation(method, path, self.section_of(index)))
        op.lines.append(index + 1)
        for name, value in pairs:
            if name == "api_key":
                self.auth_seen_in_urls = True
                continue
            op.params.setdefault(name, _url_param(name, value, index + 1))
        return op

    def method_before(self, index: int) -> str | None:
        for line in reversed(self.lines[max(0, index - 6) : index]):
            text = line.strip()
            if not text or text.startswith("```"):
                continue
            return text.lower() if text in DOC_METHODS else None
        return None

    def parse(self) -> None:
        for index, line in enumerate(self.lines):
            cells = _cells(line)
            if cells[0].startswith("/api/") and len(cells) > 1 and cells[1] in DOC_METHODS:
                self.method_row(cells, index)
            elif line.strip() == "Parameters:":
                self.param_table(index)
            elif re.fullmatch(r"[\w ]+ (?:Parameters:|Properties)", line.strip()):
                self.resource_table(line.strip(), index)
            else:
                for m in re.finditer(
                    r"(?:\b(GET|POST|PUT|DELETE|PATCH) +)?(?:https://\{your_URL\})?(/api/[^\s`]*)", line
                ):
                    method = m.group(1).lower() if m.group(1) else self.method_before(index)
                    self.last_op = self.add_operation(method, m.group(2), index)

    def method_row(self, cells: list[str], index: int) -> None:
        op = self.add_operation(cells[1].lower(), cells[0].strip(), index)
        self.last_op = op
        description = cells[2] if len(cells) > 2 else ""
        if cells[1] == "REST":
            self.rest_rows.append((op.path, _row_format(description)))
        if m := re.search(r"Params:\s*(\w+)\s*-", description):
            param = DocParam(name=m.group(1), required=True, line=index + 1, row_format=_row_format(description))
            op.params.setdefault(m.group(1), param)

    def param_table(self, index: int) -> None:
        assert self.last_op is not None, f"line {index + 1}: parameter table before any operation"
        for offset, line in enumerate(self.lines[index + 1 :], start=index + 2):
            if not line.strip() and offset == index + 2:
                continue
            if "\t" not in line:
                break
            cells = _cells(line)
            if _is_header(cells):
                continue
            if m := re.match(r"required one of parameters:\s*([\w/]+)", cells[0]):
                self.one_of_rules.append(((self.last_op.method, self.last_op.path), m.group(1).split("/")))
            elif _is_ident(cells[0]):
                row = _row(cells, offset)
                old = self.last_op.params.get(row.name)
                if old is not None:
                    row.literal = old.literal
                self.last_op.params[row.name] = row

    def resource_table(self, title: str, index: int) -> None:
        resource = DocResource(section=self.section_of(index), title=title, line=index + 1)
        for offset, line in enumerate(self.lines[index + 1 :], start=index + 2):
            if line.startswith("Example") or line.startswith("URL\t") or line.endswith("Methods"):
                break
            if "\t" not in line:
                continue
            cells = _cells(line)
            if _is_header(cells):
                continue
            if _is_ident(cells[0]):
                resource.rows.append(_row(cells, offset))
            elif not cells[0]:
                # A row of bare field names, e.g. the device settings override fields.
                names = [n.strip() for cell in cells if "," in cell for n in cell.split(",")]
                resource.rows.extend(DocParam(name=n, line=offset) for n in names if _is_ident(n))
        assert resource.rows, f"line {index + 1}: no rows in {title!r}"
        self.resources.append(resource)

    def events(self) -> list[DocEvent]:
        lines = self.section_lines("Events")
        out: list[DocEvent] = []
        call_names: list[str] = []
        call_fields: dict[str, str] = {}
        in_call_vars = False
        for index in lines:
            line = self.lines[index]
            cells = _cells(line)
            if line.startswith("Variables in call events"):
                in_call_vars = True
            elif line.startswith("Event names:"):
                call_names = re.findall(r"`([\w]+:[\w]+)`", line)
            elif len(cells) >= 2 and re.fullmatch(r"\w+:\w+", cells[0]):
                fields: dict[str, str] = {}
                for part in cells[1].split(", "):
                    m = re.match(r"(\w+)\s*(.*)", part)
                    assert m, f"line {index + 1}: cannot read event variable {part!r}"
                    fields[m.group(1)] = m.group(2)
                out.append(DocEvent(cells[0], fields))
            elif in_call_vars and len(cells) >= 2 and _is_ident(cells[0]) and cells[0] != "Event":
                call_fields[cells[0]] = cells[1]
        assert call_names and call_fields, "call events not found in the Events section"
        out.extend(DocEvent(name, call_fields) for name in call_names)
        return out

    def common_fields(self) -> list[str]:
        names: list[str] = []
        for index in self.section_lines("Common"):
            cells = _cells(self.lines[index])
            if len(cells) == 2 and _is_ident(cells[0]):
                names.append(cells[0])
        return names


@functools.cache
def doc() -> Doc:
    text = read_vendor_doc(DOC_NAME)
    parser = _Parser(text)
    parser.parse()
    auth = re.search(r"Add the parameter `(\w+)` to every request", text)
    unauthorized = re.search(r"HTTP code (\d{3}) and msg: \"(\w+)\"", text)
    assert auth and unauthorized, "the Authentication section changed"
    assert parser.auth_seen_in_urls, "no request URL carries the auth parameter"
    return Doc(
        sections=parser.sections,
        operations=parser.operations,
        resources=parser.resources,
        events=parser.events(),
        envelope_fields=parser.common_fields(),
        auth_param=auth.group(1),
        unauthorized_status=unauthorized.group(1),
        unauthorized_msg=unauthorized.group(2),
        one_of_rules=parser.one_of_rules,
        rest_rows=parser.rest_rows,
    )


# --------------------------------------------------------------------------- spec helpers


@functools.cache
def spec() -> Json:
    return read_spec(VENDOR)


def pointer(node: Any, ptr: str) -> Any:
    for raw in ptr.lstrip("#").split("/")[1:]:
        token = unescape(raw)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def deref(node: Any) -> Json:
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(spec(), node["$ref"])
    assert isinstance(node, dict), f"not an object: {node!r}"
    return node


def types_of(schema: Any) -> set[str]:
    s = deref(schema)
    declared = s.get("type")
    out = set([declared] if isinstance(declared, str) else declared or [])
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in s.get(key, []):
            out |= types_of(sub)
    return out


@dataclass
class ObjectView:
    """Properties (each as the list of schema fragments that constrain it) and required names."""

    props: dict[str, list[Json]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)

    def merge(self, other: ObjectView) -> None:
        for name, fragments in other.props.items():
            self.props.setdefault(name, []).extend(fragments)
        self.required |= other.required


def object_view(schema: Any, *, items: bool = False) -> ObjectView:
    """Merge allOf parts and object-typed oneOf/anyOf branches; with items, look into arrays too."""
    s = deref(schema)
    view = ObjectView()
    for name, sub in s.get("properties", {}).items():
        view.props.setdefault(name, []).append(deref(sub))
    view.required |= set(s.get("required", []))
    for sub in s.get("allOf", []):
        view.merge(object_view(sub, items=items))
    for key in ("oneOf", "anyOf"):
        for sub in s.get(key, []):
            if "object" in types_of(sub) or (items and "array" in types_of(sub)):
                view.merge(object_view(sub, items=items))
    if items and "items" in s:
        view.merge(object_view(s["items"], items=items))
    return view


def fragment_values(fragments: list[Json], key: str) -> list[Any]:
    """Every value of `key` in the fragments and in the schemas they combine."""
    out: list[Any] = []
    for fragment in fragments:
        if key in fragment:
            out.append(fragment[key])
        for combinator in ("allOf", "oneOf", "anyOf"):
            out.extend(fragment_values([deref(sub) for sub in fragment.get(combinator, [])], key))
    return out


def row_formats(fragments: list[Json]) -> list[list[str]]:
    """Position descriptions of the tuple rows (prefixItems) in arrays of arrays."""
    rows = [deref(items).get("prefixItems", []) for items in fragment_values(fragments, "items")]
    return [[deref(position).get("description", "") for position in row] for row in rows if row]


def fragment_types(fragments: list[Json]) -> set[str]:
    return set().union(*(types_of(f) for f in fragments)) if fragments else set()


def operations() -> list[tuple[str, str, Json]]:
    return [
        (path, method, cast(Json, item[method]))
        for path, item in spec()["paths"].items()
        for method in OPERATION_METHODS
        if method in item
    ]


def op_params(op: Json) -> dict[str, Json]:
    return {p["name"]: p for p in (deref(raw) for raw in op.get("parameters", []))}


def json_body(op: Json) -> Json | None:
    body = op.get("requestBody")
    if body is None:
        return None
    content = deref(body).get("content", {})
    return cast(Json, content["application/json"]["schema"]) if "application/json" in content else None


def response_data(op: Json) -> Json | None:
    """The schema of `data` in the operation's 2xx envelope, if it narrows it."""
    ok = next(deref(r) for code, r in op["responses"].items() if str(code).startswith("2"))
    schema = ok["content"]["application/json"]["schema"]
    data = object_view(schema).props.get("data", [])
    generic = deref(envelope_schema())["properties"]["data"]
    narrowed = [f for f in data if f is not generic]
    return {"allOf": narrowed} if narrowed else None


def envelope_name() -> str:
    names: list[str] = [n for n, s in spec()["components"]["schemas"].items() if "x-voxspec-envelope" in s]
    assert len(names) == 1, f"expected one schema with x-voxspec-envelope, found {names}"
    return names[0]


def envelope_schema() -> Json:
    return {"$ref": f"#/components/schemas/{envelope_name()}"}


def has_decision(ptr: str) -> bool:
    node = pointer(spec(), ptr)
    return isinstance(node, dict) and bool(node.get("x-voxspec-decision"))


def validator(schema: Any) -> Draft202012Validator:
    text = json.dumps(schema).replace('"#/', '"root#/')
    registry: Registry[Any] = Registry().with_resource(
        "root", Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    return Draft202012Validator(json.loads(text), registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --------------------------------------------------------------------------- (a) inventory


def _doc_operations() -> list[DocOperation]:
    return list(doc().operations.values())


def _spec_ops_on(path: str) -> dict[str, Json]:
    item = spec()["paths"].get(path, {})
    return {m: cast(Json, item[m]) for m in OPERATION_METHODS if m in item}


def _check_param(op_ptr: str, op: Json, method: str, param: DocParam, label: str) -> list[str]:
    where = f"{label} (doc line {param.line}) parameter {param.name!r}"
    params = op_params(op)
    body = json_body(op)
    if param.name in params:
        schema = params[param.name].get("schema", {})
        fragments = [deref(schema)]
        required = bool(params[param.name].get("required", False))
    elif method != "get" and body is not None and param.name in (view := object_view(body)).props:
        fragments = view.props[param.name]
        required = param.name in view.required
    else:
        return [f"{where}: missing from {op_ptr}"]
    problems: list[str] = []
    if param.type and param.type not in fragment_types(fragments):
        problems.append(f"{where}: doc type {param.type}, spec {sorted(fragment_types(fragments))}")
    if param.required_known and param.required != required:
        problems.append(f"{where}: doc required={param.required}, spec required={required}")
    if param.enum is not None and not any(set(e) == set(param.enum) for e in fragment_values(fragments, "enum")):
        problems.append(f"{where}: doc enum {param.enum}, spec {fragment_values(fragments, 'enum')}")
    if param.default is not None and param.default not in fragment_values(fragments, "default"):
        problems.append(f"{where}: doc default {param.default!r}, spec {fragment_values(fragments, 'default')}")
    if param.row_format and param.row_format not in row_formats(fragments):
        problems.append(f"{where}: doc rows {param.row_format}, spec prefixItems {row_formats(fragments)}")
    if param.literal is not None:
        value = _coerce(param.literal, "integer" if "integer" in fragment_types(fragments) else None)
        if any(not validator(f).is_valid(value) for f in fragments):
            problems.append(f"{where}: the doc's value {param.literal!r} does not validate")
        if param.name in params and value not in _param_examples(params[param.name]):
            problems.append(f"{where}: the doc's value {param.literal!r} is not an example of the parameter")
    return problems


def _param_examples(param: Json) -> list[Any]:
    """The example values of a parameter object (example, examples) and of its schema (examples)."""
    out: list[Any] = [param["example"]] if "example" in param else []
    out += [deref(e).get("value") for e in param.get("examples", {}).values()]
    out += deref(param.get("schema", {})).get("examples", [])
    return out


def _check_exception(key: tuple[str, str, str | None]) -> None:
    node = pointer(spec(), EXCEPTIONS[key])
    assert isinstance(node, dict) and node.get("x-voxspec-decision"), f"{key}: {EXCEPTIONS[key]} has no decision"
    if key[2] is not None:
        assert node.get("name", key[2]) == key[2], f"{key}: {EXCEPTIONS[key]} is another parameter"


@pytest.mark.parametrize("doc_op", _doc_operations(), ids=lambda o: o.label)
def test_documented_operation_is_in_spec(doc_op: DocOperation) -> None:
    """Every method+path the doc shows exists, with every parameter the doc gives it."""
    method = doc_op.method or ""
    if (method, doc_op.path, None) in EXCEPTIONS:
        _check_exception((method, doc_op.path, None))
        return
    ops = _spec_ops_on(doc_op.path)
    assert ops, f"{doc_op.label} (doc lines {doc_op.lines}): path not in spec"
    if doc_op.method is not None:
        assert doc_op.method in ops, f"{doc_op.label} (doc lines {doc_op.lines}): method not in spec"
        ops = {doc_op.method: ops[doc_op.method]}
    problems: list[str] = []
    for name, param in doc_op.params.items():
        if (method, doc_op.path, name) in EXCEPTIONS:
            _check_exception((method, doc_op.path, name))
            continue
        # A URL shown without a method has to match one of the path's operations.
        found: list[list[str]] = [
            _check_param(f"{m} {doc_op.path}", op, m, param, doc_op.label) for m, op in ops.items()
        ]
        fewest: list[str] = min(found, key=len)
        problems.extend(fewest)
    assert not problems, "\n".join(problems)


def test_exceptions_name_doc_items() -> None:
    """The exception list must not outlive the deviations it excuses."""
    for method, path, name in EXCEPTIONS:
        ops = [o for o in doc().operations.values() if (o.method or "") == method and o.path == path]
        assert ops, f"exception for {method} {path}: the doc has no such operation"
        assert name is None or name in ops[0].params, f"exception for {method} {path} {name}: no such parameter"


def test_inventory_is_not_empty() -> None:
    """Guard against a parser that silently finds nothing."""
    ops = doc().operations
    assert len(ops) >= 30, sorted(f"{m} {p}" for m, p in ops)
    assert sum(len(o.params) for o in ops.values()) >= 25
    assert {r.title for r in doc().resources} >= {"Phone List Parameters:", "User Parameters:", "Queue Properties"}


def test_rest_rows_are_modelled_as_inferred_crud() -> None:
    """`REST` rows become GET/POST/PUT/DELETE, each marked inferred (see EXCEPTIONS)."""
    assert doc().rest_rows
    for path, row_format in doc().rest_rows:
        ops = _spec_ops_on(path)
        assert set(ops) == {"get", "post", "put", "delete"}, f"{path}: {sorted(ops)}"
        for method, op in ops.items():
            assert op.get("x-voxspec-inferred") is True, f"{method} {path} is not marked x-voxspec-inferred"
            assert op.get("x-voxspec-inferred-from"), f"{method} {path} lacks x-voxspec-inferred-from"
        for method in ("post", "put"):
            body = json_body(ops[method])
            assert body is not None, f"{method} {path} has no JSON body"
            formats = [f for fragments in object_view(body).props.values() for f in row_formats(fragments)]
            assert row_format in formats, f"{method} {path}: doc rows {row_format}, spec {formats}"


def _resource_paths(resource: DocResource) -> tuple[str, str | None]:
    """The resource's collection (shortest documented path of its section) and item path in the spec."""
    documented = [
        o.path
        for o in doc().operations.values()
        if o.section == resource.section and (o.method or "", o.path, None) not in EXCEPTIONS
    ]
    collection = min(documented, key=len)
    items = [p for p in spec()["paths"] if re.fullmatch(re.escape(collection) + r"/\{\w+\}", p)]
    return collection, items[0] if items else None


@pytest.mark.parametrize("resource", doc().resources, ids=lambda r: r.title.rstrip(":"))
def test_resource_fields_are_in_spec(resource: DocResource) -> None:
    """Each property row: writable fields in create/update bodies, read-only ones in responses."""
    collection, item = _resource_paths(resource)
    paths = spec()["paths"]
    create_body = json_body(paths[collection]["post"])
    assert create_body is not None, f"POST {collection} has no JSON body"
    create = object_view(create_body)
    update_op = paths.get(item, {}).get("put") if item else None
    update = object_view(json_body(update_op) or {}) if update_op else None
    reads = [op for op in (paths.get(item, {}).get("get") if item else None, paths[collection].get("get")) if op]
    response = ObjectView()
    for op in reads:
        data = response_data(op)
        if data is not None:
            response.merge(object_view(data, items=True))
    problems: list[str] = []
    for row in resource.rows:
        where = f"{resource.title} row {row.name!r} (doc line {row.line})"
        read_only = "read only" in row.description
        write_only = "write only" in row.description.lower()
        write_side = "put/post only" in row.description
        if read_only:
            fragments = response.props.get(row.name, [])
            if not fragments:
                problems.append(f"{where}: read-only field missing from the {collection} responses")
            elif True not in fragment_values(fragments, "readOnly"):
                problems.append(f"{where}: not readOnly in responses")
            if row.name in create.required:
                problems.append(f"{where}: read-only but required on create")
        else:
            fragments = create.props.get(row.name, [])
            if not fragments:
                problems.append(f"{where}: missing from POST {collection} body")
                continue
            if row.required != (row.name in create.required):
                problems.append(
                    f"{where}: doc required={row.required}, create body required={row.name in create.required}"
                )
            if update is not None and (row.name not in update.props or row.name in update.required):
                problems.append(f"{where}: should be an optional field of PUT {item}")
            if write_only and (row.name in response.props or True not in fragment_values(fragments, "writeOnly")):
                problems.append(f"{where}: write-only field must be writeOnly and absent from responses")
            if not write_only and not write_side and row.name not in response.props:
                problems.append(f"{where}: missing from the {collection} responses")
        problems.extend(_row_value_problems(where, row, fragments))
    assert not problems, "\n".join(problems)


def _row_value_problems(where: str, row: DocParam, fragments: list[Json]) -> list[str]:
    """Type, enum, default, row format, minimum length and example of one property row."""
    problems: list[str] = []
    if row.type and row.type not in fragment_types(fragments):
        problems.append(f"{where}: doc type {row.type}, spec {sorted(fragment_types(fragments))}")
    if row.enum is not None and not any(set(e) == set(row.enum) for e in fragment_values(fragments, "enum")):
        problems.append(f"{where}: doc enum {row.enum}, spec {fragment_values(fragments, 'enum')}")
    if row.default is not None and row.default not in fragment_values(fragments, "default"):
        problems.append(f"{where}: doc default {row.default!r}, spec {fragment_values(fragments, 'default')}")
    if row.row_format and row.row_format not in row_formats(fragments):
        problems.append(f"{where}: doc rows {row.row_format}, spec prefixItems {row_formats(fragments)}")
    if row.min_length is not None and row.min_length not in fragment_values(fragments, "minLength"):
        problems.append(f"{where}: doc minimum length {row.min_length}, spec {fragment_values(fragments, 'minLength')}")
    if row.example is not None and not any(row.example in e for e in fragment_values(fragments, "examples")):
        problems.append(f"{where}: the doc's example {row.example!r} is not among the field's examples")
    return problems


# --------------------------------------------------------------------------- (b) the rules


def test_api_key_security_on_every_operation() -> None:
    """api_key in the query on every request: one apiKey scheme applied globally, never a parameter."""
    name = doc().auth_param
    schemes = spec()["components"]["securitySchemes"]
    matching = [k for k, s in schemes.items() if s == {**s, "type": "apiKey", "in": "query", "name": name}]
    assert matching, f"no apiKey security scheme in: query, name: {name}"
    assert any(set(req) & set(matching) for req in spec()["security"]), "api_key is not applied globally"
    for path, method, op in operations():
        requirements: list[Json] = op["security"] if "security" in op else spec()["security"]
        assert any(set(req) & set(matching) for req in requirements), f"{method} {path} drops api_key"
        assert name not in op_params(op), f"{method} {path} declares {name} as a parameter"
    for item in spec()["paths"].values():
        assert name not in {deref(p)["name"] for p in item.get("parameters", [])}
    assert name not in {p["name"] for p in spec()["components"].get("parameters", {}).values()}


def _extends(schema: Any, target: str) -> bool:
    if isinstance(schema, dict) and schema.get("$ref") == target:
        return True
    s = deref(schema)
    return any(_extends(sub, target) for sub in s.get("allOf", []))


def test_envelope_component_used_by_every_json_response() -> None:
    fields = doc().envelope_fields
    assert fields == ["success", "msg", "data"], f"the doc's Common table changed: {fields}"
    name = envelope_name()
    env = spec()["components"]["schemas"][name]
    assert env["x-voxspec-envelope"] == {"success": fields[0], "message": fields[1], "data": fields[2]}
    assert set(env["properties"]) >= set(fields)
    assert env["properties"][fields[0]]["type"] == "boolean"
    target = f"#/components/schemas/{name}"
    for path, method, op in operations():
        for code, response in op["responses"].items():
            for media, content in deref(response).get("content", {}).items():
                assert media == "application/json", f"{method} {path} {code}: {media}"
                assert _extends(content["schema"], target), f"{method} {path} {code} is not the envelope"


def test_unauthorized_on_every_operation() -> None:
    status, msg = doc().unauthorized_status, doc().unauthorized_msg
    success, message = doc().envelope_fields[:2]
    shared = spec()["components"]["responses"]["Unauthorized"]
    assert shared["content"]["application/json"]["example"] == {success: False, message: msg}
    for path, method, op in operations():
        assert op["responses"].get(status) == {"$ref": "#/components/responses/Unauthorized"}, f"{method} {path}"


def test_error_responses_for_input_and_path_ids() -> None:
    """400 on operations with input, 404 on operations with path parameters or reading a record by a query id
    (D44), in the envelope shape."""
    success = doc().envelope_fields[0]
    for path, method, op in operations():
        has_input = bool(op.get("parameters")) or "requestBody" in op
        has_path = "{" in path or bool((op.get("x-voxspec-crud") or {}).get("id"))
        for code, wanted in (("400", has_input), ("404", has_path)):
            assert (code in op["responses"]) == wanted, f"{method} {path}: {code} expected={wanted}"
            if wanted:
                content = deref(op["responses"][code])["content"]["application/json"]
                assert content["example"][success] is False
                assert validator(content["schema"]).is_valid(content["example"])


def test_every_documented_event_has_its_own_webhook() -> None:
    events = doc().events
    assert len(events) == 9, [e.name for e in events]
    webhooks = spec().get("webhooks", {})
    by_event: dict[str, list[Json]] = {}
    for hook in webhooks.values():
        post = hook["post"]
        by_event.setdefault(post["x-voxspec-webhook-event"]["event"], []).append(post)
    assert set(by_event) == {e.name for e in events}, sorted(by_event)
    payload_schemas: set[str] = set()
    problems: list[str] = []
    for event in events:
        assert len(by_event[event.name]) == 1, f"{event.name}: {len(by_event[event.name])} webhooks"
        post = by_event[event.name][0]
        media = post["requestBody"]["content"]["application/json"]
        ref = media["schema"].get("$ref", "")
        assert ref.startswith("#/components/schemas/"), f"{event.name}: payload is not a component"
        payload_schemas.add(ref)
        errors = [e.message for e in validator(media["schema"]).iter_errors(media["example"])]
        assert not errors, f"{event.name}: example invalid: {errors}"
        view = object_view(media["schema"])
        for name, description in event.fields.items():
            fragments = view.props.get(name)
            if not fragments:
                problems.append(f"{event.name}: variable {name!r} missing")
                continue
            types = fragment_types(fragments)
            expected = "array" if "(array)" in description else None
            if re.search(r"epoch|milliseconds|seconds", description):
                expected = "integer"
            if expected and expected not in types:
                problems.append(f"{event.name}.{name}: expected {expected}, spec {sorted(types)}")
            enum: list[str] | None = None
            if m := re.search(r"\(([a-z]+(?: / [a-z]+)+)\)", description):
                enum = m.group(1).split(" / ")
            elif "One of:" in description:
                enum = re.findall(r"\b[A-Z][A-Z_]+\b", description.split("One of:")[1])
            if enum and not any(set(e) == set(enum) for e in fragment_values(fragments, "enum")):
                problems.append(f"{event.name}.{name}: enum {enum}, spec {fragment_values(fragments, 'enum')}")
    assert len(payload_schemas) == len(events), "events share a payload schema"
    assert not problems, "\n".join(problems)


def test_ip_range_limit_is_an_allow_list() -> None:
    """The doc's advice to limit the API user to an IP range: a root allow-list answering the doc's 401."""
    assert re.search(r"limit the API user to IP Range", read_vendor_doc(DOC_NAME)), "the Authentication section changed"
    rule = spec().get("x-voxspec-allow-list")
    assert isinstance(rule, dict), "no x-voxspec-allow-list for the API user's IP range"
    assert str(rule["status"]) == doc().unauthorized_status and rule["message"] == doc().unauthorized_msg
    assert rule.get("x-voxspec-decision"), "the allow-list's status and message are a decision"


def test_emitted_events_are_documented_and_fit_the_call() -> None:
    """x-voxspec-emits names documented events only; click-to-call does not emit a queue-only event."""
    text = read_vendor_doc(DOC_NAME)
    queue_only = set(re.findall(r"`([\w]+:[\w]+)` \(only for queue calls\)", text))
    assert queue_only, "the Events section no longer marks queue-only events"
    events = {e.name for e in doc().events}
    sections = {(o.method or "get", o.path): o.section for o in doc().operations.values()}
    for path, method, op in operations():
        emitted = set(op.get("x-voxspec-emits", []))
        assert emitted <= events, f"{method} {path} emits undocumented {sorted(emitted - events)}"
        if sections.get((method, path), "").startswith("Originate"):
            assert not emitted & queue_only, f"{method} {path} is an outbound call but emits {emitted & queue_only}"
        if emitted:
            assert "D40" in json.dumps(op.get("x-voxspec-decision", "")), f"{method} {path}: emission not recorded"


def test_pagination_is_declared_where_lists_page() -> None:
    for path, method, op in operations():
        if PAGING_PARAMS & set(op_params(op)):
            assert "x-voxspec-pagination" in op, f"{method} {path} pages without x-voxspec-pagination"


def test_one_of_parameter_rules_are_recorded() -> None:
    """'required one of parameters: a/b/c' cannot be a oneOf over query parameters: a decision says so."""
    assert doc().one_of_rules
    for (method, path), names in doc().one_of_rules:
        op = spec()["paths"][path][method or "get"]
        params = op_params(op)
        for name in names:
            assert name in params and not params[name].get("required"), f"{path}: {name}"
        decisions = json.dumps(op.get("x-voxspec-decision", ""))
        assert all(n in decisions for n in names) and "oneOf" in decisions, f"{path}: one-of rule not recorded"
        assert all(n in op["description"] for n in names)


def _decisions(node: Any, at: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        value = node.get("x-voxspec-decision")
        for text in [value] if isinstance(value, str) else value or []:
            out.append((at, text))
        for key, sub in node.items():
            out.extend(_decisions(sub, f"{at}/{key}"))
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            out.extend(_decisions(sub, f"{at}/{index}"))
    return out


def test_decisions_are_listed_in_info_description() -> None:
    listed = set(re.findall(r"^- (D\d+):", spec()["info"]["description"], re.MULTILINE))
    used: set[str] = set()
    for at, text in _decisions(spec()):
        m = re.match(r"(D\d+): ", text)
        assert m, f"{at}: decision without an id: {text[:60]!r}"
        assert m.group(1) in listed, f"{at}: {m.group(1)} is not listed in info.description"
        used.add(m.group(1))
    assert listed == used, f"listed but never applied: {sorted(listed - used)}"


def test_public_sources_are_recorded() -> None:
    """Facts from public sources, not the doc: each is used and its node names the source."""
    s = spec()
    server = s["servers"][0]
    assert re.fullmatch(r"https://\{\w+\}\.contaqt\.com", server["url"]) and "public sources" in str(
        server["x-voxspec-decision"]
    )
    scheme = next(v for v in s["components"]["securitySchemes"].values() if v.get("in") == "query")
    assert "public sources" in str(scheme["x-voxspec-decision"])
    assert "public sources" in str(s["components"]["schemas"][envelope_name()]["x-voxspec-decision"])
    originate = s["paths"]["/api/cc_agent/originate"]["get"]
    uuid = object_view(originate["responses"]["200"]["content"]["application/json"]["schema"]).props.get("uuid")
    assert uuid and "public sources" in str(fragment_values(uuid, "x-voxspec-decision"))


def test_operations_follow_conventions() -> None:
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids))
    tags = {t["name"] for t in spec()["tags"]}
    for path, method, op in operations():
        assert re.fullmatch(r"[a-z]+(?:_[a-z]+)+", op["operationId"]), f"{method} {path}"
        assert len(op["tags"]) == 1 and op["tags"][0] in tags, f"{method} {path}"
        assert op.get("summary") and op.get("description"), f"{method} {path}"
        for name, param in op_params(op).items():
            if param["in"] == "path":
                assert param["required"] is True, f"{method} {path} {name}"
                schema = param["schema"]
                assert schema["type"] == "integer" or schema.get("minLength", 0) >= 1, f"{method} {path} {name}"
    assert "additionalProperties" not in json.dumps(spec())
