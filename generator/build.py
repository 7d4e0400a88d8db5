"""Document -> IR: names, operations, parameters, auth, pagination and errors, decided once.

Pure: takes a validated Document, returns an Api; raises VoxspecError on shapes it cannot model.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlsplit

from generator.errors import SpecInvalid, VoxspecError
from generator.ir import (
    AllowList,
    Api,
    ApiBehaviour,
    AsyncRule,
    Body,
    CrudBinding,
    Decision,
    Envelope,
    ErrorShape,
    Example,
    ExtensionRow,
    Integrity,
    IntegrityChild,
    Operation,
    OperationBehaviour,
    Pagination,
    Parameter,
    RateLimit,
    Response,
    ResponseHeader,
    SecurityScheme,
    SelfAlias,
    Subscription,
    SynchronousRule,
    Tag,
    Webhook,
)
from generator.load import Document, Json, valid_vendor, walk
from generator.names import py_name
from generator.openapi import TEMPLATE_PARAM, SchemaInliner, followed, media_examples, operations
from generator.pointer import pointer_join

MODELS = "models."
IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CODE_FIELDS = ("code", "status", "error_code", "errorCode")
MESSAGE_FIELDS = ("message", "msg", "detail", "title", "error", "error_description")
SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def py_type(schema: Json, doc: Document, depth: int = 0) -> str:
    """The annotation a client argument or return value gets for a schema."""
    if depth > 8 or not isinstance(schema, dict):
        return "Any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        prefix = "#/components/schemas/"
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return MODELS + ref[len(prefix) :]
        try:
            return py_type(doc.deref(schema), doc, depth + 1)
        except KeyError:
            return "Any"
    for combinator in ("oneOf", "anyOf"):
        if isinstance(schema.get(combinator), list):
            return _union([py_type(s, doc, depth + 1) for s in schema[combinator]])
    if "const" in schema:
        return f"Literal[{schema['const']!r}]"
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int) and not isinstance(v, bool) for v in enum):
        return f"Literal[{', '.join(repr(v) for v in enum)}]"
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return _union([py_type({**schema, "type": k}, doc, depth + 1) for k in kinds])
    if kinds == "array":
        return f"list[{py_type(schema.get('items', {}), doc, depth + 1)}]"
    if kinds == "object":
        return "dict[str, Any]"
    if kinds == "string" and schema.get("format") == "binary":
        return "bytes"
    if isinstance(kinds, str) and kinds in SCALARS:
        return SCALARS[kinds]
    return "Any"


def _union(members: list[str]) -> str:
    unique = list(dict.fromkeys(members))
    if "Any" in unique:
        return "Any"
    nones = [m for m in unique if m == "None"]
    return " | ".join([m for m in unique if m != "None"] + nones)


def build(doc: Document, vendor: str) -> Api:
    if not valid_vendor(vendor):
        # lint's vendor-name rule reports this with its place; build refuses it too, so no caller can put an
        # unchecked name into a package, a path or a docs link.
        finding = doc.finding("", f"vendor name {vendor!r} is not a lower-case identifier", "vendor-name")
        raise SpecInvalid(f"{doc.display}: vendor name {vendor!r} is not a lower-case identifier", (finding,))
    data = doc.data
    info = data.get("info") or {}
    components = data.get("components") or {}
    schemes = tuple(_scheme(name, s) for name, s in (components.get("securitySchemes") or {}).items())
    root_security = _security(data.get("security"))
    inliner = SchemaInliner(doc)
    root_integrity = data.get("x-voxspec-integrity")
    ops = tuple(_operation(doc, op, root_security, inliner, root_integrity) for op in operations(data))
    tags = []
    for tag in data.get("tags") or []:
        names = tuple(o.op_id for o in ops if o.tag == tag.get("name"))
        tags.append(Tag(str(tag.get("name")), str(tag.get("description", "")), names))
    undeclared = sorted({o.tag for o in ops} - {t.name for t in tags})
    tags += [Tag(name, "", tuple(o.op_id for o in ops if o.tag == name)) for name in undeclared]
    rate_limit = read_rate_limit(data)
    servers = tuple(server_url(s) for s in data.get("servers") or [] if isinstance(s, dict))
    return Api(
        vendor=vendor,
        package=f"voxspec_{py_name(vendor)}",
        distribution=f"voxspec-{vendor}",
        title=str(info.get("title", vendor)),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")).strip(),
        source=doc.display,
        spec_hash=doc.sha256,
        base_url=servers[0] if servers else "http://localhost",
        base_path=urlsplit(servers[0]).path.rstrip("/") if servers else "",
        servers=servers,
        security_schemes=schemes,
        operations=ops,
        tags=tuple(tags),
        rate_limit=rate_limit,
        error_shape=_error_shape(doc, ops),
        decisions=_decisions(data),
        webhooks=_webhooks(doc, inliner),
        model_names=tuple(sorted((components.get("schemas") or {}).keys())),
        package_version=str(info.get("x-voxspec-package-version", "0.1.0")),
        components=dict(components.get("schemas") or {}),
        extension_rows=_extension_rows(data),
        source_document=_source_document(info),
        server_variables=_server_variables(data),
        behaviour=ApiBehaviour(
            _allow_list(data.get("x-voxspec-allow-list")), _self_alias(data.get("x-voxspec-self-alias"))
        ),
    )


# Extensions the docs show elsewhere than in the behaviours table: decisions on their own, the rate limit and
# effects as facts and a badge.
SHOWN_ELSEWHERE = {"x-voxspec-decision", "x-voxspec-rate-limit", "x-voxspec-effects"}


def _extension_rows(node: dict[str, Any]) -> tuple[ExtensionRow, ...]:
    """A spec node's voxspec extensions as the behaviours the docs list, decision texts taken out."""
    return tuple(
        ExtensionRow(name.removeprefix("x-voxspec-"), _without_decisions(value))
        for name, value in node.items()
        if name.startswith("x-voxspec-") and name not in SHOWN_ELSEWHERE
    )


