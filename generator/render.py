"""IR -> files in memory: Jinja2 templates for the package, datamodel-code-generator for models.

Every file starts with the voxspec header line; Python output is formatted by ruff so it is stable.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import re
import subprocess
import tempfile
from json.encoder import encode_basestring as _encode_string  # json.dumps' own (C) string encoder
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket

from generator.errors import VoxspecError
from generator.ir import Api, Body, Operation, Pagination, RateLimit
from generator.models import models_source

PURE_PARAM = re.compile(r"\{[^{}]+\}")
RUNTIME_COPIES = {
    "_http.py": "runtime/client.py",
    "_auth.py": "runtime/_auth.py",
    "_errors.py": "runtime/_errors.py",
    "_policy.py": "runtime/_policy.py",
    "_shapes.py": "runtime/_shapes.py",
}
MOCK_PACKAGE = "mock"  # copied whole into each package as `_mock/`
GENERATOR_ROOT = Path(__file__).resolve().parent


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
QUOTE_RUN = re.compile(r'"(?="|\Z)')


def _docstring(text: str) -> str:
    """text as the inside of a triple-quoted docstring: backslashes, quotes and control characters escaped,
    so any title or description from a spec leaves valid Python (and reads back as itself)."""
    out = str(text).strip().replace("\\", "\\\\")
    out = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", out)
    # A quote that another quote follows, or that ends the text, is escaped: then no three quotes in a row
    # close the docstring early and none runs into the closing ones; a lone quote inside reads as it is.
    return QUOTE_RUN.sub(r'\\"', out)


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's."""
    return json.dumps(str(text), ensure_ascii=False)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _method_doc(op: Operation) -> str:
    """The docstring of a client method: summary, method and path, description, arguments."""
    lines = [
        _docstring(op.summary or op.op_id) + (" (deprecated)" if op.deprecated else ""),
        "",
        f"`{op.method} {_docstring(op.path)}`",
    ]
    if op.effects:
        # Said in the docstring because a GET that places a call is not what a reader expects of a GET.
        lines += ["", _docstring(f"Effects: {op.effects}. Never retried automatically.")]
    if op.description:
        lines += ["", _docstring(op.description)]
    args = [(p.py_name, p.description or p.name) for p in op.arguments]
    body = op.body
    if body is not None and not body.fields:
        # in signature order: a required body comes first, an optional one last
        about = _body_doc(body)
        args = [("body", about), *args] if body.required else [*args, ("body", about)]
    if args:
        lines += ["", "Args:"]
        lines += [f"    {name}: {_docstring(text)}" for name, text in args]
    return "\n".join(lines)


def _body_doc(body: Body) -> str:
    """What the `body` argument of a client method is: its description, then what it takes."""
    kind = f"`{body.model}`, or a mapping of its fields" if body.model else f"`{body.py_type}`"
    text = body.description.rstrip(".")
    what = f"The request body ({body.content_type}): {kind}." if not text else f"{text}: {kind}."
    return what + ("" if body.required else " Left out when None.")


def route_path(op: Operation, base_path: str = "") -> str:
    """The Starlette route of an operation: integer path parameters only match digits, so
    `/user/login` is not taken for `/user/{id}` when id is an integer."""
    path = (urlsplit(op.server).path.rstrip("/") if op.server is not None else base_path) + op.path
    for p in op.parameters:
        if p.location == "path" and p.py_type == "int":
            path = path.replace("{" + p.name + "}", "{" + p.name + ":int}")
    return path


