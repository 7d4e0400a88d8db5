"""Typed exceptions of generated clients: one class per kind of failure, all carrying the same fields.

Copied verbatim into each generated package as `_errors.py`; imports nothing outside the standard library.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failed call: a non-2xx answer, or a 2xx whose envelope says it failed.

    `status` is the HTTP status, `code` the vendor's own error code (from the body, when the vendor
    sends one), `message` the vendor's message, `request_id` the id the vendor gave the request,
    `body` the decoded error body and `request` the method and URL with every secret redacted.
    """

    def __init__(
        self,
        status: int,
        code: Any,
        message: str,
        request_id: str | None,
        body: Any,
        operation_id: str,
        request: str = "",
    ) -> None:
        super().__init__(f"{operation_id}: HTTP {status}" + (f" [{code}]" if code is not None else "") + f": {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.body = body
        self.operation_id = operation_id
        self.request = request

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r}, operation_id={self.operation_id!r})"
        )


class BadRequestError(ApiError):
    """400: the vendor rejected the input."""


class AuthenticationError(ApiError):
    """401: missing, wrong or expired credentials (also a failed OAuth2 token request)."""


class PermissionDeniedError(ApiError):
    """403: the credentials are valid but not allowed to do this (or the caller's IP is not allow-listed)."""


class NotFoundError(ApiError):
    """404: no such resource."""


class ConflictError(ApiError):
    """409: the resource is in a state that forbids the call."""


class UnprocessableEntityError(ApiError):
    """422: well-formed input the vendor could not process."""


class RateLimitError(ApiError):
    """429: too many requests; `retry_after` is the wait in seconds the vendor asked for, if any."""

    retry_after: float | None = None


class ServerError(ApiError):
    """5xx: the vendor failed."""


class EnvelopeError(ApiError):
    """A 2xx answer whose envelope reports failure (`success: false`, or a non-2xx `code`)."""


class RedirectError(ApiError):
    """A redirect the client did not follow: to another origin (scheme, host or port), where the credentials
    must not go, or one too many. `location` is where the server pointed, with every secret redacted."""

    location: str = ""


class NetworkError(Exception):
    """The request never got an answer (connection refused, timeout, broken connection), after any retries."""

    def __init__(self, operation_id: str, request: str, reason: str) -> None:
        super().__init__(f"{operation_id}: {request}: {reason}")
        self.operation_id = operation_id
        self.request = request
        self.reason = reason


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class(status: int) -> type[ApiError]:
    if status >= 500:
        return ServerError
    return BY_STATUS.get(status, ApiError)
