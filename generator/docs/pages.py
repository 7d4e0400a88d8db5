"""One vendor's page view, built from its IR: operations, schemes, decisions, webhooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from generator.docs.schemas import notes, schema_view, type_segments
from generator.docs.snippets import env_var, examples
from generator.docs.text import behaviours, inline, pretty, prose, rate_limit, slug, to_json
from generator.docs.views import (
    BodyView,
    ComponentView,
    DecisionView,
    Example,
    OpView,
    ParamView,
    ResponseView,
    SchemeRef,
    SchemeView,
    TagView,
    VendorView,
    WebhookView,
)
from generator.ir import Api, Operation, Parameter, Response, SecurityScheme, component_pointer
from generator.pointer import pointer_join


def _decision_href(pointer: str, ops: Mapping[str, str]) -> str | None:
    """Where on the page a decision's pointer lives, if the page has an anchor for it."""
    for prefix, op_id in ops.items():
        if pointer == prefix or pointer.startswith(prefix + "/"):
            return f"#{op_id}"
    parts = pointer.split("/")
    if pointer.startswith("/components/schemas/") and len(parts) > 3:
        return f"#schema-{parts[3]}"
    if pointer.startswith("/components/securitySchemes/") and len(parts) > 3:
        return f"#auth-{slug(parts[3])}"
    if pointer.startswith("/webhooks/") and len(parts) > 2:
        return f"#webhook-{slug(parts[2])}"
    if pointer.startswith("/x-voxspec-rate-limit"):
        return "#overview"
    return None


def _under(decisions: Sequence[DecisionView], prefix: str) -> tuple[DecisionView, ...]:
    """The decisions made at or below prefix, labelled relative to it (operation pointers are long)."""
    return tuple(
        dataclasses.replace(d, label=d.pointer[len(prefix) :])
        for d in decisions
        if d.pointer == prefix or d.pointer.startswith(prefix + "/")
    )


def _param_view(p: Parameter, api: Api) -> ParamView:
    found = api.resolve(p.schema)
    resolved: dict[str, Any] = found if isinstance(found, dict) else {}
    items = resolved.get("items")
    enum: list[Any] = []
    for holder in (resolved, items):
        if isinstance(holder, dict) and isinstance(holder.get("enum"), list):
            enum = holder["enum"]
            break
    return ParamView(
        name=p.name,
        py_name=p.py_name,
        location=p.location,
        type=type_segments(p.schema, api),
        required=p.required,
        default=to_json(resolved["default"]) if "default" in resolved else None,
        enum=tuple(to_json(v) for v in enum),
        description=inline(p.description),
        notes=notes(resolved, api, frozenset({"enum", "default"})),
    )


def _response_view(r: Response, api: Api) -> ResponseView:
    kind = (
        "success" if r.status.startswith("2") else "error" if r.status[0] in "45" or r.status == "default" else "other"
    )
    return ResponseView(
        status=r.status,
        kind=kind,
        description=inline(r.description),
        content_type=r.content_type,
        schema=schema_view(r.schema, api) if r.schema is not None else None,
        examples=tuple(
            Example(n, pretty(v, r.content_type)) for n, v in zip(r.example_names, r.examples, strict=False)
        ),
        headers=r.headers,
    )


def _op_view(api: Api, op: Operation, decisions: Sequence[DecisionView]) -> OpView:
    schemes = {s.name: s for s in api.security_schemes}
    python, curl, base_url = examples(api, op)
    body = None
    if op.body:
        body = BodyView(
            op.body.content_type,
            op.body.required,
            schema_view(op.body.schema, api),
            tuple(Example(e.name, pretty(e.value, op.body.content_type)) for e in op.body.examples),
        )
    responses = [_response_view(r, api) for r in op.responses]
    op_limit = rate_limit(op.rate_limit)
    pointer = pointer_join("", "paths", op.path, op.method.lower())
    return OpView(
        op_id=op.op_id,
        method=op.method,
        path=op.path,
        path_html=Markup("/<wbr>").join(escape(part) for part in op.path.split("/")),
        summary=op.summary,
        description=prose(op.description) if op.description != op.summary else Markup(""),
        tag=op.tag,
        deprecated=op.deprecated,
        effects=op.effects,
        search=" ".join([op.op_id, op.path, op.summary, op.tag, op.effects or ""]).lower().strip(),
        auth=tuple(
            tuple(SchemeRef(n, f"auth-{slug(n)}", n in schemes and schemes[n].deprecated) for n in req)
            for req in op.security
        ),
        rate_limit=op_limit,
        base_url=base_url,
        params=tuple(_param_view(p, api) for p in op.parameters),
        body=body,
        responses=tuple(r for r in responses if r.kind != "error"),
        errors=tuple(r for r in responses if r.kind == "error"),
        behaviours=behaviours(op.extension_rows),
        python=python,
        curl=curl,
        decisions=_under(decisions, pointer),
    )


