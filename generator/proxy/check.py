"""Both directions of one exchange checked against the IR: operation, auth, parameters, bodies, status, headers.

The mock runtime's Spec (compiled validators, parameter coercion, credential lookup), over the IR's schemas, does
the schema work; unlike the mock's pipeline, which refuses a request at its first problem, every problem is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs
from jsonschema import Draft202012Validator
from starlette.requests import Request
from starlette.routing import compile_path

from generator.ir import Api, Operation, Response, component_name
from generator.mock.patterns import EcmaValidator
from generator.mock.runtime import Spec, _raw_values, coerce, coerce_part, credential
from generator.mock.shapes import properties
from generator.pointer import escape, pointer_join
from generator.render import runtime_spec

UNKNOWN = "(unknown operation)"


@dataclass(frozen=True)
class Violation:
    """One way an exchange differs from the spec. `where` is a JSON pointer into the message
    (/query/limit, /body/data/0/id, /status, /headers/content-type); `schema` the JSON pointer of the
    spec node the proposal changes, when one is known."""

    operation: str
    direction: str  # "request" | "response"
    kind: str
    where: str
    expected: str
    actual: str
    schema: str = ""
    detail: Any = field(default=None, compare=False)  # what the proposal needs: the value seen, a field name

    def line(self) -> str:
        return (
            f"{self.operation} {self.direction} {self.where or '/'}: {self.kind}: "
            f"expected {self.expected}, got {self.actual}"
        )


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Router:
    """Method and path to operation, with Starlette's path templates as the generated server routes them;
    literal paths win over templated ones, as a vendor's `/calls/active` beside `/calls/{id}` expects."""

    def __init__(self, api: Api) -> None:
        entries = []
        for op in api.operations:
            regex, _, _ = compile_path(api.base_path + op.path)
            entries.append((op.path.count("{"), regex, op))
        entries.sort(key=lambda e: e[0])
        self.routes: list[tuple[re.Pattern[str], Operation]] = [(r, op) for _, r, op in entries]

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """(operation, path parameters, whether the path exists for some other method)."""
        method = "GET" if method == "HEAD" else method
        path_known = False
        for regex, op in self.routes:
            found = regex.match(path)
            if found is None:
                continue
            if op.method == method:
                return op, found.groupdict(), True
            path_known = True
        return None, {}, path_known


def response_for(op: Operation, status: int) -> Response | None:
    """The declared response a status answers with: exact code, then its class (4XX), then default."""
    by_status = {r.status: r for r in op.responses}
    return by_status.get(str(status)) or by_status.get(f"{str(status)[0]}XX") or by_status.get("default")


class IrSpec(Spec):
    """The mock's Spec over the IR's schemas as the spec writes them, component references and all: the proxy
    checks exchanges against them and walks them to name the spec node a proposal edits, so it follows their
    references in the IR's component schemas (the mock's runtime data comes resolved and needs none of this)."""

    def __init__(self, api: Api) -> None:
        super().__init__(runtime_spec(api))
        self.api = api
        # patterns read as ECMA-262, as the mock and the Rust validator of fast_valid read them
        self._root = EcmaValidator(api.schema_document({}), format_checker=Draft202012Validator.FORMAT_CHECKER)

    def compile(self, schema: Any) -> Any:
        return self._root.evolve(schema=schema)

    def resolve(self, schema: Any) -> Any:
        return self.api.resolve(schema)