def _without_decisions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_decisions(v) for k, v in value.items() if k != "x-voxspec-decision"}
    if isinstance(value, list):
        return [_without_decisions(v) for v in value]
    return value


def _source_document(info: dict[str, Any]) -> str | None:
    """info.x-source as one line: the vendor document's name and version."""
    source = info.get("x-source")
    if not isinstance(source, dict):
        return None
    return " — ".join(str(source[k]) for k in ("document", "version") if source.get(k))


def _examples(doc: Document, node: Json) -> tuple[Example, ...]:
    """The examples of a media type or parameter object, through the one reader."""
    if not isinstance(node, dict):
        return ()
    return tuple(Example(name, value) for name, _pointer, value in media_examples(node, "", doc))


def _server_variables(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The first server's variables with their defaults: what the mock puts for a `{{REGION}}` in an example."""
    servers = data.get("servers") or [{}]
    variables = (servers[0] or {}).get("variables") or {}
    return tuple(
        (str(k), str(v.get("default"))) for k, v in variables.items() if isinstance(v, dict) and "default" in v
    )


def _allow_list(raw: Json) -> AllowList | None:
    if not isinstance(raw, dict):
        return None
    message = raw.get("message") or raw.get("description") or "address not allowed"
    return AllowList(int(raw.get("status", 403)), str(message))


def _self_alias(raw: Json) -> SelfAlias | None:
    if not isinstance(raw, dict):
        return None
    return SelfAlias(str(raw.get("value", "")), tuple(str(p) for p in raw.get("parameters") or []))


def _behaviour(node: dict[str, Any], root_integrity: Json) -> OperationBehaviour:
    """An operation's x-voxspec-* behaviours, each as its own IR field (lint's extension-shape rule checks them)."""
    crud = node.get("x-voxspec-crud")
    binding = None
    if isinstance(crud, dict) and crud.get("resource") and crud.get("action"):
        binding = CrudBinding(
            str(crud["resource"]),
            str(crud["action"]),
            str(crud["id"]) if crud.get("id") else None,
            str(crud["field"]) if crud.get("field") else None,
        )
    rule = node.get("x-voxspec-async")
    async_rule = None
    if isinstance(rule, dict):
        states = rule.get("states")
        async_rule = AsyncRule(
            tuple(states) if isinstance(states, list) else (),
            str(rule.get("status-field", "status")),
            str(rule["poll"]) if rule.get("poll") else None,
            float(rule.get("seconds") or 0),
        )
    sync = node.get("x-voxspec-synchronous")
    synchronous = None
    if isinstance(sync, dict):
        synchronous = SynchronousRule(str(sync["parameter"]) if sync.get("parameter") else None, sync.get("value"))
    sub = node.get("x-voxspec-subscription")
    subscription = None
    if isinstance(sub, dict):
        filters = tuple(str(f) for f in sub.get("filters") or [])
        subscription = Subscription(str(sub.get("url")), str(sub.get("event")), filters, sub.get("wildcard"))
    emits = node.get("x-voxspec-emits")
    events = emits if isinstance(emits, list) else [emits] if emits else []
    token = node.get("x-voxspec-token-endpoint")
    return OperationBehaviour(
        crud=binding,
        async_rule=async_rule,
        synchronous=synchronous,
        subscription=subscription,
        integrity=_integrity(root_integrity, node.get("x-voxspec-integrity")),
        emits=tuple(str(e.get("event") if isinstance(e, dict) else e) for e in events),
        token_endpoint=None if token is None else str(token),
    )


def _integrity(root: Json, own: Json) -> Integrity:
    """An operation's `x-voxspec-integrity`, with the root's `duplicate` as the default."""
    root = root if isinstance(root, dict) else {}
    own = own if isinstance(own, dict) else {}
    duplicate = str(own.get("duplicate") or root.get("duplicate") or "replace")
    unique = tuple(
        tuple(str(f) for f in entry) if isinstance(entry, list) else (str(entry),) for entry in own.get("unique") or []
    )
    children = tuple(
        IntegrityChild(
            str(c["operation"]), str(c["field"]) if c.get("field") else None, str(c.get("on-delete", "reject"))
        )
        for c in own.get("children") or []
        if isinstance(c, dict) and c.get("operation")
    )
    return Integrity(duplicate if duplicate in ("reject", "replace") else "replace", unique, children)


def _own_server(node: dict[str, Any], path_item: dict[str, Any]) -> str | None:
    servers = node.get("servers") or path_item.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        return server_url(servers[0])
    return None


def server_url(server: dict[str, Any]) -> str:
    """A server object's URL with each variable at its default."""
    url = str(server.get("url", ""))
    for name, var in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    return url.rstrip("/")


def _scheme(name: str, raw: dict[str, Any]) -> SecurityScheme:
    kind = raw.get("type")
    description = str(raw.get("description", "")).strip()
    deprecated = bool(raw.get("x-voxspec-deprecated"))
    if kind == "apiKey":
        return SecurityScheme(name, py_name(name), str(raw.get("in")), str(raw.get("name")), description, deprecated)
    if kind == "http":
        http = str(raw.get("scheme", "")).lower()
        return SecurityScheme(
            name, py_name(name), "basic" if http == "basic" else "bearer", "Authorization", description, deprecated
        )
    if kind == "oauth2":
        flows = raw.get("flows") or {}
        flow = next((f for f in ("clientCredentials", "password") if f in flows), None)
        token_url = str(flows[flow].get("tokenUrl")) if flow else None
        encoding = "json" if raw.get("x-voxspec-token-request") == "json" else "form"
        return SecurityScheme(
            name, py_name(name), "oauth2", "Authorization", description, deprecated, token_url, flow, encoding
        )
    # openIdConnect and anything else: a bearer token obtained elsewhere.
    return SecurityScheme(name, py_name(name), "bearer", "Authorization", description, deprecated)


def _security(raw: Json) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(tuple(req.keys()) for req in raw if isinstance(req, dict))


def _parameter(
    doc: Document,
    raw: dict[str, Any],
    location: str | None = None,
    required: bool | None = None,
    pointers: tuple[str, str] = ("", ""),
) -> Parameter:
    schema = raw.get("schema") or {}
    resolved = _schema_object(doc, schema)
    where = location or str(raw.get("in"))
    needed = bool(raw.get("required")) if required is None else required
    description = " ".join(str(raw.get("description") or resolved.get("description", "")).split())
    default_repr = repr(resolved["default"]) if "default" in resolved else None
    if where == "body" and not needed and default_repr is not None:
        # A default says what the server does with a field left out; an optional body field the caller did not
        # set stays out of the request, and its argument documents the default instead.
        description = f"{description} Server default: {json.dumps(resolved['default'])}.".strip()
        default_repr = None
    examples = _examples(doc, raw) if location is None else ()  # a form field's examples are its body's
    return Parameter(
        name=str(raw["name"]),
        py_name=py_name(str(raw["name"])),
        location=where,
        required=needed,
        py_type=py_type(schema, doc),
        default_repr=default_repr,
        description=description,
        schema=schema,
        explode=bool(raw.get("explode", raw.get("style", "form") == "form")),
        example=examples[0].value if examples else resolved.get("example"),
        examples=examples,
        pointer=pointers[0],
        schema_pointer=pointers[1],
    )


def _schema_object(doc: Document, schema: Json) -> dict[str, Any]:
    """The schema's keywords, following a $ref; {} for a boolean schema (valid in OpenAPI 3.1) or a bad ref."""
    resolved = _deref(doc, schema)
    return resolved if isinstance(resolved, dict) else {}


def _deref(doc: Document, node: Json) -> Any:
    try:
        return doc.deref(node)
    except KeyError:
        return {}


def _operation(
    doc: Document, ref: Any, root_security: tuple[tuple[str, ...], ...], inliner: SchemaInliner, root_integrity: Json
) -> Operation:
    node = ref.node
    op_id = str(node.get("operationId") or py_name(f"{ref.method}_{ref.path}"))
    # each parameter with the entry that lists it and the place its schema is written (the entry may refer to it)
    merged: dict[tuple[str, str], tuple[dict[str, Any], tuple[str, str]]] = {}
    item_pointer = pointer_join("", "paths", ref.path)
    for source, owner in (
        (ref.path_item.get("parameters") or [], item_pointer),
        (node.get("parameters") or [], ref.pointer),
    ):
        for index, raw in enumerate(source):
            param = _deref(doc, raw)
            entry = pointer_join(owner, "parameters", index)
            written = pointer_join(followed(doc, entry, raw)[0], "schema")
            merged[(str(param.get("name")), str(param.get("in")))] = (param, (entry, written))
    params = [_parameter(doc, p, pointers=at) for p, at in merged.values()]
    body = _body(doc, node.get("requestBody"), pointer_join(ref.pointer, "requestBody"))
    params, body = _unique_names(op_id, params, body)
    params = [dataclasses.replace(p, resolved_schema=inliner.inline(p.schema)) for p in params]
    if body is not None:
        body = dataclasses.replace(body, resolved_content=tuple((t, inliner.inline(s)) for t, s in body.content))
    responses = tuple(
        dataclasses.replace(r, resolved_schema=None if r.schema is None else inliner.inline(r.schema))
        for r in (
            _response(doc, str(code), raw, pointer_join(ref.pointer, "responses", str(code)))
            for code, raw in (node.get("responses") or {}).items()
        )
    )
    successes = sorted((r for r in responses if r.status.startswith("2")), key=lambda r: r.status)
    if not successes:
        raise VoxspecError(f"{op_id}: no 2xx response to build a client method from")
    security = _security(node["security"]) if "security" in node else root_security
    envelope, returns = _unwrapped(doc, successes[0])
    path_format = TEMPLATE_PARAM.sub(lambda m: "{" + py_name(m.group(1)) + "}", ref.path)
    return Operation(
        op_id=op_id,
        method=ref.method.upper(),
        path=ref.path,
        path_format=path_format,
        summary=" ".join(str(node.get("summary", "")).split()),
        description=str(node.get("description", "")).strip(),
        tag=str((node.get("tags") or ["default"])[0]),
        deprecated=bool(node.get("deprecated")),
        parameters=tuple(params),
        body=body,
        responses=responses,
        success=successes[0],
        security=security,
        pagination=_pagination(doc, node.get("x-voxspec-pagination"), successes[0]),
        # Sending an operation with effects twice does it twice (two calls placed), so retries leave it alone.
        idempotent=ref.method.upper() in IDEMPOTENT and "x-voxspec-effects" not in node,
        server=_own_server(node, ref.path_item),
        envelope=envelope,
        returns=returns,
        rate_limit=read_rate_limit(node),
        effects=read_effects(node),
        extensions={k: v for k, v in node.items() if k.startswith("x-voxspec-")},
        extension_rows=_extension_rows(node),
        behaviour=_behaviour(node, root_integrity),
    )


def read_rate_limit(node: Any) -> RateLimit | None:
    """A spec node's `x-voxspec-rate-limit` (the root's or an operation's); None when it declares none.

    Lint's extension-shape rule reports a malformed one in a spec; `voxspec contract`, which takes any spec,
    gets the ValueError."""
    value = node.get("x-voxspec-rate-limit") if isinstance(node, dict) else None
    if value is None:
        return None
    requests = value.get("requests") if isinstance(value, dict) else None
    window = value.get("window-seconds") if isinstance(value, dict) else None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in (requests, window)):
        raise ValueError("x-voxspec-rate-limit needs positive integers `requests` and `window-seconds`")
    return RateLimit(int(requests), int(window))  # type: ignore[arg-type]


