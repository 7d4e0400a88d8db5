"""HTTP plumbing of generated clients: auth, request building, errors, response parsing.

Copied verbatim into each generated package as `_http.py`; imports only httpx and pydantic.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

T = TypeVar("T")
REDACTED = "********"


class Secret:
    """A credential that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    __str__ = __repr__


class ApiError(Exception):
    """A non-2xx answer from the vendor, in the vendor's own error shape."""

    def __init__(
        self, status: int, code: Any, message: str, request_id: str | None, body: Any, operation_id: str
    ) -> None:
        super().__init__(f"{operation_id}: HTTP {status}" + (f" [{code}]" if code is not None else "") + f": {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.body = body
        self.operation_id = operation_id


@dataclass(frozen=True)
class Scheme:
    name: str
    kind: str  # header | query | cookie | bearer | basic | oauth2
    param_name: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    security: tuple[tuple[str, ...], ...]
    idempotent: bool
    server: str | None = None  # replaces the client's base URL for this operation (e.g. a token endpoint)


@dataclass(frozen=True)
class ErrorShape:
    code_field: str | None
    message_field: str | None


def encode(value: Any) -> Any:
    """A query/header/form value as the string the API expects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return encode(value)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def parse(kind: Any, data: Any) -> Any:
    if kind is Any or kind is None:
        return data
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter.validate_python(data)


class Credentials:
    """The caller's secrets by security scheme name; applied to a request per its requirements."""

    def __init__(self, schemes: Sequence[Scheme], values: Mapping[str, str | None]) -> None:
        self._schemes = {s.name: s for s in schemes}
        self._values = {name: Secret(v) for name, v in values.items() if v}

    def __repr__(self) -> str:
        return f"Credentials({sorted(self._values)})"

    def apply(
        self, operation: Operation, params: dict[str, Any], headers: dict[str, str], cookies: dict[str, str]
    ) -> None:
        for requirement in operation.security:
            if all(name in self._values for name in requirement):
                for name in requirement:
                    self._apply_one(self._schemes[name], self._values[name].get(), params, headers, cookies)
                return

    @staticmethod
    def _apply_one(
        scheme: Scheme, value: str, params: dict[str, Any], headers: dict[str, str], cookies: dict[str, str]
    ) -> None:
        if scheme.kind == "header":
            headers[scheme.param_name] = value
        elif scheme.kind == "query":
            params[scheme.param_name] = value
        elif scheme.kind == "cookie":
            cookies[scheme.param_name] = value
        elif scheme.kind == "basic":
            headers["Authorization"] = f"Basic {value}"
        else:
            headers["Authorization"] = f"Bearer {value}"


class BaseClient:
    """What the sync and async clients share: request building and response handling."""

    def __init__(
        self, base_url: str, credentials: Credentials, error_shape: ErrorShape, headers: Mapping[str, str] | None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._error_shape = error_shape
        self._headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, credentials={self._credentials!r})"

    def _build(
        self,
        operation: Operation,
        path: str,
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        params = {k: encode(v) for k, v in query.items() if v is not None}
        sent_headers = {**self._headers, **{k: str(encode(v)) for k, v in headers.items() if v is not None}}
        cookies: dict[str, str] = {}
        self._credentials.apply(operation, params, sent_headers, cookies)
        request: dict[str, Any] = {
            "method": operation.method,
            "url": (operation.server or self.base_url) + path,
            "params": params,
            "headers": sent_headers,
        }
        if cookies:
            request["cookies"] = cookies
        if json_body is not None:
            request["json"] = jsonable(json_body)
        if form:
            request["data"] = {k: encode(v) for k, v in form.items() if v is not None}
        if files:
            request["files"] = files
        return request

    def _handle(self, operation: Operation, response: httpx.Response, returns: Any) -> Any:
        if response.is_success:
            if response.status_code == 204 or not response.content:
                return None
            return parse(returns, response.json())
        raise self._error(operation, response)

    def _error(self, operation: Operation, response: httpx.Response) -> ApiError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        code = message = None
        if isinstance(body, dict):
            if self._error_shape.code_field:
                code = body.get(self._error_shape.code_field)
            if self._error_shape.message_field:
                message = body.get(self._error_shape.message_field)
        request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
        return ApiError(
            response.status_code, code, str(message or response.reason_phrase), request_id, body, operation.operation_id
        )