def _scheme_view(api: Api, s: SecurityScheme, decisions: Sequence[DecisionView]) -> SchemeView:
    where = {
        "header": f"API key in the `{s.param_name}` header",
        "query": f"API key in the `{s.param_name}` query parameter",
        "cookie": f"API key in the `{s.param_name}` cookie",
        "basic": "HTTP basic: `Authorization: Basic <credentials>`",
        "bearer": "Bearer token: `Authorization: Bearer <token>`",
        "oauth2": f"OAuth2 {s.flow or ''} token, sent as `Authorization: Bearer <token>`",
    }.get(s.kind, s.kind)
    return SchemeView(
        name=s.name,
        anchor=f"auth-{slug(s.name)}",
        kind=s.kind,
        where=inline(where),
        description=prose(s.description),
        deprecated=s.deprecated,
        python_arg=s.py_name,
        env_var=env_var(api, s),
        token_url=s.token_url,
        decisions=_under(decisions, pointer_join("", "components", "securitySchemes", s.name)),
        python_grant=_grant_arguments(api, s),
    )


def _grant_arguments(api: Api, s: SecurityScheme) -> str | None:
    """`Client(...)` signing in with an OAuth2 grant the generated client performs (client credentials, or the
    password grant), every secret read from the environment."""
    if not s.fetches_token:
        return None
    fields = ["client_id", "client_secret"] + (["username", "password"] if s.password_grant else [])
    prefix = env_var(api, s)
    arguments = ", ".join(f'{s.py_name}_{f}=os.environ["{prefix}_{f.upper()}"]' for f in fields)
    return f"Client({arguments})"


MOCK_PORT = 4010  # `voxspec mock`'s default port
MOCK_KEY = "voxspec-mock-key"  # the key the mock accepts unless VOXSPEC_MOCK_KEYS says otherwise


def _mock_client(api: Api) -> str:
    """A Client against `voxspec mock <vendor>`: the mock takes its key as any credential but basic auth (which
    arrives base64-encoded), so the first requirement without basic, deprecated schemes last, gets it."""
    schemes = {s.name: s for s in api.security_schemes}
    requirements = [tuple(schemes[n] for n in req if n in schemes) for op in api.operations for req in op.security]
    usable = [r for r in requirements if r and not any(s.kind == "basic" for s in r)]
    usable.sort(key=lambda r: any(s.deprecated for s in r))
    credentials = [f'{s.py_name}="{MOCK_KEY}"' for s in (usable[0] if usable else ())]
    base = f'base_url="http://127.0.0.1:{MOCK_PORT}{api.base_path}"'
    return f"Client({', '.join([base, *credentials])})"


def vendor_view(api: Api) -> VendorView:
    """Everything one vendor page shows, computed here so the template only lays it out."""
    op_pointers = {pointer_join("", "paths", op.path, op.method.lower()): op.op_id for op in api.operations}
    decisions = [
        DecisionView(d.pointer, inline(d.text), _decision_href(d.pointer, op_pointers), d.pointer)
        for d in api.decisions
    ]
    ops = {op.op_id: _op_view(api, op, decisions) for op in api.operations}
    tags = tuple(
        TagView(t.name, f"tag-{slug(t.name)}", prose(t.description), tuple(ops[o] for o in t.operations if o in ops))
        for t in api.tags
    )
    components = tuple(
        ComponentView(
            name,
            f"schema-{name}",
            schema_view(api.components[name], api),
            _under(decisions, component_pointer(name)),
        )
        for name in api.model_names
    )
    webhooks = tuple(
        WebhookView(w.name, f"webhook-{slug(w.name)}", w.event, w.summary, schema_view(w.schema, api))
        for w in api.webhooks
    )
    shape = api.error_shape
    error_fields = tuple((label, f) for label, f in (("code", shape.code_field), ("message", shape.message_field)) if f)
    first_paragraph, _, rest = api.description.strip().partition("\n\n")
    return VendorView(
        vendor=api.vendor,
        title=api.title,
        version=api.version,
        summary=inline(first_paragraph),
        description=prose(first_paragraph),
        description_more=prose(rest),
        source=api.source,
        source_document=api.source_document,
        spec_hash=api.spec_hash,
        header=api.header,
        base_url=api.base_url,
        servers=api.servers,
        schemes=tuple(_scheme_view(api, s, decisions) for s in api.security_schemes),
        rate_limit=rate_limit(api.rate_limit),
        error_fields=error_fields,
        behaviours=behaviours(api.extension_rows),
        tags=tags,
        operation_count=len(api.operations),
        components=components,
        webhooks=webhooks,
        decisions=tuple(decisions),
        mock_command=f"voxspec mock {api.vendor}",
        mock_python=_mock_client(api),
    )
