"""Request pipeline and default mock handlers shared by every generated server.

Stages, one function each: authenticate, parse and validate input, call the handler, shape errors.
This module is copied verbatim into each generated package, so it imports no voxspec code.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .patterns import EcmaValidator

log = logging.getLogger("voxspec.mock")

DEFAULT_KEY = "voxspec-mock-key"
INTEGER = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
PREFERENCES: dict[str, tuple[str, ...]] = {
    "invalid": ("400", "422", "4XX"),
    "media": ("415", "400", "422", "4XX"),
    "auth": ("401", "403", "4XX"),
    "not_found": ("404", "4XX"),
    "rate_limited": ("429", "4XX"),
    "conflict": ("409", "400", "422", "4XX"),
    "forbidden": ("403", "401", "4XX"),
    "unavailable": ("503", "500", "502", "5XX"),
    # Limits answer their own status in the shape of the operation's input error: a client that reads
    # the vendor's error body still finds its message, and the status says what was refused.
    "too_large": ("413", "400", "422", "4XX"),
    "uri_too_long": ("414", "400", "422", "4XX"),
}
NATURAL = {
    "invalid": 400,
    "media": 415,
    "auth": 401,
    "not_found": 404,
    "rate_limited": 429,
    "conflict": 409,
    "forbidden": 403,
    "unavailable": 503,
    "too_large": 413,
    "uri_too_long": 414,
}
FIXED_STATUS = frozenset({"too_large", "uri_too_long"})
DEFAULT_MAX_BODY = 4 * 1024 * 1024  # bytes; real vendors refuse bodies of a few MB
DEFAULT_MAX_URL = 8192  # bytes of path and query string, as nginx's default request-line buffer
# JSON deeper than this is refused before validation, whose recursion would otherwise exhaust the stack;
# the vendors' deepest documented bodies nest a handful of levels.
MAX_DEPTH = 64
MAX_VIOLATIONS = 20  # violations listed in one 400; a fuzzed body can break hundreds of rules at once


def _env_float(name: str) -> float:
    try:
        return float(os.environ.get(name, "0") or 0)
    except ValueError:
        return 0.0


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def configured_keys() -> tuple[str, ...]:
    """The keys the mock accepts, in the order VOXSPEC_MOCK_KEYS (comma-separated) lists them."""
    return tuple(k for k in os.environ.get("VOXSPEC_MOCK_KEYS", DEFAULT_KEY).split(",") if k)


DEFAULT_CLIENT = "voxspec-mock-client:voxspec-mock-secret"
DEFAULT_USER = "voxspec-mock-user:voxspec-mock-password"


def pairs(text: str) -> dict[str, str]:
    """`name:secret` pairs, comma-separated (a secret may hold colons, not commas)."""
    out: dict[str, str] = {}
    for entry in text.split(","):
        name, sep, secret = entry.partition(":")
        if name and sep and secret:
            out[name] = secret
    return out


def configured_clients() -> dict[str, str]:
    """OAuth2 clients the mock's token endpoints accept: VOXSPEC_MOCK_CLIENTS, `client_id:secret,...`."""
    return pairs(os.environ.get("VOXSPEC_MOCK_CLIENTS", "")) or pairs(DEFAULT_CLIENT)


def configured_users() -> dict[str, str]:
    """Users for password grants and HTTP basic auth: VOXSPEC_MOCK_USERS, `username:password,...`."""
    return pairs(os.environ.get("VOXSPEC_MOCK_USERS", "")) or pairs(DEFAULT_USER)


def _env_ttl() -> float | None:
    seconds = _env_float("VOXSPEC_MOCK_TOKEN_TTL")
    return seconds if seconds > 0 else None


