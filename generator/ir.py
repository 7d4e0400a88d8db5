"""The intermediate representation: everything templates may know about one vendor's API.

Frozen dataclasses only; no Jinja, no I/O. Names and type strings arrive finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    py_name: str
    kind: str  # "header" | "query" | "cookie" | "bearer" | "basic" | "oauth2"
    param_name: str  # header/query/cookie name; "Authorization" for bearer/basic/oauth2
    description: str
    deprecated: bool
    token_url: str | None = None
    flow: str | None = None  # oauth2: "clientCredentials" | "password"
    token_request: str = "form"  # oauth2: how the token request is encoded, "form" or "json"

    @property
    def fetches_token(self) -> bool:
        """Whether the client fetches this scheme's token itself (an OAuth2 flow with a token URL)."""
        return self.kind == "oauth2" and self.flow in ("clientCredentials", "password") and bool(self.token_url)

    @property
    def password_grant(self) -> bool:
        return self.fetches_token and self.flow == "password"


@dataclass(frozen=True)
class Parameter:
    name: str
    py_name: str
    location: str  # path | query | header | cookie | body (form field)
    required: bool
    py_type: str
    default_repr: str | None
    description: str
    schema: dict[str, Any] = field(repr=False)
    explode: bool = True
    example: Any = field(default=None, repr=False)  # the parameter's own `example` (or its schema's), None if none


@dataclass(frozen=True)
class Body:
    content_type: str
    required: bool
    py_type: str
    model: str | None
    schema: dict[str, Any] = field(repr=False)
    fields: tuple[Parameter, ...] = ()  # form and multipart bodies: one argument per field
    content: tuple[tuple[str, Any], ...] = field(default=(), repr=False)  # every declared (media type, schema)
    description: str = ""  # the requestBody's own description, for the `body` argument's docs


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX", "default"
    description: str
    content_type: str | None
    py_type: str
    schema: dict[str, Any] | None = field(repr=False)
    examples: tuple[Any, ...] = field(default=(), repr=False)
    headers: tuple[str, ...] = ()
    example_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pagination:
    style: str  # "offset" | "page"
    limit: str | None
    offset: str | None
    page: str | None
    size: str | None
    items: str | None
    item_type: str = "Any"  # the annotation of one item of a page


@dataclass(frozen=True)
class Envelope:
    """How an operation's answer is wrapped (`x-voxspec-envelope`), as the client unwraps it."""

    success: str | None  # boolean field: false means the call failed
    code: str | None  # integer field: outside 2xx means the call failed
    message: str | None
    data: str | None  # the field returned to the caller; None when the answer has fields beside the envelope


@dataclass(frozen=True)
class Operation:
    op_id: str
    method: str
    path: str
    path_format: str  # path with {py_name} placeholders for str.format
    summary: str
    description: str
    tag: str
    deprecated: bool
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    success: Response
    security: tuple[tuple[str, ...], ...]
    pagination: Pagination | None
    idempotent: bool
    server: str | None = None  # an operation- or path-level server URL that replaces the API's
    envelope: Envelope | None = None
    returns: str = "Any"  # the client method's return annotation: the success type, unwrapped from its envelope
    rate_limit: RateLimit | None = None  # the operation's own `x-voxspec-rate-limit`; Api.rate_limit covers the rest
    # `x-voxspec-effects`: what calling it does in the world (places a call, logs an agent out), whatever its
    # method; None for an operation that only reads. Contract runs, docs and clients treat a marked one as a write.
    effects: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def writes(self) -> bool:
        """Whether calling it changes something: a method other than GET/HEAD, or an operation with effects."""
        return self.effects is not None or self.method not in ("GET", "HEAD")

    @property
    def arguments(self) -> tuple[Parameter, ...]:
        """Client method arguments: required first, then optional, in spec order."""
        fields = self.body.fields if self.body else ()
        every = (*self.parameters, *fields)
        return tuple(p for p in every if p.required and p.default_repr is None) + tuple(
            p for p in every if not (p.required and p.default_repr is None)
        )


@dataclass(frozen=True)
class Tag:
    name: str
    description: str
    operations: tuple[str, ...]


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_seconds: int


@dataclass(frozen=True)
class ErrorShape:
    code_field: str | None
    message_field: str | None


@dataclass(frozen=True)
class Decision:
    pointer: str
    text: str


@dataclass(frozen=True)
class Webhook:
    name: str
    event: str
    summary: str
    py_type: str
    schema: dict[str, Any] = field(repr=False)
    event_field: str = "event"  # the body field naming the event
    example: Any = field(default=None, repr=False)  # the request body the vendor posts, from the spec


@dataclass(frozen=True)
class Api:
    vendor: str
    package: str
    distribution: str
    title: str
    version: str
    description: str
    source: str  # the spec's path relative to the repository
    spec_hash: str
    base_url: str
    base_path: str  # the path part of the first server URL; the mock serves routes under it
    servers: tuple[str, ...]
    security_schemes: tuple[SecurityScheme, ...]
    operations: tuple[Operation, ...]
    tags: tuple[Tag, ...]
    rate_limit: RateLimit | None
    error_shape: ErrorShape
    decisions: tuple[Decision, ...]
    webhooks: tuple[Webhook, ...]
    model_names: tuple[str, ...]
    openapi: dict[str, Any] = field(repr=False)  # the document, for models and the mock runtime
    package_version: str = "0.1.0"  # info.x-voxspec-package-version: the generated package's own semver

    @property
    def header(self) -> str:
        return f"Generated by voxspec from {self.source} (sha256 {self.spec_hash[:16]}). Do not edit."