def read_effects(node: Any) -> str | None:
    """An operation's `x-voxspec-effects`: one line saying what calling it does; None when it only reads.

    Lint's effects-text rule reports a malformed one in a spec; a consumer handed an unchecked spec gets the
    ValueError rather than a guess, since reading "no effects" into a bad value would make a write look safe."""
    value = node.get("x-voxspec-effects") if isinstance(node, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("x-voxspec-effects must be a non-empty string saying what the operation does")
    return " ".join(value.split())


def _unique_names(op_id: str, params: list[Parameter], body: Body | None) -> tuple[list[Parameter], Body | None]:
    taken = {"self", "body"}
    out = []
    for p in params:
        name = p.py_name if p.py_name not in taken else f"{p.py_name}_{p.location}"
        taken.add(name)
        out.append(p if name == p.py_name else _rename(p, name))
    if body and body.fields:
        fields = []
        for f in body.fields:
            name = f.py_name if f.py_name not in taken else f"{f.py_name}_field"
            taken.add(name)
            fields.append(f if name == f.py_name else _rename(f, name))
        body = dataclasses.replace(body, fields=tuple(fields))
    return out, body


def _rename(p: Parameter, name: str) -> Parameter:
    return dataclasses.replace(p, py_name=name)


def _body(doc: Document, raw: Json, pointer: str = "") -> Body | None:
    body = _deref(doc, raw) if raw else None
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict) or not body["content"]:
        return None
    content = body["content"]
    content_type = next((t for t in content if "json" in t), next(iter(content)))
    schema = (content[content_type] or {}).get("schema") or {}
    required = bool(body.get("required"))
    annotation = py_type(schema, doc)
    model = annotation if annotation.startswith(MODELS) else None
    fields: tuple[Parameter, ...] = ()
    if content_type in FORM_TYPES:
        resolved = _schema_object(doc, schema)
        needed = set(resolved.get("required") or [])
        fields = tuple(
            _parameter(doc, {"name": name, "schema": prop}, "body", name in needed)
            for name, prop in (resolved.get("properties") or {}).items()
        )
    alternatives = tuple((str(t), (m or {}).get("schema") or {}) for t, m in content.items())
    description = " ".join(str(body.get("description") or _schema_object(doc, schema).get("description", "")).split())
    return Body(
        content_type,
        required,
        annotation,
        model,
        schema,
        fields,
        alternatives,
        description,
        examples=_examples(doc, content[content_type]),
        pointer=followed(doc, pointer, raw)[0] if pointer else "",
    )


