"""The intermediate representation: everything templates may know about one vendor's API.

Frozen dataclasses only; no Jinja, no I/O. Names and type strings arrive finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.pointer import escape, pointer_join, unescape

# Declared once, in the runtime every generated package carries: the IR's envelopes, pages and error shapes are the
# classes the client reads its table with, Envelope and Pagination with one field more each (generator/ARCHITECTURE.md).
from generator.runtime._shapes import Envelope as ClientEnvelope
from generator.runtime._shapes import ErrorShape, Paging

__all__ = [
    "COMPONENT_SCHEMAS",
    "AllowList",
    "Api",
    "ApiBehaviour",
    "AsyncRule",
    "Body",
    "CrudBinding",
    "Decision",
    "Envelope",
    "ErrorShape",
    "Example",
    "ExtensionRow",
    "Integrity",
    "IntegrityChild",
    "Operation",
    "OperationBehaviour",
    "Pagination",
    "Parameter",
    "RateLimit",
    "Response",
    "ResponseHeader",
    "SecurityScheme",
    "SelfAlias",
    "Subscription",
    "SynchronousRule",
    "Tag",
    "Webhook",
    "component_name",
    "component_pointer",
    "is_reference",
    "reference",
]


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
    # the first of its own examples, else its schema's `example`; None if none
    example: Any = field(default=None, repr=False)
    # -- read by the docs and the proxy --
    examples: tuple[Example, ...] = field(default=(), repr=False)  # its own `example`, then its named `examples`
    pointer: str = ""  # the entry in the operation's (or path item's) parameter list that declares it
    schema_pointer: str = ""  # where its schema is written, references on the way followed
    # -- read by the mock --
    resolved_schema: Any = field(default=None, repr=False)  # `schema` with its $refs inlined (openapi.SchemaInliner)


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
    # -- read by the docs and the proxy --
    examples: tuple[Example, ...] = field(default=(), repr=False)  # of the content type the client sends
    pointer: str = ""  # where the request body object is written, a reference to it followed
    # -- read by the mock --
    resolved_content: tuple[tuple[str, Any], ...] = field(default=(), repr=False)  # `content`, $refs inlined


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
    # -- read by the proxy --
    pointer: str = ""  # where the response object is written, a reference to it followed
    declared_headers: tuple[ResponseHeader, ...] = ()  # in the order the spec declares them
    # -- read by the mock --
    resolved_schema: Any = field(default=None, repr=False)  # `schema` with its $refs inlined


@dataclass(frozen=True)
class Pagination(Paging):
    """How a list operation pages, as the generated client's table row has it, and the type of one item."""

    item_type: str = "Any"  # the annotation of one item of a page


@dataclass(frozen=True)
class Envelope(ClientEnvelope):
    """How an operation's answer is wrapped (`x-voxspec-envelope`): as the client unwraps it, and for the mock
    the field the envelope names as its data."""

    data_field: str | None = None  # the field the envelope names as its data, whatever else the answer holds


# -- Behaviours a spec declares with its x-voxspec-* extensions (specs/CONVENTIONS.md), read once by build.
# The mock acts them out; its runtime data (render.runtime_spec) is cut from these fields alone.


@dataclass(frozen=True)
class CrudBinding:
    """`x-voxspec-crud`: the resource an operation acts on and how, where method and path do not say it."""

    resource: str
    action: str  # create | read | list | update | replace | delete
    id: str | None = None  # the name of the resource's id (a path parameter, or a body field)
    field: str | None = None  # the body field that holds the id


@dataclass(frozen=True)
class AsyncRule:
    """`x-voxspec-async`: a create the vendor accepts first; the resource then moves through `states`."""

    states: tuple[Any, ...]
    status_field: str = "status"
    poll: str | None = None  # the operation that answers the state the resource has reached
    seconds: float = 0  # how long each state before the final lasts on the mock's clock; 0: one poll each


@dataclass(frozen=True)
class SynchronousRule:
    """`x-voxspec-synchronous`: without `parameter` set to `value` the vendor only accepts the call (202)."""

    parameter: str | None
    value: Any = None


@dataclass(frozen=True)
class Subscription:
    """`x-voxspec-subscription`: records this create makes are subscriptions; the fields naming URL and event."""

    url_field: str
    event_field: str
    filters: tuple[str, ...] = ()  # fields whose value narrows the subscription to events with that value
    wildcard: Any = None  # the value of a filter field that narrows nothing


@dataclass(frozen=True)
class IntegrityChild:
    """Records of the resource `operation` lists that refer to a deleted one: by `field`, or by their path."""

    operation: str
    field: str | None
    on_delete: str  # reject | cascade


@dataclass(frozen=True)
class Integrity:
    """`x-voxspec-integrity` of an operation, the root's `duplicate` filled in as its default."""

    duplicate: str = "replace"  # a create whose id is stored already: reject (409) or replace
    unique: tuple[tuple[str, ...], ...] = ()  # field sets no two records of one parent share
    children: tuple[IntegrityChild, ...] = ()