@dataclass(frozen=True)
class MockConfig:
    """How the mock behaves; every field has a VOXSPEC_MOCK_* environment variable so that
    `voxspec mock --workers N` configures each worker process the same way."""

    keys: frozenset[str] = field(default_factory=lambda: frozenset(configured_keys()))
    state: str = field(default_factory=lambda: os.environ.get("VOXSPEC_MOCK_STATE", "memory"))
    rate_limit: bool = field(default_factory=lambda: os.environ.get("VOXSPEC_MOCK_RATE_LIMIT", "") in ("1", "true"))
    latency_ms: float = field(default_factory=lambda: _env_float("VOXSPEC_MOCK_LATENCY_MS"))
    error_rate: float = field(default_factory=lambda: _env_float("VOXSPEC_MOCK_ERROR_RATE"))
    webhook_url: str | None = field(default_factory=lambda: os.environ.get("VOXSPEC_MOCK_WEBHOOK_URL") or None)
    # Off by default: fuzzing creates subscriptions to made-up URLs, which the mock must not call.
    subscriptions: bool = field(
        default_factory=lambda: os.environ.get("VOXSPEC_MOCK_SUBSCRIPTIONS", "") in ("1", "true")
    )
    allow: tuple[str, ...] = field(
        default_factory=lambda: tuple(n for n in os.environ.get("VOXSPEC_MOCK_ALLOW", "").split(",") if n)
    )
    max_body: int = field(default_factory=lambda: _env_int("VOXSPEC_MOCK_MAX_BODY", DEFAULT_MAX_BODY))
    max_url: int = field(default_factory=lambda: _env_int("VOXSPEC_MOCK_MAX_URL", DEFAULT_MAX_URL))
    clients: Mapping[str, str] = field(default_factory=configured_clients)  # OAuth2 client id -> secret
    users: Mapping[str, str] = field(default_factory=configured_users)  # password grant and basic auth
    token_ttl: float | None = field(default_factory=_env_ttl)  # seconds; None: the spec's `expires_in`
    # The control API under /__voxspec/ (control.py): off unless asked for; from a peer outside loopback only
    # with this token in X-Voxspec-Control-Token.
    control: bool = field(default_factory=lambda: os.environ.get("VOXSPEC_MOCK_CONTROL", "") in ("1", "true"))
    control_token: str | None = field(default_factory=lambda: os.environ.get("VOXSPEC_MOCK_CONTROL_TOKEN") or None)

    def __repr__(self) -> str:
        return (
            f"MockConfig(keys=<{len(self.keys)} redacted>, state={self.state!r}, rate_limit={self.rate_limit}, "
            f"latency_ms={self.latency_ms}, error_rate={self.error_rate}, subscriptions={self.subscriptions}, "
            f"allow={self.allow!r}, max_body={self.max_body}, max_url={self.max_url}, clients={sorted(self.clients)}, "
            f"users={sorted(self.users)}, token_ttl={self.token_ttl}, control={self.control}, "
            f"control_token={'<redacted>' if self.control_token else None})"
        )


@dataclass
class ApiRequest:
    """One validated request as handlers see it."""

    operation_id: str
    path_params: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any
    prefer: dict[str, str] = field(default_factory=dict)
    client: str | None = None  # the caller's address, for allow-lists and rate limits
    principal: str = field(default="", repr=False)  # the credential the caller authenticated with


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json"