def _response(doc: Document, status: str, raw: Json, pointer: str = "") -> Response:
    pointer, response = followed(doc, pointer, raw)
    response = response if isinstance(response, dict) and "$ref" not in response else {}
    content = response.get("content")
    declared: dict[str, Any] = response["headers"] if isinstance(response.get("headers"), dict) else {}
    headers = tuple(sorted(declared.keys()))
    header_fields = []
    for name, entry in declared.items():
        at, header = followed(doc, pointer_join(pointer, "headers", name), entry)
        if isinstance(header, dict):
            header_fields.append(ResponseHeader(str(name), bool(header.get("required")), header.get("schema"), at))
    if not isinstance(content, dict) or not content:
        return Response(
            status,
            str(response.get("description", "")),
            None,
            "None",
            None,
            (),
            headers,
            pointer=pointer,
            declared_headers=tuple(header_fields),
        )
    content_type = next((t for t in content if "json" in t), next(iter(content)))
    media = content[content_type] or {}
    examples = _examples(doc, media)
    schema = media.get("schema")
    annotation = py_type(schema, doc) if schema is not None else "Any"
    return Response(
        status,
        str(response.get("description", "")),
        content_type,
        annotation,
        schema,
        tuple(e.value for e in examples),
        headers,
        tuple(e.name for e in examples),
        pointer=pointer,
        declared_headers=tuple(header_fields),
    )