def _group_by_path(api: Api) -> list[tuple[str, list[tuple[str, str]]]]:
    """Routes by path, concrete segments before templated ones (as OpenAPI matches paths)."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for op in api.operations:
        grouped.setdefault(route_path(op, api.base_path), []).append((op.method, op.op_id))

    def specificity(path: str) -> tuple[tuple[int, str], ...]:
        # literal segments first, then a parameter with literal text (`{id}:details`), then a bare `{id}`
        return tuple((0 if "{" not in s else 1 if not PURE_PARAM.fullmatch(s) else 2, s) for s in path.split("/"))

    return sorted(grouped.items(), key=lambda item: specificity(item[0]))


def _paging_doc(paging: Pagination) -> str:
    """How an `iter_*` method pages, for its docstring."""
    if paging.style == "offset":
        return f"`{paging.offset}` advanced by each page's length, `{paging.limit}` items a page"
    return f"`{paging.page}` counting up, `{paging.size}` items a page"


def _runtime_type(annotation: str) -> str:
    """A type annotation string as an expression usable at run time (the parser's target)."""
    return "Any" if annotation in ("Any", "None") else annotation


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja2's own cache of compiled templates, in its default folder (one per user, mode 0700, in the system's
    temporary directory): a run loads each template's code instead of compiling it, 0.08 s of the start-up that
    comes before the vendor workers fork. A template whose source changed is compiled again (the cache keeps each
    source's checksum), and a cache that cannot be written only costs that time."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@functools.cache
def _template_cache() -> BytecodeCache | None:
    try:
        return _TemplateCache()
    except (OSError, RuntimeError):  # no private temporary folder to be had: compile every time
        return None


def environment(autoescape: bool = False) -> Environment:
    """The Jinja2 environment of every voxspec template; `autoescape` for the HTML ones (docs/)."""
    env = Environment(
        loader=PackageLoader("generator", "templates"),
        bytecode_cache=_template_cache(),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=autoescape,
    )
    env.filters["pyrepr"] = _pyrepr
    env.filters["docstring"] = _docstring
    env.filters["toml_string"] = _toml_string
    env.filters["one_line"] = _one_line
    env.filters["runtime_type"] = _runtime_type
    env.filters["method_doc"] = _method_doc
    env.filters["paging_doc"] = _paging_doc
    env.filters["group_by_path"] = _group_by_path
    return env


@functools.cache
def package_environment() -> Environment:
    """The environment of the package templates, each compiled once per process: the pipeline calls this
    before forking its workers, which then share the compiled templates instead of compiling them per vendor."""
    env = environment()
    for name in env.list_templates(filter_func=lambda name: name.startswith("package/")):
        env.get_template(name)
    return env


def _pyrepr(value: Any) -> str:
    return repr(value)


def runtime_spec(api: Api) -> dict[str, Any]:
    """The JSON the mock runtime reads, cut from the IR alone: operations with their schemas resolved (no `$ref`
    left but where a schema recurses) and examples, the behaviours the spec declares, security, error shape."""
    operations: dict[str, Any] = {}
    fallback: dict[str, Any] = {}
    for op in api.operations:
        responses = {}
        for r in op.responses:
            entry = {
                "examples": list(r.examples),
                "example_names": list(r.example_names),
                "schema": r.resolved_schema,
                "content_type": r.content_type,
                "headers": list(r.headers),
            }
            responses[r.status] = entry
            if r.status[0] == "4" and r.status not in fallback:
                fallback[r.status] = entry
        body = None
        if op.body:
            body = {"content": dict(op.body.resolved_content), "required": op.body.required}
        operations[op.op_id] = {
            "method": op.method,
            "path": op.path,
            "route": route_path(op, api.base_path),
            "security": [list(r) for r in op.security],
            "parameters": [
                {
                    "name": p.name,
                    "in": p.location,
                    "required": p.required,
                    "schema": p.resolved_schema,
                    "explode": p.explode,
                }
                | ({"example": p.example} if p.example is not None and p.location == "path" else {})
                for p in op.parameters
            ],
            "body": body,
            "responses": responses,
            "success": op.success.status,
            "rate_limit": _limit(op.rate_limit),
            **_operation_behaviour(op),
        }
    allow_list = api.behaviour.allow_list
    alias = api.behaviour.self_alias
    return {
        "title": api.title,
        "operations": operations,
        "security_schemes": {
            s.name: {"kind": s.kind, "param_name": s.param_name, **({"flow": s.flow} if s.flow else {})}
            for s in api.security_schemes
        },
        "error_shape": {"code_field": api.error_shape.code_field, "message_field": api.error_shape.message_field},
        "fallback_errors": fallback,
        "rate_limit": _limit(api.rate_limit),
        "allow_list": {"status": allow_list.status, "message": allow_list.message} if allow_list else None,
        "self_alias": {"value": alias.value, "parameters": list(alias.parameters)} if alias else None,
        "base_path": api.base_path,
        "server_variables": dict(api.server_variables),
        "webhooks": {
            w.event: {"name": w.name, "example": w.example, "schema": w.resolved_schema}
            for w in api.webhooks
            if w.example is not None
        },
    }


def _operation_behaviour(op: Operation) -> dict[str, Any]:
    """An operation's declared behaviours as the mock reads them, each under the name of what it is."""
    b = op.behaviour
    paging = op.pagination
    pagination = None
    if paging is not None:
        names = {"limit": paging.limit, "offset": paging.offset, "page": paging.page, "size": paging.size}
        pagination = {"style": paging.style, **{k: v for k, v in names.items() if v is not None}}
        pagination |= {"items": paging.items} if paging.items is not None else {}
    envelope = None
    if op.envelope is not None:
        fields = {
            "success_field": op.envelope.success,
            "code_field": op.envelope.code,
            "message_field": op.envelope.message,
            "data_field": op.envelope.data_field,
        }
        envelope = {k: v for k, v in fields.items() if v is not None}
    integrity = b.integrity
    return {
        "crud": (
            {"resource": b.crud.resource, "action": b.crud.action, "id": b.crud.id, "field": b.crud.field}
            if b.crud
            else None
        ),
        "pagination": pagination,
        "envelope": envelope,
        "async": (
            {
                "states": list(b.async_rule.states),
                "status_field": b.async_rule.status_field,
                "poll": b.async_rule.poll,
                "seconds": b.async_rule.seconds,
            }
            if b.async_rule
            else None
        ),
        "synchronous": (
            {"parameter": b.synchronous.parameter, "value": b.synchronous.value} if b.synchronous else None
        ),
        "subscription": (
            {
                "url_field": b.subscription.url_field,
                "event_field": b.subscription.event_field,
                "filters": list(b.subscription.filters),
                "wildcard": b.subscription.wildcard,
            }
            if b.subscription
            else None
        ),
        "integrity": {
            "duplicate": integrity.duplicate,
            "unique": [list(fields) for fields in integrity.unique],
            "children": [
                {"operation": c.operation, "field": c.field, "on_delete": c.on_delete} for c in integrity.children
            ],
        },
        "emits": list(b.emits),
        "token_endpoint": b.token_endpoint,
    }


def simple_operation(api: Api) -> tuple[Operation, str]:
    """A collection GET whose required arguments are all path parameters, with those arguments as Python source:
    the call the package README's testing example makes (seeded records answer under any parent)."""

    def value(p: Any) -> str:
        if p.example is not None:
            return repr(p.example)
        schema = p.schema if isinstance(p.schema, dict) else {}
        for key in ("example", "default"):
            if key in schema:
                return repr(schema[key])
        if schema.get("enum"):
            return repr(schema["enum"][0])
        return "1" if p.py_type == "int" else repr("1")

    candidates = [op for op in api.operations if not op.writes and op.idempotent and op.security]
    candidates.sort(key=lambda op: op.path.endswith("}"))
    for op in candidates:
        required = [p for p in op.arguments if p.required and p.default_repr is None]
        if all(p.location == "path" for p in required):
            return op, ", ".join(f"{p.py_name}={value(p)}" for p in required)
    return api.operations[0], "..."


def testing_credentials(api: Api) -> tuple[tuple[str, str], ...]:
    """(client keyword, scheme kind) of every scheme in the first security requirement an operation has: what a
    `MockServer.client()` fills with the mock's key so that every secured operation authenticates."""
    requirement = next((op.security[0] for op in api.operations if op.security and op.security[0]), ())
    schemes = {s.name: s for s in api.security_schemes}
    return tuple((schemes[name].py_name, schemes[name].kind) for name in requirement if name in schemes)


def _limit(limit: RateLimit | None) -> dict[str, int] | None:
    return {"requests": limit.requests, "window_seconds": limit.window_seconds} if limit else None


def render(api: Api, env: Environment | None = None) -> dict[str, bytes]:
    """All files of generated/<vendor>/, keyed by path relative to that folder, the Python ones through one ruff
    pass (two ruff processes; the runtime copies skip it)."""
    env = env or package_environment()
    pkg = api.package
    context = {
        "api": api,
        "credentials": testing_credentials(api),
        "simple_call": simple_operation(api),
    }
    texts: dict[str, str] = {
        "pyproject.toml": env.get_template("package/pyproject.toml.j2").render(context),
        "README.md": env.get_template("package/README.md.j2").render(context),
        f"{pkg}/__init__.py": env.get_template("package/__init__.py.j2").render(context),
        f"{pkg}/client.py": env.get_template("package/client.py.j2").render(context),
        f"{pkg}/server.py": env.get_template("package/server.py.j2").render(context),
        f"{pkg}/_spec.py": env.get_template("package/_spec.py.j2").render(context),
        f"{pkg}/py.typed": f"# {api.header}\n",
    }
    texts[f"{pkg}/testing.py"] = env.get_template("package/testing.py.j2").render(context)
    texts[f"{pkg}/pytest_plugin.py"] = env.get_template("package/pytest_plugin.py.j2").render(context)
    # The mock's runtime data as package data a reader can open: pretty-printed JSON, one key a line.
    runtime = {"generated": api.header, **runtime_spec(api)}
    runtime_json = pretty_json(runtime) + "\n"
    if api.webhooks:
        texts[f"{pkg}/webhooks.py"] = env.get_template("package/webhooks.py.j2").render(context)
    models = models_source(api)
    body = "\n".join(line for line in models.splitlines() if not line.startswith(("# generated by", "#   filename")))
    texts[f"{pkg}/models.py"] = f'# {api.header}\n"""Models of the {_docstring(api.title)}."""\n' + body.lstrip("\n")
    texts = format_python(texts)
    # The runtime is copied verbatim (it is voxspec's own ruff-clean source), so it skips the ruff pass.
    for target, source in runtime_sources().items():
        texts[f"{pkg}/{target}"] = f"# {api.header}\n" + source
    texts[f"{pkg}/_spec.json"] = runtime_json
    return {name: text.encode("utf-8") for name, text in sorted(texts.items())}


def pretty_json(value: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=1)`, byte for byte, in about half the time: with an indent
    the standard library encodes in Python generator by generator, and a 1.5 MB runtime file took 0.1 s.
    Anything outside plain JSON data (a non-string key, NaN) goes to json.dumps itself."""
    try:
        return _pretty(value, "\n")
    except _NotPlain:
        return json.dumps(value, ensure_ascii=False, indent=1)


class _NotPlain(Exception):
    pass


def _pretty(value: Any, pad: str) -> str:
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = pad + " "
        for key in value:
            if not isinstance(key, str):
                raise _NotPlain
        items = [_encode_string(k) + ": " + _pretty(v, inner) for k, v in value.items()]
        return "{" + inner + ("," + inner).join(items) + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = pad + " "
        return "[" + inner + ("," + inner).join([_pretty(v, inner) for v in value]) + pad + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    raise _NotPlain


@functools.cache
def runtime_sources() -> dict[str, str]:
    """The runtime every package copies, by its path in the package, read once per process."""
    sources = {target: (GENERATOR_ROOT / source).read_text("utf-8") for target, source in RUNTIME_COPIES.items()}
    for module in sorted((GENERATOR_ROOT / MOCK_PACKAGE).glob("*.py")):
        sources[f"_mock/{module.name}"] = module.read_text("utf-8")
    # The control API's own OpenAPI document, served by the mock at /__voxspec/openapi.json.
    sources["_mock/control.yaml"] = (GENERATOR_ROOT / MOCK_PACKAGE / "control.yaml").read_text("utf-8")
    return sources


def ruff_binary() -> str:
    # ruff's package exports the path of its binary; formatting runs that binary as a subprocess.
    from ruff import find_ruff_bin

    return str(find_ruff_bin())


class FormatFailed(VoxspecError):
    """ruff could not format a generated file; names the file, the line and the definition around it."""

    def __init__(self, reason: str, file: str | None = None, line: int = 0, definition: str | None = None) -> None:
        super().__init__(f"{file}:{line}: {reason}" if file else reason)
        self.reason, self.file, self.line, self.definition = reason, file, line, definition


DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)")


def _enclosing_definition(text: str, line: int) -> str | None:
    """The name of the def or class a line sits in (the nearest one opened above it)."""
    for candidate in reversed(text.splitlines()[:line]):
        match = DEFINITION.match(candidate)
        if match:
            return match.group(1)
    return None


def _format_failure(python: dict[str, str], stderr: str) -> FormatFailed:
    """Why ruff failed, located: a generated file that is not valid Python is the usual cause, and Python's own
    parser names its line, which ruff's message does not always carry."""
    for name, text in sorted(python.items()):
        try:
            ast.parse(text, name)
        except SyntaxError as exc:
            line = exc.lineno or 0
            definition = _enclosing_definition(text, line)
            inside = f" (in {definition})" if definition else ""
            return FormatFailed(f"generated code is not valid Python{inside}: {exc.msg}", name, line, definition)
    return FormatFailed(f"ruff could not format generated code: {stderr.strip()[:2000] or 'no message'}")


def format_python(texts: dict[str, str]) -> dict[str, str]:
    """Run ruff (import sorting, then the formatter) over the Python files, in one process each."""
    python = {name: text for name, text in texts.items() if name.endswith(".py")}
    if not python:
        return texts
    ruff = ruff_binary()
    options = ["--isolated", "--line-length", "120", "--target-version", "py311", "--quiet"]
    with tempfile.TemporaryDirectory(prefix="voxspec-fmt-") as tmp:
        root = Path(tmp)
        for name, text in python.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, "utf-8")
        for command in (
            [ruff, "check", "--fix-only", "--select", "I,F401,UP", *options, "--exit-zero", str(root)],
            [ruff, "format", *options, str(root)],
        ):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise _format_failure(python, result.stderr)
        return {**texts, **{name: (root / name).read_text("utf-8") for name in python}}