class Problem(Exception):
    """A request the pipeline refuses; `kind` picks the operation's declared error response."""

    def __init__(
        self,
        kind: str,
        message: str,
        headers: dict[str, str] | None = None,
        violation: dict[str, str] | None = None,
        violations: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.headers = headers or {}
        # {field, message, rule} of each fault of invalid input, for vendors that list violations
        self.violations = violations if violations is not None else ([violation] if violation else [])


Handler = Callable[[ApiRequest], Awaitable[ApiResponse]]


def _missing_property(error: Any, earlier: int) -> str | None:
    """The property a `required` error is about. jsonschema names it in the message ("'name' is a required
    property"); should a release word it otherwise, the errors still come one for each missing property, in the
    order the schema's `required` list gives them, so this is the one after the `earlier` ones at its place."""
    missing = [p for p in error.validator_value if isinstance(p, str) and p not in error.instance]
    named = next((p for p in missing if error.message == f"{p!r} is a required property"), None)
    if named is not None:
        return named
    return missing[earlier] if earlier < len(missing) else None


class Spec:
    """The runtime view of one API: operations, schemas and error shape, with compiled validators.

    The generator hands every schema over resolved (build inlines each reference; one that recurses stays a
    reference into the schema's own `$defs`), so each is a JSON Schema complete in itself and the mock follows
    no reference of its own: `resolve` is the identity here, the hook a Spec over a document's raw schemas
    overrides."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.operations: dict[str, dict[str, Any]] = dict(data["operations"])
        self.schemes: dict[str, dict[str, Any]] = dict(data["security_schemes"])
        self.error_shape: dict[str, Any] = dict(data["error_shape"])
        self._validators: dict[str, Any] = {}

    def validator(self, schema: Any) -> Any:
        """The compiled validator of a schema, kept by the schema's value (its JSON text): equal schemas share
        one, a copied or reloaded spec finds them again, and no recycled object id can hand out a stale one."""
        key = json.dumps(schema, separators=(",", ":"), check_circular=False)
        found = self._validators.get(key)
        if found is None:
            found = self._validators[key] = self.compile(schema)
        return found

    def compile(self, schema: Any) -> Any:
        return EcmaValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def resolve(self, schema: Any) -> Any:
        """The schema with its reference followed: the runtime data's are resolved already."""
        return schema

    def check(self, schema: Any, value: Any, where: str) -> None:
        """Raise Problem("invalid") listing every violation of value (up to MAX_VIOLATIONS), in document order:
        vendors that list violations name each field at fault, a missing one by its own name."""
        errors = list(islice(self.validator(schema).iter_errors(value), MAX_VIOLATIONS))
        if not errors:
            return
        named = where.split("'")[1] if "'" in where else None  # a parameter: the field is its name
        violations: list[dict[str, str]] = []
        messages: list[str] = []
        named_missing: dict[str, int] = {}  # required errors seen so far at each place
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
            at = "/".join(str(p) for p in error.absolute_path)
            messages.append(f"{where}{'/' + at if at else ''}: {error.message}")
            if error.validator == "required" and isinstance(error.instance, dict):
                # the missing property is the field at fault, not the object that lacks it
                earlier = named_missing.get(at, 0)
                named_missing[at] = earlier + 1
                missing = _missing_property(error, earlier)
                at = f"{at}/{missing}" if at and missing else missing or at
            field_name = (f"{named}/{at}" if at else named) if named else (at or where)
            violations.append({"field": field_name, "message": error.message, "rule": str(error.validator)})
        raise Problem("invalid", "; ".join(messages), violations=violations)

    def error_response(
        self, operation_id: str | None, kind: str, message: str, violations: list[dict[str, str]] | None = None
    ) -> ApiResponse:
        """The operation's own declared response for this kind of error, with our message in it."""
        responses: dict[str, Any] = self.operations[operation_id]["responses"] if operation_id else {}
        status_key = next((s for s in PREFERENCES[kind] if s in responses), None)
        if status_key is None and "default" in responses:
            status_key = "default"
        fallback = self.data.get("fallback_errors", {})
        declared = responses.get(status_key) if status_key else fallback.get(str(NATURAL[kind]))
        status = int(status_key) if status_key and status_key.isdigit() else NATURAL[kind]
        if status_key in ("4XX", "5XX"):
            status = NATURAL[kind] if str(NATURAL[kind])[0] == status_key[0] else int(status_key[0]) * 100
        if kind in FIXED_STATUS:
            status = NATURAL[kind]
        body: Any = {"message": message}
        headers: dict[str, str] = {}
        content_type = "application/json"
        if declared:
            examples = declared.get("examples") or []
            example = _pick_example(examples, kind)
            body = self._with_message(example, message, declared.get("schema"), status, violations or [])
            content_type = declared.get("content_type") or content_type
        if kind in ("rate_limited", "unavailable"):
            headers["Retry-After"] = "1"
        return ApiResponse(status, body, headers, content_type)

    def _with_message(
        self, example: Any, message: str, schema: Any, status: int, violations: list[dict[str, str]]
    ) -> Any:
        if not isinstance(example, dict):
            return example
        shaped = dict(example)
        for name, value in shaped.items():  # an example's list of violations is replaced by the request's own
            if isinstance(value, list) and value and isinstance(value[0], dict):
                shaped[name] = [_violation(value[0], v) for v in violations]
        field_name = self.error_shape.get("message_field")
        if field_name and isinstance(shaped.get(field_name), str):
            shaped[field_name] = message
        code_field = self.error_shape.get("code_field")
        if code_field and isinstance(shaped.get(code_field), int) and not isinstance(shaped[code_field], bool):
            shaped[code_field] = status
        if schema is not None and next(iter(self.validator(schema).iter_errors(shaped)), None) is not None:
            return example
        return shaped


def _violation(template: dict[str, Any], violation: dict[str, str]) -> dict[str, Any]:
    """One entry of a vendor's violations list, shaped like its example's, describing this request."""
    roles = {"field": "field", "path": "field", "property": "field", "pointer": "field", "parameter": "field"}
    roles |= {"message": "message", "detail": "message", "description": "message", "reason": "message"}
    roles |= {"code": "rule", "rule": "rule", "type": "rule"}
    return {k: violation[roles[k]] if k in roles else v for k, v in template.items()}


def _pick_example(examples: list[Any], kind: str) -> Any:
    return examples[0] if examples else {}


def coerce(raw: str, schema: Any, spec: Spec) -> Any:
    """A query/path/header string as the type its schema asks for; left a string when it is not one."""
    schema = spec.resolve(schema)
    kinds = _types(schema, spec)
    if "integer" in kinds and INTEGER.fullmatch(raw):
        return int(raw)
    if "number" in kinds and NUMBER.fullmatch(raw):
        number = float(raw)
        if math.isfinite(number):
            return int(number) if number.is_integer() and "integer" in kinds else number
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    if "null" in kinds and raw == "null" and "string" not in kinds:
        return None
    return raw


MEMO_BYTES = 4 * 1024 * 1024  # per memo
MEMO_ENTRY_BYTES = 16 * 1024
MEMO_OVERHEAD = 256  # a dict slot, its tuple key and the parsed containers, roughly
PATH_PARAMETER = re.compile(r"\{[^}]*\}")


class EmptyParameterPaths:
    """Paths that name an operation with an empty path parameter: `PUT /things/` for `PUT /things/{id}`.

    The router sees `/things/` as the collection and would answer 405 for a method only items take;
    the vendor reads it as an item that does not exist, so the mock answers its 404."""

    def __init__(self, routes: Mapping[str, Mapping[str, str]]) -> None:
        self._patterns = [
            (re.compile("([^/]*)".join(re.escape(part) for part in PATH_PARAMETER.split(path))), frozenset(methods))
            for path, methods in routes.items()
            if PATH_PARAMETER.search(path)
        ]

    def match(self, method: str, path: str) -> bool:
        """Whether path is one of method's templates with at least one parameter left empty."""
        for pattern, methods in self._patterns:
            found = pattern.fullmatch(path) if method in methods else None
            if found is not None and "" in found.groups():
                return True
        return False


class LiteralRoutes:
    """ASGI middleware: a request for a path without parameters goes straight to its route's app.

    Starlette tries every route's pattern in turn, and three middleware layers sit between the server and
    the route; for a path that can only be one route that is about a third of an answer's time. Anything
    else (a templated path, a method the path does not take, a mounted app) goes the usual way, so 404s,
    405s and their handlers are unchanged."""

    def __init__(self, app: ASGIApp, routes: Mapping[str, tuple[Collection[str], ASGIApp]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            entry = self.routes.get(scope["path"])
            if entry is not None and scope["method"] in entry[0]:
                await entry[1](scope, receive, send)
                return
        await self.app(scope, receive, send)

    @classmethod
    def of(cls, routes: Iterable[BaseRoute]) -> dict[str, tuple[Collection[str], ASGIApp]]:
        """The parameterless plain routes among routes, by path."""
        return {
            route.path: (frozenset(route.methods or ()), route.app)
            for route in routes
            if isinstance(route, Route) and not PATH_PARAMETER.search(route.path)
        }


def reads_as_json(raw: str) -> bool:
    """Whether a form part's text is taken as JSON: an object, array, null, boolean or signed/decimal number."""
    return (
        raw[:1] in ("{", "[") or raw in ("null", "true", "false") or bool(NUMBER.fullmatch(raw) and not raw.isdigit())
    )


def coerce_part(raw: str, schema: Any, spec: Spec) -> Any:
    """A form part: parts carry no type, and clients send structured values as JSON text, so a part
    that is a JSON object or array is taken as one. When the schema allows several types, the part
    is whichever reading of its text the schema accepts (`000` is a valid string, not the number 0)."""
    readings: list[Any] = []
    if reads_as_json(raw):
        try:
            readings.append(json.loads(raw))
        except ValueError:
            pass
    readings += [coerce(raw, schema, spec), raw]
    kinds = _types(spec.resolve(schema), spec)
    if len(kinds) > 1:
        for value in readings:
            if spec.validator(schema).is_valid(value):
                return value
    # A JSON reading of a type the schema does not take is the part's text after all: a string field whose
    # value is the word `null` or `true` (a password, a name) is that word, not a null.
    if (
        kinds
        and _json_kind(readings[0]) not in kinds
        and not (_json_kind(readings[0]) == "integer" and "number" in kinds)
    ):
        return readings[1]
    return readings[0]


def _json_kind(value: Any) -> str:
    """The JSON Schema type of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "string")


def _types(schema: Any, spec: Spec) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kinds = schema.get("type")
    out = set(kinds) if isinstance(kinds, list) else {kinds} if isinstance(kinds, str) else set()
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key) or []:
            out |= _types(spec.resolve(member), spec)
    for value in schema.get("enum") or []:
        out.add({bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value), "string"))
    return out


def parse_prefer(header: str | None) -> dict[str, str]:
    """Prism's `Prefer: code=404, example=name` header."""
    out: dict[str, str] = {}
    for part in (header or "").split(","):
        if "=" in part:
            key, value = part.split("=", 1)
            out[key.strip().lower()] = value.strip().strip('"')
    return out


class Memo:
    """A memo of what callers repeat, bounded by bytes: at most `max_bytes` of entries as `put` sizes them,
    emptied when full, and no entry larger than `max_entry` (a long, one-off value is not worth keeping).

    A count bound alone let distinct 60 KB query strings grow a worker by a gigabyte."""

    def __init__(self, max_bytes: int = MEMO_BYTES, max_entry: int = MEMO_ENTRY_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self.size = 0
        self._data: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Any) -> Any:
        return self._data.get(key)

    def put(self, key: Any, value: Any, size: int) -> None:
        """Keep value under key; size estimates the bytes both hold (text lengths plus MEMO_OVERHEAD)."""
        size += MEMO_OVERHEAD
        if size > self.max_entry:
            return
        if self.size + size > self.max_bytes:
            self._data.clear()
            self.size = 0
        self._data[key] = value
        self.size += size


class Pipeline:
    """Runs one operation: check limits, authenticate, parse, validate, handle, answer in the vendor's shape.

    Nothing a caller sends is kept before the caller is authenticated: the memos fill only afterwards."""

    def __init__(
        self,
        spec: Spec,
        handlers: object,
        authenticate: Callable[[str, str], bool] | None = None,
        config: MockConfig | None = None,
    ) -> None:
        self.spec = spec
        self.handlers = handlers
        default: Callable[[str, str], bool] = getattr(handlers, "authenticate", lambda scheme, value: True)
        self.authenticate = authenticate or default
        config = config or getattr(handlers, "config", None) or MockConfig()
        self.max_body = config.max_body
        self.max_url = config.max_url
        self._parameters = Memo()
        self._queries = Memo()
        # The control API (control.py) when the mock was started with it: it journals each call and may answer
        # in the handler's place. None keeps the hot path to one attribute test.
        self.control: Any = None

    def dispatcher(self, methods: Mapping[str, str]) -> Callable[[Request], Awaitable[Response]]:
        """The endpoint of one path: picks the operation by HTTP method (HEAD answers like GET)."""

        async def run(request: Request) -> Response:
            method = request.method if request.method in methods else "GET"
            return await self.run(methods[method], request)

        run.__name__ = "_".join(sorted(methods.values()))
        return run

    async def run(self, operation_id: str, request: Request) -> Response:
        if self.control is not None:
            controlled: Response = await self.control.run(operation_id, request)
            return controlled
        return render(await self.answer(operation_id, request))

    async def answer(self, operation_id: str, request: Request) -> ApiResponse:
        """The operation's answer to request; with the control API on, the parsed request is left in the scope."""
        op = self.spec.operations[operation_id]
        try:
            raw_query: bytes = request.scope.get("query_string", b"")
            if len(raw_query) + len(request.scope["path"]) > self.max_url:
                raise Problem("uri_too_long", f"the URL is longer than {self.max_url} bytes")
            if request.scope["path"].endswith("\n") and not str(op["path"]).endswith("}"):
                # Starlette's route patterns end in `$`, which also matches before a final newline: `/agent/%0A`
                # lands on the agent list, where it names an agent "\n" that no list holds.
                raise Problem("not_found", "no such resource")
            query = self._queries.get(raw_query)
            known = query is not None
            if query is None:
                query = parse_query(raw_query)
            principal = self.check_security(op, request, query)
            if not known:
                self._queries.put(raw_query, query, 3 * len(raw_query))
            api_request = await self.parse(operation_id, op, request, query)
            api_request.principal = principal
            api_request.client = request.client.host if request.client else None
            if self.control is not None:
                request.scope["voxspec.request"] = api_request
            handler: Handler = getattr(self.handlers, operation_id)
            result = await handler(api_request)
        except Problem as problem:
            result = self.spec.error_response(operation_id, problem.kind, problem.message, problem.violations)
            result.headers.update(problem.headers)
        except ClientDisconnect:  # the caller hung up mid-request: nobody to answer, nothing wrong with the mock
            log.info("%s %s: the client disconnected before sending its request", request.method, request.url.path)
            result = self.spec.error_response(operation_id, "invalid", "the request was not received whole")
        except RecursionError:  # input nested past what validation can walk: the caller's error, one line
            log.warning("%s: the request nests too deeply to validate", operation_id)
            result = self.spec.error_response(operation_id, "invalid", "the request nests too deeply")
        except Exception:  # a handler bug must not become a 500 the vendor would never send
            log.exception("handler for %s failed", operation_id)
            result = self.spec.error_response(operation_id, "invalid", "the request could not be processed")
        return result

    def query(self, request: Request) -> dict[str, list[str]]:
        """The query string's values by name, as Starlette's QueryParams reads them (memoized once authenticated)."""
        raw: bytes = request.scope.get("query_string", b"")
        parsed = self._queries.get(raw)
        return parsed if parsed is not None else parse_query(raw)

    def check_security(
        self, op: Mapping[str, Any], request: Request, query: Mapping[str, list[str]] | None = None
    ) -> str:
        """The credential the caller authenticated with ("" for an open operation)."""
        requirements: list[list[str]] = op["security"]
        if not requirements or any(not names for names in requirements):
            return ""
        if query is None:
            query = self.query(request)
        for names in requirements:
            values = [self._credential(name, request, query) for name in names]
            if all(values):
                return str(values[0])
        raise Problem("auth", "missing or invalid credentials")

    def _credential(self, scheme_name: str, request: Request, query: Mapping[str, list[str]]) -> str | None:
        scheme = self.spec.schemes.get(scheme_name)
        if scheme is None:
            return None
        value = credential(scheme, request, query)
        return value if value and self.authenticate(scheme_name, value) else None

    async def parse(
        self, operation_id: str, op: Mapping[str, Any], request: Request, query: Mapping[str, list[str]] | None = None
    ) -> ApiRequest:
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}, "cookie": {}}
        if query is None:
            query = self.query(request)
        faults: list[Problem] = []  # every parameter at fault, so the answer can list them all
        for param in op["parameters"]:
            name, where = param["name"], param["in"]
            raw_values = _raw_values(request, query, name, where)
            if not raw_values:
                if param["required"]:
                    fault = {"field": name, "message": "is required", "rule": "required"}
                    faults.append(Problem("invalid", f"{where} parameter {name!r} is required", violation=fault))
                continue
            try:
                values[where][name] = self._parameter(operation_id, param, raw_values)
            except Problem as problem:
                faults.append(problem)
        if faults:
            message = "; ".join(p.message for p in faults)
            raise Problem("invalid", message, violations=[v for p in faults for v in p.violations])
        body = await self.parse_body(op, request)
        return ApiRequest(
            operation_id,
            values["path"],
            values["query"],
            values["header"],
            body,
            parse_prefer(request.headers.get("prefer")),
        )

    def _parameter(self, operation_id: str, param: Mapping[str, Any], raw_values: list[str]) -> Any:
        """One parameter's value, coerced to its schema's type and checked against it.

        Memoized per parameter and raw text: callers repeat the same values, and the schema check is the
        costliest step of a simple GET. The memo is bounded and holds verdicts, never request data beyond it."""
        # Keyed by what names the parameter (its operation, place and name) and the text, not by the identity
        # of a dict that a reloaded or copied spec would give another id.
        key = (operation_id, param["in"], param["name"], tuple(raw_values))
        verdict = self._parameters.get(key)
        if verdict is None:
            name, where, schema = param["name"], param["in"], param["schema"]
            try:
                if _is_array(schema, self.spec):
                    items = self.spec.resolve(schema).get("items", {})
                    parts = raw_values if param.get("explode", True) else raw_values[0].split(",")
                    value: Any = [coerce(v, items, self.spec) for v in parts]
                elif len(raw_values) > 1 and where == "query":
                    fault = {"field": name, "message": f"takes one value, got {len(raw_values)}", "rule": "maxItems"}
                    message = f"query parameter {name!r} takes one value, got {len(raw_values)}"
                    raise Problem("invalid", message, violation=fault)
                else:
                    value = coerce(raw_values[-1], schema, self.spec)
                self.spec.check(schema, value, f"{where} parameter {name!r}")
                verdict = (True, value)
            except Problem as problem:
                verdict = (False, problem)
            self._parameters.put(key, verdict, 2 * sum(len(v) for v in raw_values))
        accepted, value = verdict
        if not accepted:
            raise Problem("invalid", value.message, violations=value.violations)
        return list(value) if isinstance(value, list) else value

    async def read_body(self, request: Request) -> bytes:
        """The body, refused (413) past max_body without reading the rest: by its Content-Length when it
        declares one (uvicorn holds a body to its declared length), else as the chunks arrive."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit():
            if int(declared) > self.max_body:
                raise Problem("too_large", f"the body is larger than {self.max_body} bytes")
            return await request.body()
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise Problem("too_large", f"the body is larger than {self.max_body} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        request._body = raw  # where Starlette keeps a read body, so that request.form() reads it again
        return raw

    async def parse_body(self, op: Mapping[str, Any], request: Request) -> Any:
        spec_body = op.get("body")
        if spec_body is None:  # an operation without a body ignores whatever was sent; no need to read it
            return None
        raw = await self.read_body(request)
        if not raw:
            if spec_body["required"]:
                raise Problem("invalid", "a request body is required")
            return None
        sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
        content: dict[str, Any] = spec_body["content"]
        if sent not in content:
            raise Problem("media", f"expected a {' or '.join(content)} body, got {sent or 'no content type'}")
        schema = content[sent]
        if "json" in sent:
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise Problem("invalid", "the body is not valid JSON") from None
            except RecursionError:
                raise Problem("invalid", f"the body nests deeper than {MAX_DEPTH} levels") from None
            if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and nests_deeper(body, MAX_DEPTH):
                raise Problem("invalid", f"the body nests deeper than {MAX_DEPTH} levels")
        else:
            try:
                form = await request.form()
            except Exception:
                raise Problem("invalid", "the form body cannot be parsed") from None
            properties = self.spec.resolve(schema).get("properties") or {}
            body = {}
            try:
                for key in form:
                    entries = form.getlist(key)
                    parsed = [
                        "<file>" if isinstance(v, UploadFile) else coerce_part(v, properties.get(key, {}), self.spec)
                        for v in entries
                    ]
                    # A part given twice is a list, which only an array property takes: as with a single-valued
                    # query parameter given twice, the vendor would not silently keep one of them.
                    repeated = len(parsed) > 1
                    body[key] = parsed if repeated or _is_array(properties.get(key, {}), self.spec) else parsed[0]
            finally:
                # Uploaded parts spool to temporary files and only their presence is kept: release them now.
                await form.close()
            if nests_deeper(body, MAX_DEPTH):
                raise Problem("invalid", f"the body nests deeper than {MAX_DEPTH} levels")
        self.spec.check(schema, body, "body")
        return body


def parse_query(raw: bytes) -> dict[str, list[str]]:
    """A query string's values by name, as Starlette's QueryParams reads them."""
    parsed: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        parsed.setdefault(name, []).append(value)
    return parsed


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value holds containers more than `limit` levels deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _raw_values(request: Request, query: Mapping[str, list[str]], name: str, where: str) -> list[str]:
    if where == "path":
        value = request.path_params.get(name)
        return [] if value is None else [str(value)]
    if where == "query":
        return list(query.get(name, ()))
    if where == "header":
        return request.headers.getlist(name)
    cookie = request.cookies.get(name)
    return [] if cookie is None else [cookie]


def _is_array(schema: Any, spec: Spec) -> bool:
    resolved = spec.resolve(schema)
    return isinstance(resolved, dict) and resolved.get("type") == "array"


def credential(scheme: Mapping[str, Any], request: Request, query: Mapping[str, list[str]]) -> str | None:
    kind, name = scheme["kind"], scheme["param_name"]
    if kind == "header":
        return request.headers.get(name)
    if kind == "query":
        return query[name][-1] if query.get(name) else None  # the last, as Starlette's QueryParams.get
    if kind == "cookie":
        return request.cookies.get(name)
    header = request.headers.get("authorization", "")
    prefix = "basic " if kind == "basic" else "bearer "
    if header.lower().startswith(prefix):
        return header[len(prefix) :].strip()
    return None


def render(result: ApiResponse) -> Response:
    if result.body is None or result.status in (204, 304) or result.content_type is None:
        return Response(status_code=result.status, headers=result.headers)
    if "json" in result.content_type:
        return JSONResponse(
            result.body, status_code=result.status, headers=result.headers, media_type=result.content_type
        )
    return Response(str(result.body), status_code=result.status, headers=result.headers, media_type=result.content_type)
