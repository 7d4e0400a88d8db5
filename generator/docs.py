"""The docs stage: a static HTML reference per vendor plus an index page, rendered from the IR.

`render_site` is pure (IR in, files in memory out); `publish` loads every spec, renders, then swaps the site in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from generator.build import build, py_name
from generator.errors import Exit, Finding, SpecError, SpecInvalid, VoxspecError
from generator.ir import Api, Operation, Parameter, RateLimit, Response, SecurityScheme
from generator.lint import lint
from generator.load import Document, load, pointer_join
from generator.openapi import DocumentIndex
from generator.render import format_python
from generator.validate import validate
from generator.write import recover, replace_folder

# A file every site carries, so `publish` only ever replaces a folder it wrote itself.
MARKER = ".voxspec-site"
COMPONENT = "#/components/schemas/"
MAX_DEPTH = 6
CODE_SPAN = re.compile(r"`([^`]+)`")
STRONG = re.compile(r"\*\*([^*]+)\*\*")
WINDOWS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
HIDDEN_EXTENSIONS = {"x-voxspec-decision", "x-voxspec-rate-limit"}


class OutputRefused(VoxspecError):
    """The output folder holds something that is not a voxspec site; it is left alone."""

    exit_code = Exit.UNUSABLE


# ---------------------------------------------------------------- view model handed to the templates


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


# ---------------------------------------------------------------- text


def _inline(text: str) -> Markup:
    """One line of spec prose as HTML: whitespace collapsed, `code` and **strong** spans kept."""
    escaped = str(escape(" ".join(str(text).split())))
    return Markup(STRONG.sub(r"<strong>\1</strong>", CODE_SPAN.sub(r"<code>\1</code>", escaped)))


def _prose(text: str) -> Markup:
    """Spec descriptions as paragraphs and "- " lists.

    Hand-written because the descriptions use only these two constructs and no Markdown library is
    among voxspec's declared dependencies; everything is escaped before any tag is added.
    """
    blocks: list[str] = []
    for para in re.split(r"\n\s*\n", str(text).strip()):
        lead: list[str] = []
        items: list[str] = []
        for line in para.splitlines():
            stripped = line.strip()
            if stripped.startswith(("- ", "* ")):
                items.append(stripped[2:])
            elif items:
                items[-1] += " " + stripped
            elif stripped:
                lead.append(stripped)
        if lead:
            blocks.append(f"<p>{_inline(' '.join(lead))}</p>")
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
    return Markup("".join(blocks))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pretty(value: Any, content_type: str | None) -> str:
    if isinstance(value, str) and "json" not in (content_type or ""):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "-", text).strip("-").lower() or "x"


def _rate_limit(limit: RateLimit | None) -> str | None:
    if limit is None:
        return None
    for seconds, unit in WINDOWS:
        if limit.window_seconds % seconds == 0:
            count = limit.window_seconds // seconds
            window = unit if count == 1 else f"{count} {unit}s"
            return f"{limit.requests} requests per {window} ({limit.window_seconds} s)"
    return f"{limit.requests} requests per {limit.window_seconds} s"


def _without_decisions(value: Any) -> Any:
    """An extension's value without its decision texts, which the page shows on their own."""
    if isinstance(value, dict):
        return {k: _without_decisions(v) for k, v in value.items() if k != "x-voxspec-decision"}
    if isinstance(value, list):
        return [_without_decisions(v) for v in value]
    return value


