"""The view model handed to the docs templates: frozen dataclasses, no Jinja, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Seg:
    """One piece of a type expression; href is set when it names a component schema."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Note:
    label: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    depth: int
    name: str
    type: tuple[Seg, ...]
    required: bool
    description: Markup
    notes: tuple[Note, ...]
    label: bool = False  # a heading row ("option 1"), not a field


@dataclass(frozen=True)
class SchemaView:
    type: tuple[Seg, ...]
    description: Markup
    notes: tuple[Note, ...]
    rows: tuple[Row, ...]
    component: str | None  # set when the schema is a reference to one component: a link says it all


@dataclass(frozen=True)
class Example:
    name: str
    text: str


@dataclass(frozen=True)
class ParamView:
    name: str
    py_name: str
    location: str
    type: tuple[Seg, ...]
    required: bool
    default: str | None
    enum: tuple[str, ...]
    description: Markup
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class BodyView:
    content_type: str
    required: bool
    schema: SchemaView
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class ResponseView:
    status: str
    kind: str  # "success" | "error" | "other"
    description: Markup
    content_type: str | None
    schema: SchemaView | None
    examples: tuple[Example, ...]
    headers: tuple[str, ...]


@dataclass(frozen=True)
class SchemeRef:
    name: str
    anchor: str
    deprecated: bool


@dataclass(frozen=True)
class DecisionView:
    pointer: str
    text: Markup
    href: str | None
    label: str = ""  # the pointer relative to the section that shows it; the full pointer otherwise


@dataclass(frozen=True)
class Behaviour:
    name: str
    text: str


@dataclass(frozen=True)
class OpView:
    op_id: str
    method: str
    path: str
    path_html: Markup  # the path with line-break opportunities after each slash, for the narrow sidebar
    summary: str
    description: Markup
    tag: str
    deprecated: bool
    effects: str | None  # what calling it does (x-voxspec-effects), shown as a badge
    search: str
    auth: tuple[tuple[SchemeRef, ...], ...]  # alternatives; an empty one means "no credentials"
    rate_limit: str | None
    base_url: str
    params: tuple[ParamView, ...]
    body: BodyView | None
    responses: tuple[ResponseView, ...]
    errors: tuple[ResponseView, ...]
    behaviours: tuple[Behaviour, ...]
    python: str
    curl: str
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True)
class TagView:
    name: str
    anchor: str
    description: Markup
    operations: tuple[OpView, ...]


@dataclass(frozen=True)
class SchemeView:
    name: str
    anchor: str
    kind: str
    where: Markup
    description: Markup
    deprecated: bool
    python_arg: str
    env_var: str
    token_url: str | None
    decisions: tuple[DecisionView, ...]
    python_grant: str | None = None  # OAuth2 sign-in: the Client arguments of the grant the client performs


@dataclass(frozen=True)
class ComponentView:
    name: str
    anchor: str
    schema: SchemaView
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True)
class WebhookView:
    name: str
    anchor: str
    event: str
    summary: str
    schema: SchemaView


@dataclass(frozen=True)
class VendorView:
    vendor: str
    title: str
    version: str
    summary: Markup
    description: Markup
    description_more: Markup  # everything after the first paragraph, folded on the page
    source: str
    source_document: str | None
    spec_hash: str
    header: str
    base_url: str
    servers: tuple[str, ...]
    schemes: tuple[SchemeView, ...]
    rate_limit: str | None
    error_fields: tuple[tuple[str, str], ...]
    behaviours: tuple[Behaviour, ...]
    tags: tuple[TagView, ...]
    operation_count: int
    components: tuple[ComponentView, ...]
    webhooks: tuple[WebhookView, ...]
    decisions: tuple[DecisionView, ...]
    mock_command: str = ""  # how to serve this vendor's mock
    mock_python: str = ""  # a Client against that mock, with the credential it takes