def _pagination(doc: Document, raw: Json, success: Response) -> Pagination | None:
    if not isinstance(raw, dict):
        return None

    def opt(key: str) -> str | None:
        value = raw.get(key)
        return str(value) if value is not None else None

    items = opt("items")
    page_schema: Json = success.schema
    if items is not None:
        page_schema = _properties(doc, success.schema)[0].get(items, {})
    resolved = _schema_object(doc, page_schema)
    item_type = py_type(resolved.get("items", {}), doc) if resolved.get("type") == "array" else "Any"
    return Pagination(
        str(raw.get("style", "offset")), opt("limit"), opt("offset"), opt("page"), opt("size"), items, item_type
    )


def _properties(doc: Document, schema: Json, depth: int = 0) -> tuple[dict[str, Any], set[str], dict[str, Any] | None]:
    """(properties, required, x-voxspec-envelope) of an object schema, merged over $ref and allOf;
    later allOf members narrow earlier ones, as the generated models do."""
    resolved = _schema_object(doc, schema)
    props: dict[str, Any] = {}
    required: set[str] = set()
    envelope = resolved.get("x-voxspec-envelope")
    envelope = envelope if isinstance(envelope, dict) else None
    if depth < 16:
        for member in resolved.get("allOf") or []:
            more, needed, inner = _properties(doc, member, depth + 1)
            props.update(more)
            required |= needed
            envelope = envelope or inner
    props.update(resolved.get("properties") or {})
    required |= set(resolved.get("required") or [])
    return props, required, envelope