@dataclass(frozen=True)
class OperationBehaviour:
    """What an operation does beyond its schemas, as its extensions declare it."""

    crud: CrudBinding | None = None
    async_rule: AsyncRule | None = None
    synchronous: SynchronousRule | None = None
    subscription: Subscription | None = None
    integrity: Integrity = Integrity()
    emits: tuple[str, ...] = ()  # `x-voxspec-emits`: the webhook events a success sends
    token_endpoint: str | None = None  # `x-voxspec-token-endpoint`: the OAuth2 scheme whose tokens it issues


@dataclass(frozen=True)
class AllowList:
    """`x-voxspec-allow-list`: the vendor refuses callers outside the account's networks, so."""

    status: int
    message: str


@dataclass(frozen=True)
class SelfAlias:
    """`x-voxspec-self-alias`: a path value (such as `~`) that stands for the caller's own resource."""

    value: str
    parameters: tuple[str, ...]


@dataclass(frozen=True)
class ApiBehaviour:
    """What the API does as a whole, as the root's extensions declare it."""

    allow_list: AllowList | None = None
    self_alias: SelfAlias | None = None


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
    # -- read by the docs --
    extension_rows: tuple[ExtensionRow, ...] = ()  # its voxspec extensions, as the docs' behaviours table lists them
    # -- read by the mock --
    behaviour: OperationBehaviour = OperationBehaviour()

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
    resolved_schema: Any = field(default=None, repr=False)  # `schema` with its $refs inlined


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
    package_version: str = "0.1.0"  # info.x-voxspec-package-version: the generated package's own semver
    # -- read by the models, the docs and the proxy --
    # The component schemas by name, in spec order, as written: their references name components (see
    # component_name) and are followed with Api.resolve.
    components: Mapping[str, Any] = field(default_factory=dict, repr=False)
    extension_rows: tuple[ExtensionRow, ...] = ()  # the document's own top-level voxspec extensions, likewise
    source_document: str | None = None  # info.x-source: the vendor document the spec was written from
    # -- read by the mock --
    server_variables: tuple[tuple[str, str], ...] = ()  # the first server's variables at their defaults
    behaviour: ApiBehaviour = ApiBehaviour()

    @property
    def header(self) -> str:
        return f"Generated by voxspec from {self.source} (sha256 {self.spec_hash[:16]}). Do not edit."

    def resolve(self, schema: Any) -> Any:
        """schema with its references into the component schemas followed; {} where one leads nowhere or in a
        loop. A schema that is no reference comes back as it is."""
        return self.target(schema)[1]

    def schema_document(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """schema as a JSON Schema document a validator can take whole: the component schemas beside it, where
        its references find them."""
        return {**schema, "components": {"schemas": dict(self.components)}}

    def target(self, schema: Any) -> tuple[str | None, Any]:
        """(pointer, schema) where schema's chain of references ends: the JSON pointer in the spec of the last
        one's target (None when schema is no reference) and the schema there; {} where one leads nowhere."""
        seen: set[str] = set()
        pointer = None
        while is_reference(schema):
            ref = schema[REF]
            if ref in seen or not ref.startswith(COMPONENT_SCHEMAS):
                return pointer, {}
            seen.add(ref)
            node: Any = self.components
            for token in ref[len(COMPONENT_SCHEMAS) :].split("/"):
                key = unescape(token)
                if isinstance(node, Mapping) and key in node:
                    node = node[key]
                elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                    node = node[int(key)]
                else:
                    return pointer, {}
            pointer, schema = ref[1:], node
        return pointer, schema


# -- Schemas, examples and extension rows as the IR carries them ---------------------------------------------------
# The IR's schemas are JSON Schema as the spec writes them. Build leaves in them only references to component
# schemas (`#/components/schemas/<name>`); these functions are how a consumer reads and writes one, so none spells
# the reference syntax itself.

REF = "$ref"
COMPONENT_SCHEMAS = "#/components/schemas/"


def is_reference(schema: Any) -> bool:
    return isinstance(schema, Mapping) and isinstance(schema.get(REF), str)


def component_name(schema: Any) -> str | None:
    """The component a schema refers to as a whole (`Call` for a reference to `#/components/schemas/Call`), else
    None: for no reference, and for one to a place inside a component."""
    if not is_reference(schema) or not schema[REF].startswith(COMPONENT_SCHEMAS):
        return None
    name: str = schema[REF][len(COMPONENT_SCHEMAS) :]
    return name if name and "/" not in name else None


def reference(name: str) -> dict[str, Any]:
    """A schema that refers to the component schema `name`."""
    return {REF: COMPONENT_SCHEMAS + escape(name)}


def component_pointer(name: str) -> str:
    """The JSON pointer of the component schema `name` in the spec."""
    return pointer_join("/components/schemas", name)


@dataclass(frozen=True)
class Example:
    """A named example value (`example` for the unnamed one) of a parameter, request body or response."""

    name: str
    value: Any = field(repr=False)


@dataclass(frozen=True)
class ExtensionRow:
    """One voxspec extension the docs list as a behaviour: its name without `x-voxspec-` and its value without
    the decision texts (which the docs show on their own)."""

    name: str
    value: Any


@dataclass(frozen=True)
class ResponseHeader:
    name: str
    required: bool
    schema: Any = field(repr=False)  # None when the header declares none
    pointer: str = ""  # where the header object is written, a reference to it followed