def decode_json(raw: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return False, None


class Checker:
    """Checks exchanges of one API. Each violation names the place in the spec a proposal edits: the IR says
    where each parameter, body, response and header is written, and a schema's own places follow from it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.spec = IrSpec(api)
        self.router = Router(api)
        self.schemes = {s.name: s for s in api.security_schemes}
        # Memos by the identity of a schema of the IR, each entry holding that schema: the IR lives as long as the
        # checker, and a schema kept in its own entry cannot be freed and its id given to another one.
        self._fast: dict[int, tuple[Any, Any]] = {}
        self._properties: dict[int, tuple[Any, dict[str, Any]]] = {}

    def fast_valid(self, schema: Any, value: Any) -> bool:
        """Whether value is valid, by the Rust validator: most traffic is, and the Python one that explains
        each error costs ten times as much; it runs only when this says no. Memoized per schema."""
        entry = self._fast.get(id(schema))
        if entry is None:
            try:
                document = self.api.schema_document(schema)
                fast = jsonschema_rs.Draft202012Validator(document, validate_formats=True)
            except Exception:  # a schema the Rust validator cannot compile is checked by the Python one only
                fast = None
            entry = self._fast[id(schema)] = (schema, fast)
        return entry[1] is not None and bool(entry[1].is_valid(value))

    def props(self, schema: Any) -> dict[str, Any]:
        """shapes.properties of a schema, memoized: the undeclared-field walk asks for each item of a list."""
        entry = self._properties.get(id(schema))
        if entry is None:
            entry = self._properties[id(schema)] = (schema, properties(schema, self.spec.resolve))
        return entry[1]

    # -- request ----------------------------------------------------------------------------------------------

    def request(
        self, op: Operation, scope: Mapping[str, Any], path_params: Mapping[str, str], body: bytes | None
    ) -> list[Violation]:
        """Violations of the request."""
        request = Request({**scope, "path_params": dict(path_params)})
        query: dict[str, list[str]] = {}
        for name, text in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            query.setdefault(name, []).append(text)
        found: list[Violation] = []
        self._auth(op, request, query, found)
        base = f"/paths/{escape(op.path)}/{op.method.lower()}"
        for index, param in enumerate(op.parameters):
            if param.location == "body":
                continue
            raws = _raw_values(request, query, param.name, param.location)
            where = f"/{param.location}/{param.name}"
            pointer = param.pointer or f"{base}/parameters/{index}"
            if not raws:
                if param.required:
                    found.append(
                        Violation(op.op_id, "request", "missing-parameter", where, "present", "absent", pointer)
                    )
                continue
            schema = param.schema
            if self.spec.resolve(schema).get("type") == "array":
                items = self.spec.resolve(schema).get("items", {})
                parts = raws if param.explode else raws[0].split(",")
                value: Any = [coerce(v, items, self.spec) for v in parts]
            else:
                value = coerce(raws[-1], schema, self.spec)
            found += self._schema(op, "request", schema, value, where, param.schema_pointer or f"{pointer}/schema")
        if op.body is not None:
            found += self._request_body(op, request, body, f"{base}/requestBody")
        return found

    def credentials(self, scope: Mapping[str, Any]) -> list[str]:
        """Every credential a request carries in a place one of the spec's security schemes names."""
        request = Request(dict(scope))
        query: dict[str, list[str]] = {}
        for name, text in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            query.setdefault(name, []).append(text)
        found = [
            credential({"kind": s.kind, "param_name": s.param_name}, request, query) for s in self.api.security_schemes
        ]
        authorization = request.headers.get("authorization", "")
        if " " in authorization:  # whatever the scheme, the part after the auth scheme's name is a secret
            found.append(authorization.split(" ", 1)[1].strip())
        return [value for value in found if value]

    def _auth(self, op: Operation, request: Request, query: Mapping[str, list[str]], found: list[Violation]) -> None:
        requirements = op.security
        if not requirements or any(not names for names in requirements):
            return
        for names in requirements:
            if all(
                credential({"kind": self.schemes[n].kind, "param_name": self.schemes[n].param_name}, request, query)
                for n in names
                if n in self.schemes
            ):
                deprecated = [n for n in names if n in self.schemes and self.schemes[n].deprecated]
                if deprecated and len(deprecated) == len(names):
                    # the vendor may switch it off; the application should move to a current scheme
                    current = [" + ".join(r) for r in requirements if not any(self._deprecated(n) for n in r)]
                    found.append(
                        Violation(
                            op.op_id,
                            "request",
                            "deprecated-auth",
                            "/auth",
                            " or ".join(current) or "a current scheme",
                            " + ".join(names),
                            f"/components/securitySchemes/{escape(names[0])}",
                        )
                    )
                return
        expected = " or ".join("+".join(names) for names in requirements)
        found.append(
            Violation(op.op_id, "request", "auth", "/headers", expected, "no credential of these schemes", "/security")
        )

    def _deprecated(self, name: str) -> bool:
        scheme = self.schemes.get(name)
        return scheme is not None and scheme.deprecated

    def _request_body(self, op: Operation, request: Request, raw: bytes | None, pointer: str) -> list[Violation]:
        assert op.body is not None
        if raw is None:  # larger than the validation cap: forwarded, not checked
            return []
        if not raw:
            if op.body.required:
                return [Violation(op.op_id, "request", "missing-body", "/body", "a body", "none", pointer)]
            return []
        sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
        content = dict(op.body.content)
        if sent not in content:
            return [
                Violation(
                    op.op_id,
                    "request",
                    "content-type",
                    "/headers/content-type",
                    " or ".join(content),
                    sent or "none",
                    f"{pointer}/content",
                )
            ]
        schema = content[sent]
        if "json" in sent:
            ok, value = decode_json(raw)
            if not ok:
                return [Violation(op.op_id, "request", "body", "/body", "JSON", "a body that is not JSON", pointer)]
        elif sent == "application/x-www-form-urlencoded":
            props = properties(schema, self.spec.resolve)
            value = {}
            for key, text in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
                value[key] = coerce_part(text, props.get(key, {}), self.spec)
        else:  # multipart: parts are files and text; only the content type is checked
            return []
        written = pointer_join(op.body.pointer or pointer, "content", sent, "schema")
        return self._schema(op, "request", schema, value, "/body", written)

    # -- response ---------------------------------------------------------------------------------------------

    def response(
        self, op: Operation, status: int, headers: Mapping[str, str], body: bytes | None, head: bool = False
    ) -> list[Violation]:
        base = f"/paths/{escape(op.path)}/{op.method.lower()}/responses"
        declared = response_for(op, status)
        if declared is None:
            ok, value = decode_json(body) if body else (False, None)
            return [
                Violation(
                    op.op_id,
                    "response",
                    "undeclared-status",
                    "/status",
                    " or ".join(r.status for r in op.responses),
                    str(status),
                    base,
                    detail={
                        "status": status,
                        "body": value if ok else None,
                        "content_type": headers.get("content-type", ""),
                    },
                )
            ]
        pointer = f"{base}/{declared.status}"
        found: list[Violation] = []
        if declared.status == "default":
            # `default` makes any status valid OpenAPI, but a code the spec never names is still drift worth
            # listing: the client's typed errors and the docs know nothing of it.
            ok, value = decode_json(body) if body else (False, None)
            found.append(
                Violation(
                    op.op_id,
                    "response",
                    "unlisted-status",
                    "/status",
                    " or ".join(r.status for r in op.responses if r.status != "default"),
                    f"{status} (only `default` covers it)",
                    base,
                    detail={
                        "status": status,
                        "body": value if ok else None,
                        "content_type": headers.get("content-type", ""),
                        "schema_component": self._known_shape(op, value) if ok else None,
                    },
                )
            )
        found += self._headers(op, headers, declared)
        sent = headers.get("content-type", "").split(";")[0].strip().lower()
        if declared.content_type is None:
            return found
        if body is None or (not body and (head or status in (204, 304))):  # a HEAD answer has headers only
            return found
        if sent != declared.content_type.lower() and not (not body and not sent):
            found.append(
                Violation(
                    op.op_id,
                    "response",
                    "content-type",
                    "/headers/content-type",
                    declared.content_type,
                    sent or "none",
                    f"{pointer}/content",
                )
            )
            if "json" not in sent:
                return found
        if "json" not in declared.content_type or declared.schema is None:
            return found
        ok, value = decode_json(body)
        if not ok:
            return [
                *found,
                Violation(op.op_id, "response", "body", "/body", "JSON", "a body that is not JSON", pointer),
            ]
        schema_pointer = pointer_join(declared.pointer or pointer, "content", declared.content_type, "schema")
        return found + self._schema(op, "response", declared.schema, value, "/body", schema_pointer)

    def _headers(self, op: Operation, headers: Mapping[str, str], declared: Response) -> list[Violation]:
        """The response headers the spec declares: present when required, of their schema's type when sent."""
        found: list[Violation] = []
        for header in declared.declared_headers:
            value = headers.get(header.name)
            where = f"/headers/{header.name.lower()}"
            if value is None:
                if header.required:
                    found.append(
                        Violation(op.op_id, "response", "missing-header", where, "present", "absent", header.pointer)
                    )
                continue
            schema = header.schema
            if isinstance(schema, dict):
                found += self._schema(
                    op, "response", schema, coerce(value, schema, self.spec), where, f"{header.pointer}/schema"
                )
        return found

    def _known_shape(self, op: Operation, value: Any) -> str | None:
        """The component an undeclared answer's body already fits (the vendor's error shape), if any."""
        for r in op.responses:
            name = component_name(r.schema)
            if not (name and r.status[0] in "45d"):
                continue
            # A value outside an enum (an error code the docs do not list) still has the shape; that value is
            # reported on its own, with its own proposal.
            errors = self.spec.validator(r.schema).iter_errors(value)
            if all(e.validator in ("enum", "const") for e in errors):
                return name
        return None

    # -- schemas ----------------------------------------------------------------------------------------------

    def _schema(
        self, op: Operation, direction: str, schema: Any, value: Any, where: str, pointer: str
    ) -> list[Violation]:
        found: list[Violation] = []
        valid = isinstance(schema, dict) and self.fast_valid(schema, value)
        for error in () if valid else self.spec.validator(schema).iter_errors(value):
            path = [str(p) for p in error.absolute_path]
            at = where + "".join("/" + escape(p) for p in path)
            node = self.locate(pointer, schema, list(error.absolute_path))
            kind, expected, actual, detail = _describe(error)
            if kind == "missing-field":
                at = f"{at}/{escape(str(detail))}"
            found.append(Violation(op.op_id, direction, kind, at, expected, actual, node, detail))
        if direction == "response":
            for at, node, name, extra in self._undeclared(schema, value, where, pointer):
                found.append(
                    Violation(
                        op.op_id,
                        direction,
                        "undeclared-field",
                        at,
                        "no such field",
                        short(extra, 60),
                        node,
                        {"name": name, "value": extra},
                    )
                )
        return found

    def _undeclared(
        self, schema: Any, value: Any, where: str, pointer: str, depth: int = 0
    ) -> Iterator[tuple[str, str, str, Any]]:
        """Fields an answer carries that its schema does not name (where it does not already forbid them,
        which the validator reports), walking objects and arrays the schema describes."""
        pointer, node = self.follow(pointer, schema)
        if depth > 12 or not isinstance(node, dict):
            return
        if isinstance(value, dict):
            props = self.props(node)
            open_ended = node.get("additionalProperties") not in (None, True, False) or "patternProperties" in node
            if not props or open_ended:
                return
            for key, item in value.items():
                if key in props:
                    child = self._property_pointer(pointer, node, key)
                    yield from self._undeclared(props[key], item, f"{where}/{escape(key)}", child, depth + 1)
                elif node.get("additionalProperties") is not False:
                    yield f"{where}/{escape(key)}", f"{pointer}/properties", key, item
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for index, item in enumerate(value[:50]):  # the first items show the drift; all would cost
                yield from self._undeclared(node["items"], item, f"{where}/{index}", f"{pointer}/items", depth + 1)

    def follow(self, pointer: str, schema: Any) -> tuple[str, Any]:
        """A schema with its references followed, and the pointer in the spec of where it ends."""
        at, target = self.api.target(schema)
        return (pointer, schema) if at is None else (at, target)

    def _property_pointer(self, pointer: str, node: Mapping[str, Any], key: str) -> str:
        if key in (node.get("properties") or {}):
            return f"{pointer}/properties/{escape(key)}"
        for combinator in ("allOf", "anyOf", "oneOf"):
            for index, member in enumerate(node.get(combinator) or []):
                inner_pointer, inner = self.follow(f"{pointer}/{combinator}/{index}", member)
                if isinstance(inner, dict) and key in properties(inner, self.spec.resolve):
                    return self._property_pointer(inner_pointer, inner, key)
        return f"{pointer}/properties/{escape(key)}"

    def locate(self, pointer: str, schema: Any, path: Sequence[Any]) -> str:
        """The pointer in the spec of the schema describing the value at path: what a proposal edits. pointer
        is where schema is written."""
        for step in path:
            pointer, schema = self.follow(pointer, schema)
            if not isinstance(schema, dict):
                break
            if isinstance(step, int) and isinstance(schema.get("items"), dict):
                pointer, schema = f"{pointer}/items", schema["items"]
            elif isinstance(step, str) and step in properties(schema, self.spec.resolve):
                pointer, schema = (
                    self._property_pointer(pointer, schema, step),
                    properties(schema, self.spec.resolve)[step],
                )
            else:
                break
        return self.follow(pointer, schema)[0]


def _describe(error: Any) -> tuple[str, str, str, Any]:
    """(kind, expected, actual, detail) of one jsonschema error."""
    if error.validator == "type":
        declared = error.validator_value
        expected = " or ".join(declared) if isinstance(declared, list) else str(declared)
        return (
            "type",
            expected,
            f"{json_type(error.instance)} {short(error.instance, 60)}",
            {"declared": declared, "seen": json_type(error.instance)},
        )
    if error.validator == "required":
        # jsonschema reports each missing property as its own error, naming it only in the message
        missing = next(
            (k for k in error.validator_value if error.message.startswith(repr(k))),
            next((k for k in error.validator_value if k not in (error.instance or {})), "?"),
        )
        return "missing-field", f"required field {missing!r}", "absent", missing
    if error.validator == "additionalProperties":
        return "undeclared-field", "no other fields", short(error.message, 100), None
    if error.validator == "enum":
        return (
            "enum",
            f"one of {short(error.validator_value, 80)}",
            short(error.instance, 60),
            {"enum": error.validator_value, "seen": error.instance},
        )
    return error.validator, f"{error.validator}: {short(error.validator_value, 60)}", short(error.instance, 60), None