def _unwrapped(doc: Document, success: Response) -> tuple[Envelope | None, str]:
    """The envelope of an operation's answer and what its client method returns: the `data` field when
    the answer is nothing but the envelope, else the whole answer (checked for failure all the same)."""
    if success.schema is None:
        return None, success.py_type
    props, required, raw = _properties(doc, success.schema)
    if raw is None:
        return None, success.py_type

    def field_name(key: str) -> str | None:
        value = raw.get(key)
        return str(value) if value is not None else None

    success_field, code, message, data = (field_name(k) for k in ("success", "code", "message", "data"))
    own = {f for f in (success_field, code, message, data) if f}
    if data is None or set(props) - own:
        return Envelope(success_field, code, message, None, data), success.py_type
    annotation = py_type(props.get(data, {}), doc)
    if data not in required and annotation not in ("Any", "None") and not annotation.endswith("| None"):
        annotation += " | None"
    return Envelope(success_field, code, message, data, data), annotation


def _error_shape(doc: Document, ops: tuple[Operation, ...]) -> ErrorShape:
    for op in ops:
        for response in op.responses:
            if response.status[0] not in "45" or response.schema is None:
                continue
            props = _schema_object(doc, response.schema).get("properties") or {}
            code = next((f for f in CODE_FIELDS if f in props), None)
            message = next((f for f in MESSAGE_FIELDS if f in props), None)
            if code or message:
                return ErrorShape(code, message)
    return ErrorShape(None, None)


def _decisions(data: Json) -> tuple[Decision, ...]:
    out = []
    for pointer, node in walk(data):
        if pointer.endswith("/x-voxspec-decision"):
            for text in node if isinstance(node, list) else [node]:
                out.append(Decision(pointer.rsplit("/", 1)[0] or "/", " ".join(str(text).split())))
    return tuple(out)


def _names_event(doc: Document, prop: Json, event: str) -> bool:
    schema = _schema_object(doc, prop)
    return event == schema.get("const") or event in (schema.get("enum") or [])


def _webhooks(doc: Document, inliner: SchemaInliner) -> tuple[Webhook, ...]:
    hooks = []
    for name, raw in (doc.data.get("webhooks") or {}).items():
        item = _deref(doc, raw)
        op = item.get("post") if isinstance(item, dict) else None
        if not isinstance(op, dict):
            continue
        body = _body(doc, op.get("requestBody"))
        event = str((item.get("x-voxspec-webhook-event") or op.get("x-voxspec-webhook-event") or {}).get("event", name))
        props = _properties(doc, body.schema)[0] if body else {}
        event_field = next((key for key, prop in props.items() if _names_event(doc, prop, event)), "event")
        hooks.append(
            Webhook(
                str(name),
                event,
                " ".join(str(op.get("summary", "")).split()),
                body.py_type if body else "Any",
                body.schema if body else {},
                event_field,
                _webhook_example(doc, op.get("requestBody")),
                inliner.inline(body.schema if body else {}),
            )
        )
    return tuple(hooks)


def _webhook_example(doc: Document, raw: Json) -> Any:
    """The first example of a webhook's JSON body: what the mock posts when it emits the event."""
    body = _deref(doc, raw) if raw else None
    content = body.get("content") if isinstance(body, dict) else None
    media = next((m for t, m in content.items() if "json" in t), None) if isinstance(content, dict) else None
    examples = _examples(doc, media)
    return examples[0].value if examples else None