def _compact(value: Any) -> str:
    """An extension value on one line: `key: value · key: value` for flat mappings, JSON otherwise."""
    value = _without_decisions(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        return " · ".join(f"{k}: {v if isinstance(v, str) else _json(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _behaviours(extensions: Mapping[str, Any]) -> tuple[Behaviour, ...]:
    return tuple(
        Behaviour(name.removeprefix("x-voxspec-"), _compact(value))
        for name, value in extensions.items()
        if name.startswith("x-voxspec-") and name not in HIDDEN_EXTENSIONS
    )


# ---------------------------------------------------------------- schemas


def _component(ref: str) -> str | None:
    name = ref[len(COMPONENT) :] if ref.startswith(COMPONENT) else ""
    return name if name and "/" not in name else None


def _deref(doc: Document, node: Any) -> Any:
    try:
        return doc.deref(node)
    except (KeyError, RecursionError):
        return {}


def _type(schema: Any, doc: Document, depth: int = 0) -> tuple[Seg, ...]:
    """A readable JSON-schema type: `string (date) | null`, `array of <Call>`, `Envelope & object`."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return (Seg("any"),)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = _component(ref)
        return (Seg(name, f"#schema-{name}"),) if name else _type(_deref(doc, schema), doc, depth + 1)
    for key, joiner in (("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")):
        members = schema.get(key)
        if isinstance(members, list) and members:
            out: list[Seg] = []
            for index, member in enumerate(members):
                if index:
                    out.append(Seg(joiner))
                out.extend(_type(member, doc, depth + 1))
            return tuple(out)
    if "const" in schema:
        return (Seg(f"const {_json(schema['const'])}"),)
    kinds = schema.get("type")
    if isinstance(kinds, list):
        joined: list[Seg] = []
        for index, kind in enumerate(kinds):
            if index:
                joined.append(Seg(" | "))
            joined.extend(_type({**schema, "type": kind}, doc, depth + 1))
        return tuple(joined)
    if kinds == "array" or (kinds is None and "items" in schema):
        return (Seg("array of "), *_type(schema.get("items", {}), doc, depth + 1))
    if kinds == "object" or (kinds is None and "properties" in schema):
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra and not schema.get("properties"):
            return (Seg("map of string → "), *_type(extra, doc, depth + 1))
        return (Seg("object"),)
    if isinstance(kinds, str):
        fmt = schema.get("format")
        return (Seg(f"{kinds} ({fmt})" if fmt else kinds),)
    return (Seg("any"),)


def _notes(schema: Any, doc: Document, skip: frozenset[str] = frozenset()) -> tuple[Note, ...]:
    """Constraints worth a reader's eye: enum, default, bounds, pattern, example."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and not _component(schema["$ref"]):
        schema = _deref(doc, schema)
    if not isinstance(schema, dict):
        return ()
    notes: list[Note] = []
    if "enum" not in skip and isinstance(schema.get("enum"), list):
        notes.append(Note("one of", tuple(_json(v) for v in schema["enum"])))
    items = schema.get("items")
    if "enum" not in skip and isinstance(items, dict) and isinstance(items.get("enum"), list):
        notes.append(Note("items one of", tuple(_json(v) for v in items["enum"])))
    if "default" not in skip and "default" in schema:
        notes.append(Note("default", (_json(schema["default"]),)))
    for key, label in (
        ("minimum", "min"),
        ("exclusiveMinimum", "min (exclusive)"),
        ("maximum", "max"),
        ("exclusiveMaximum", "max (exclusive)"),
        ("multipleOf", "multiple of"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("pattern", "pattern"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ):
        if key in schema and not isinstance(schema[key], bool):
            value = schema[key]
            notes.append(Note(label, (value if isinstance(value, str) else _json(value),)))
    for key, label in (("uniqueItems", "unique items"), ("readOnly", "read-only"), ("writeOnly", "write-only")):
        if schema.get(key) is True:
            notes.append(Note(label))
    if schema.get("deprecated") is True:
        notes.append(Note("deprecated"))
    if "example" in schema:
        notes.append(Note("example", (_json(schema["example"]),)))
    elif isinstance(schema.get("examples"), list) and schema["examples"]:
        notes.append(Note("example", (_json(schema["examples"][0]),)))
    return tuple(notes)


def _merge_all_of(schema: dict[str, Any], doc: Document, depth: int = 0) -> dict[str, Any] | None:
    """allOf members flattened into one object (later members win), so a reader sees every field once."""
    members = schema.get("allOf")
    if not isinstance(members, list) or depth > MAX_DEPTH:
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        target = _deref(doc, member)
        if not isinstance(target, dict):
            continue
        target = _merge_all_of(target, doc, depth + 1) or target
        if isinstance(target.get("properties"), dict):
            properties.update(target["properties"])
        required += [r for r in target.get("required") or [] if r not in required]
    if not properties:
        return None
    rest = {k: v for k, v in schema.items() if k != "allOf"}
    properties.update(rest.get("properties") or {})
    required += [r for r in rest.get("required") or [] if r not in required]
    return {**rest, "type": "object", "properties": properties, "required": required}


def _rows(schema: Any, doc: Document, depth: int = 0) -> list[Row]:
    """The fields inside a schema as nested table rows; component schemas become links, not copies."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return [] if _component(ref) else _rows(_deref(doc, schema), doc, depth)
    schema = _merge_all_of(schema, doc) or schema
    rows: list[Row] = []
    for key in ("oneOf", "anyOf"):
        for index, member in enumerate(schema.get(key) or []):
            inner = _rows(member, doc, depth + 1)
            if inner:
                description = _inline(member.get("description", "")) if isinstance(member, dict) else Markup("")
                rows.append(Row(depth, f"option {index + 1}", _type(member, doc), False, description, (), True))
                rows += inner
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = set(schema.get("required") or [])
        for name, prop in properties.items():
            described = prop if isinstance(prop, dict) and "description" in prop else _deref(doc, prop)
            description = _inline(described.get("description", "")) if isinstance(described, dict) else Markup("")
            rows.append(Row(depth, str(name), _type(prop, doc), name in required, description, _notes(prop, doc)))
            rows += _rows(prop, doc, depth + 1)
    items = schema.get("items")
    if isinstance(items, dict):
        rows += _rows(items, doc, depth)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and not properties:
        rows += _rows(extra, doc, depth)
    return rows


def _schema_view(schema: Any, doc: Document) -> SchemaView:
    """A body or component: its type line, and its fields (one component level is opened in place)."""
    target = schema
    component = None
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        component = _component(schema["$ref"])
        target = _deref(doc, schema)
    target = target if isinstance(target, dict) else {}
    items = target.get("items")
    if not target.get("properties") and isinstance(items, dict) and isinstance(items.get("$ref"), str):
        # A list of one component: its item fields are what the reader is after.
        target = {**target, "items": _deref(doc, items)}
    return SchemaView(
        _type(schema, doc),
        _inline(target.get("description", "")),
        _notes(target, doc),
        tuple(_rows(target, doc)),
        component,
    )


# ---------------------------------------------------------------- copy-paste examples


class _Binary:
    """A file's bytes in an example: `b"..."` in Python, `@file` for curl."""

    def __repr__(self) -> str:
        return 'b"<file contents>"'


class _Env:
    """A secret-looking value (password, client secret) read from the environment, never printed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f'os.environ["{self.name}"]'


SECRET_NAME = re.compile(r"(^|_)(password|passwd|secret|api_?key|token)$")
ENV_SENTINEL = "@@voxspec-env:{}@@"
ENV_IN_JSON = re.compile(r'"@@voxspec-env:(\w+)@@"')


def _hide_secrets(value: Any, vendor: str, name: str = "") -> Any:
    """Example values of secret-looking fields replaced by environment variables, at any depth."""
    if isinstance(value, dict):
        return {k: _hide_secrets(v, vendor, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_secrets(v, vendor, name) for v in value]
    if isinstance(value, str) and SECRET_NAME.search(py_name(name)):
        return _Env(f"{py_name(vendor)}_{py_name(name)}".upper())
    return value


FORMAT_SAMPLES = {
    "date": "2024-01-31",
    "date-time": "2024-01-31T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}


def _sample(schema: Any, doc: Document, depth: int = 0) -> Any:
    """A plausible value for a schema: its example, default or first enum value, else one by type."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return "string"
    if "$ref" in schema:
        return _sample(_deref(doc, schema), doc, depth + 1)
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _sample(schema[key][0], doc, depth + 1)
    merged = _merge_all_of(schema, doc)
    if merged is not None:
        return _sample(merged, doc, depth + 1)
    kinds = schema.get("type")
    kind = next((k for k in kinds if k != "null"), "null") if isinstance(kinds, list) else kinds
    if kind == "object" or (kind is None and "properties" in schema):
        required = set(schema.get("required") or [])
        props = schema.get("properties") or {}
        return {name: _sample(prop, doc, depth + 1) for name, prop in props.items() if name in required}
    if kind == "array":
        return [_sample(schema.get("items", {}), doc, depth + 1)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    fmt = schema.get("format")
    if fmt == "binary":
        return _Binary()
    return FORMAT_SAMPLES.get(str(fmt), "string")


def _raw_operation(api: Api, op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The operation and path item as the spec wrote them: the examples the IR does not carry."""
    item = (api.openapi.get("paths") or {}).get(op.path) or {}
    node = item.get(op.method.lower()) if isinstance(item, dict) else None
    return (node if isinstance(node, dict) else {}), (item if isinstance(item, dict) else {})


def _param_examples(doc: Document, node: dict[str, Any], item: dict[str, Any]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for raw in [*(item.get("parameters") or []), *(node.get("parameters") or [])]:
        param = _deref(doc, raw)
        if not isinstance(param, dict):
            continue
        key = (str(param.get("name")), str(param.get("in")))
        if "example" in param:
            found[key] = param["example"]
        elif isinstance(param.get("examples"), dict) and param["examples"]:
            first = _deref(doc, next(iter(param["examples"].values())))
            if isinstance(first, dict) and "value" in first:
                found[key] = first["value"]
    return found


def _media_examples(doc: Document, media: Any) -> list[tuple[str, Any]]:
    if not isinstance(media, dict):
        return []
    out: list[tuple[str, Any]] = [("example", media["example"])] if "example" in media else []
    for name, entry in (media.get("examples") or {}).items():
        example = _deref(doc, entry)
        if isinstance(example, dict) and "value" in example:
            out.append((str(name), example["value"]))
    return out


def _body_examples(doc: Document, node: dict[str, Any], content_type: str) -> list[tuple[str, Any]]:
    body = _deref(doc, node.get("requestBody") or {})
    content = body.get("content") if isinstance(body, dict) else None
    return _media_examples(doc, content.get(content_type)) if isinstance(content, dict) else []


def env_var(api: Api, scheme: SecurityScheme) -> str:
    """The environment variable the examples read a credential from, so no page shows a secret."""
    return f"{py_name(api.vendor)}_{scheme.py_name}".upper()


def _example_requirement(api: Api, op: Operation) -> tuple[SecurityScheme, ...]:
    schemes = {s.name: s for s in api.security_schemes}
    usable = [tuple(schemes[n] for n in req if n in schemes) for req in op.security]
    preferred = [req for req in usable if not any(s.deprecated for s in req)]
    return (preferred or usable or [()])[0]


def _python_example(api: Api, op: Operation, samples: Mapping[str, Any], body: Any) -> str:
    creds = [f'{s.py_name}=os.environ["{env_var(api, s)}"]' for s in _example_requirement(api, op)]
    args = [(p.py_name, samples[p.py_name]) for p in op.arguments if p.required and p.default_repr is None]
    if op.body and not op.body.fields and op.body.required:
        args.append(("body", body))
    # One long line on purpose: render_site has ruff lay every snippet out, as it does generated code.
    call = f"    result = client.{op.op_id}({', '.join(f'{k}={v!r}' for k, v in args)})"
    lines = ["import os", ""] if creds or "os.environ[" in call else []
    lines += [f"from {api.package} import Client", "", f"with Client({', '.join(creds)}) as client:"]
    return "\n".join([*lines, call, "    print(result)"]) + "\n"


def _shell_double(text: str) -> str:
    """Text for inside double quotes in a POSIX shell."""
    return re.sub(r'([\\"$`])', r"\\\1", text)


def _sh(value: Any) -> str:
    """A value for inside double quotes: environment variables expand, everything else is literal."""
    if isinstance(value, _Env):
        return "$" + value.name
    if isinstance(value, _Binary):
        return "@path/to/file"
    return _shell_double(_wire(value))


def _json_default(value: Any) -> str:
    return ENV_SENTINEL.format(value.name) if isinstance(value, _Env) else repr(value)


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return _json(value)
    return str(value)


def _curl_example(api: Api, op: Operation, base_url: str, samples: Mapping[str, Any], body: Any) -> str:
    required = [p for p in op.parameters if p.required]
    path = op.path
    for p in required:
        if p.location == "path":
            path = path.replace("{" + p.name + "}", urllib.parse.quote(_wire(samples[p.py_name]), safe=""))
    pairs: list[tuple[str, str]] = []
    secrets: list[str] = []
    for p in required:
        if p.location == "query":
            value = samples[p.py_name]
            if isinstance(value, _Env):
                secrets.append(f"{urllib.parse.quote(p.name)}=${value.name}")
            elif isinstance(value, list) and p.explode:
                pairs += [(p.name, _wire(v)) for v in value]
            else:
                pairs.append((p.name, ",".join(_wire(v) for v in value) if isinstance(value, list) else _wire(value)))
    # Everything but credentials is shell-escaped; credentials stay `$VARIABLES` for the shell to expand.
    query = [_shell_double(urllib.parse.urlencode(pairs)), *secrets] if pairs else secrets
    options: list[str] = []
    for scheme in _example_requirement(api, op):
        secret = "$" + env_var(api, scheme)
        if scheme.kind == "query":
            query.append(f"{_shell_double(urllib.parse.quote(scheme.param_name))}={secret}")
        elif scheme.kind == "header":
            options.append(f'-H "{_shell_double(scheme.param_name)}: {secret}"')
        elif scheme.kind == "cookie":
            options.append(f'-b "{_shell_double(scheme.param_name)}={secret}"')
        elif scheme.kind == "basic":
            options.append(f'-H "Authorization: Basic {secret}"')
        else:
            options.append(f'-H "Authorization: Bearer {secret}"')
    for p in required:
        if p.location == "header":
            options.append(f'-H "{_shell_double(p.name)}: {_sh(samples[p.py_name])}"')
        elif p.location == "cookie":
            options.append(f'-b "{_shell_double(p.name)}={_sh(samples[p.py_name])}"')
    if op.body and op.body.fields:
        flag = "-F" if op.body.content_type == "multipart/form-data" else "--data-urlencode"
        for field in op.body.fields:
            if field.required:
                options.append(f'{flag} "{_shell_double(field.name)}={_sh(samples[field.py_name])}"')
    elif op.body and op.body.required:
        payload = json.dumps(body, indent=2, ensure_ascii=False, default=_json_default).replace("'", "'\\''")
        # A secret inside the single-quoted JSON closes the quotes around a double-quoted `$VARIABLE`.
        payload = ENV_IN_JSON.sub(lambda m: '"\'"$' + m.group(1) + '"\'"', payload)
        options += [f'-H "Content-Type: {op.body.content_type}"', f"--data '{payload}'"]
    url = _shell_double(base_url + path) + ("?" + "&".join(query) if query else "")
    method = "" if op.method == "GET" else f"-X {op.method} "
    return " \\\n  ".join([f'curl -sS {method}"{url}"', *options])


def _examples(api: Api, op: Operation, doc: Document) -> tuple[str, str, str, list[tuple[str, Any]]]:
    """(python, curl, base URL, request body examples) for one operation."""
    node, item = _raw_operation(api, op)
    examples = _param_examples(doc, node, item)
    samples: dict[str, Any] = {}
    for p in op.parameters:
        key = (p.name, p.location)
        samples[p.py_name] = examples[key] if key in examples else _sample(p.schema, doc)
    body_examples = _body_examples(doc, node, op.body.content_type) if op.body else []
    body = body_examples[0][1] if body_examples else (_sample(op.body.schema, doc) if op.body else None)
    if op.body:
        for field in op.body.fields:
            given = body.get(field.name) if isinstance(body, dict) else None
            binary = field.py_type == "bytes"  # an example can only show a file part as text; send a file
            samples[field.py_name] = _Binary() if binary else given if given is not None else _sample(field.schema, doc)
    samples = {k: _hide_secrets(v, api.vendor, k) for k, v in samples.items()}
    body = _hide_secrets(body, api.vendor)
    base_url = op.server or api.base_url
    return (
        _python_example(api, op, samples, body),
        _curl_example(api, op, base_url, samples, body),
        base_url,
        body_examples,
    )


# ---------------------------------------------------------------- per-vendor view


def _decision_href(pointer: str, ops: Mapping[str, str]) -> str | None:
    """Where on the page a decision's pointer lives, if the page has an anchor for it."""
    for prefix, op_id in ops.items():
        if pointer == prefix or pointer.startswith(prefix + "/"):
            return f"#{op_id}"
    parts = pointer.split("/")
    if pointer.startswith("/components/schemas/") and len(parts) > 3:
        return f"#schema-{parts[3]}"
    if pointer.startswith("/components/securitySchemes/") and len(parts) > 3:
        return f"#auth-{_slug(parts[3])}"
    if pointer.startswith("/webhooks/") and len(parts) > 2:
        return f"#webhook-{_slug(parts[2])}"
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


def _param_view(p: Parameter, doc: Document) -> ParamView:
    found = _deref(doc, p.schema)
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
        type=_type(p.schema, doc),
        required=p.required,
        default=_json(resolved["default"]) if "default" in resolved else None,
        enum=tuple(_json(v) for v in enum),
        description=_inline(p.description),
        notes=_notes(resolved, doc, frozenset({"enum", "default"})),
    )


def _response_view(r: Response, doc: Document) -> ResponseView:
    kind = (
        "success" if r.status.startswith("2") else "error" if r.status[0] in "45" or r.status == "default" else "other"
    )
    return ResponseView(
        status=r.status,
        kind=kind,
        description=_inline(r.description),
        content_type=r.content_type,
        schema=_schema_view(r.schema, doc) if r.schema is not None else None,
        examples=tuple(
            Example(n, _pretty(v, r.content_type)) for n, v in zip(r.example_names, r.examples, strict=False)
        ),
        headers=r.headers,
    )


def _op_view(api: Api, op: Operation, doc: Document, decisions: Sequence[DecisionView]) -> OpView:
    schemes = {s.name: s for s in api.security_schemes}
    python, curl, base_url, body_examples = _examples(api, op, doc)
    body = None
    if op.body:
        body = BodyView(
            op.body.content_type,
            op.body.required,
            _schema_view(op.body.schema, doc),
            tuple(Example(n, _pretty(v, op.body.content_type)) for n, v in body_examples),
        )
    responses = [_response_view(r, doc) for r in op.responses]
    limit = op.extensions.get("x-voxspec-rate-limit")
    op_limit = (
        _rate_limit(RateLimit(int(limit["requests"]), int(limit["window-seconds"])))
        if isinstance(limit, dict)
        else None
    )
    pointer = pointer_join("", "paths", op.path, op.method.lower())
    return OpView(
        op_id=op.op_id,
        method=op.method,
        path=op.path,
        path_html=Markup("/<wbr>").join(escape(part) for part in op.path.split("/")),
        summary=op.summary,
        description=_prose(op.description) if op.description != op.summary else Markup(""),
        tag=op.tag,
        deprecated=op.deprecated,
        search=" ".join([op.op_id, op.path, op.summary, op.tag]).lower(),
        auth=tuple(
            tuple(SchemeRef(n, f"auth-{_slug(n)}", n in schemes and schemes[n].deprecated) for n in req)
            for req in op.security
        ),
        rate_limit=op_limit,
        base_url=base_url,
        params=tuple(_param_view(p, doc) for p in op.parameters),
        body=body,
        responses=tuple(r for r in responses if r.kind != "error"),
        errors=tuple(r for r in responses if r.kind == "error"),
        behaviours=_behaviours(op.extensions),
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
        anchor=f"auth-{_slug(s.name)}",
        kind=s.kind,
        where=_inline(where),
        description=_prose(s.description),
        deprecated=s.deprecated,
        python_arg=s.py_name,
        env_var=env_var(api, s),
        token_url=s.token_url,
        decisions=_under(decisions, pointer_join("", "components", "securitySchemes", s.name)),
    )


def vendor_view(api: Api) -> VendorView:
    """Everything one vendor page shows, computed here so the template only lays it out."""
    doc = Document(Path(api.source), api.source, api.openapi, {}, api.spec_hash)
    op_pointers = {pointer_join("", "paths", op.path, op.method.lower()): op.op_id for op in api.operations}
    decisions = [
        DecisionView(d.pointer, _inline(d.text), _decision_href(d.pointer, op_pointers), d.pointer)
        for d in api.decisions
    ]
    ops = {op.op_id: _op_view(api, op, doc, decisions) for op in api.operations}
    tags = tuple(
        TagView(t.name, f"tag-{_slug(t.name)}", _prose(t.description), tuple(ops[o] for o in t.operations if o in ops))
        for t in api.tags
    )
    schemas = (api.openapi.get("components") or {}).get("schemas") or {}
    components = tuple(
        ComponentView(
            name,
            f"schema-{name}",
            _schema_view(schemas[name], doc),
            _under(decisions, pointer_join("", "components", "schemas", name)),
        )
        for name in api.model_names
    )
    webhooks = tuple(
        WebhookView(w.name, f"webhook-{_slug(w.name)}", w.event, w.summary, _schema_view(w.schema, doc))
        for w in api.webhooks
    )
    info = api.openapi.get("info") or {}
    source = info.get("x-source")
    source_document = (
        " — ".join(str(source[k]) for k in ("document", "version") if source.get(k))
        if isinstance(source, dict)
        else None
    )
    shape = api.error_shape
    error_fields = tuple((label, f) for label, f in (("code", shape.code_field), ("message", shape.message_field)) if f)
    first_paragraph, _, rest = api.description.strip().partition("\n\n")
    return VendorView(
        vendor=api.vendor,
        title=api.title,
        version=api.version,
        summary=_inline(first_paragraph),
        description=_prose(first_paragraph),
        description_more=_prose(rest),
        source=api.source,
        source_document=source_document,
        spec_hash=api.spec_hash,
        header=api.header,
        base_url=api.base_url,
        servers=api.servers,
        schemes=tuple(_scheme_view(api, s, decisions) for s in api.security_schemes),
        rate_limit=_rate_limit(api.rate_limit),
        error_fields=error_fields,
        behaviours=_behaviours(api.openapi),
        tags=tags,
        operation_count=len(api.operations),
        components=components,
        webhooks=webhooks,
        decisions=tuple(decisions),
    )


# ---------------------------------------------------------------- the site


def environment() -> Environment:
    """Like generator.render.environment(), but HTML: autoescape on, for the docs/ templates only."""
    return Environment(
        loader=PackageLoader("generator", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=True,
    )


def render_site(
    apis: Sequence[Api], raw_specs: Mapping[str, bytes], env: Environment | None = None
) -> dict[str, bytes]:
    """Every file of the site, keyed by path relative to its folder; the same input gives the same bytes.

    raw_specs maps each vendor to the bytes of its openapi.yaml, copied beside its page for download.
    """
    env = env or environment()
    views = _format_snippets([vendor_view(api) for api in sorted(apis, key=lambda a: a.vendor)])
    files: dict[str, bytes] = {MARKER: b"Written by `voxspec docs`; the whole folder is replaced on each run.\n"}
    files["index.html"] = env.get_template("docs/index.html.j2").render(vendors=views).encode("utf-8")
    page = env.get_template("docs/vendor.html.j2")
    for api, view in zip(sorted(apis, key=lambda a: a.vendor), views, strict=True):
        raw = raw_specs.get(api.vendor)
        if raw is None or hashlib.sha256(raw).hexdigest() != api.spec_hash:
            raise VoxspecError(
                f"{api.source}: the bytes given for download do not match the spec the IR was built from"
            )
        files[f"{api.vendor}/index.html"] = page.render(v=view).encode("utf-8")
        files[f"{api.vendor}/openapi.yaml"] = raw
    return dict(sorted(files.items()))


def _format_snippets(views: list[VendorView]) -> list[VendorView]:
    """The Python examples formatted by ruff, in one process for the whole site."""
    texts = {f"{v.vendor}/{op.op_id}.py": op.python for v in views for t in v.tags for op in t.operations}
    formatted = format_python(texts)
    return [
        dataclasses.replace(
            v,
            tags=tuple(
                dataclasses.replace(
                    t,
                    operations=tuple(
                        dataclasses.replace(op, python=formatted[f"{v.vendor}/{op.op_id}.py"].rstrip("\n"))
                        for op in t.operations
                    ),
                )
                for t in v.tags
            ),
        )
        for v in views
    ]


def write_site(out: Path, files: Mapping[str, bytes]) -> None:
    """Swap the site into out atomically; refuse a non-empty folder that is not a voxspec site."""
    out = out.resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise OutputRefused(f"{out} exists and is not a voxspec site (no {MARKER}); remove it or choose another --out")
    recover(out.parent)
    replace_folder(out.parent, out.name, dict(files))


def load_apis(root: Path, spec_paths: Sequence[Path]) -> tuple[list[Api], dict[str, bytes]]:
    """Load, validate, lint and build every spec; all findings of all specs are raised together."""
    apis: list[Api] = []
    raw: dict[str, bytes] = {}
    findings: list[Finding] = []
    unusable = False
    for path in spec_paths:
        started = time.perf_counter()
        try:
            doc = load(path, root)
        except SpecError as exc:
            findings += exc.findings
            unusable = True
            continue
        index = DocumentIndex(doc)
        problems = sorted(set(validate(doc, index)) | set(lint(doc, index)))
        if problems:
            findings += problems
            continue
        vendor = path.parent.name
        raw[vendor] = path.read_bytes()
        if hashlib.sha256(raw[vendor]).hexdigest() != doc.sha256:
            finding = Finding(doc.display, 0, 0, "", "the file changed while it was read; run again", "io")
            raise SpecError(f"{doc.display}: changed while building docs", (finding,))
        apis.append(build(doc, vendor))
        print(
            f"voxspec: loaded {vendor} ({len(apis[-1].operations)} operations, {time.perf_counter() - started:.2f}s)",
            file=sys.stderr,
        )
    if findings:
        error = SpecError if unusable else SpecInvalid
        raise error(f"{len(findings)} finding(s) in the specs; no docs were written", tuple(findings))
    return apis, raw


def publish(root: Path, spec_paths: Sequence[Path], out: Path) -> int:
    """`voxspec docs`: every spec to a static site in out, written only when every vendor rendered."""
    if not spec_paths:
        print("voxspec: no specs found under specs/*/openapi.yaml", file=sys.stderr)
        return Exit.UNUSABLE
    apis, raw = load_apis(root, spec_paths)
    started = time.perf_counter()
    files = render_site(apis, raw)
    elapsed = time.perf_counter() - started
    write_site(out, files)
    print(
        f"voxspec docs: {len(apis)} vendor(s), {len(files)} files rendered in {elapsed:.2f}s, written to {out}",
        file=sys.stderr,
    )
    return Exit.OK
