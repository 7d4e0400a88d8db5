"""Copy-paste examples per operation: the generated Python client call and a curl command."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from generator.docs.schemas import merge_all_of
from generator.docs.text import MAX_DEPTH, to_json
from generator.ir import Api, Operation, SecurityScheme, is_reference
from generator.names import py_name


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


def _sample(schema: Any, api: Api, depth: int = 0) -> Any:
    """A plausible value for a schema: its example, default or first enum value, else one by type."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return "string"
    if is_reference(schema):
        return _sample(api.resolve(schema), api, depth + 1)
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
            return _sample(schema[key][0], api, depth + 1)
    merged = merge_all_of(schema, api)
    if merged is not None:
        return _sample(merged, api, depth + 1)
    kinds = schema.get("type")
    kind = next((k for k in kinds if k != "null"), "null") if isinstance(kinds, list) else kinds
    if kind == "object" or (kind is None and "properties" in schema):
        required = set(schema.get("required") or [])
        props = schema.get("properties") or {}
        return {name: _sample(prop, api, depth + 1) for name, prop in props.items() if name in required}
    if kind == "array":
        return [_sample(schema.get("items", {}), api, depth + 1)]
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
        return to_json(value)
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


def examples(api: Api, op: Operation) -> tuple[str, str, str]:
    """(python, curl, base URL) for one operation: its parameters' and body's first examples, else samples."""
    samples: dict[str, Any] = {}
    for p in op.parameters:
        samples[p.py_name] = p.examples[0].value if p.examples else _sample(p.schema, api)
    body_examples = op.body.examples if op.body else ()
    body = body_examples[0].value if body_examples else (_sample(op.body.schema, api) if op.body else None)
    if op.body:
        for field in op.body.fields:
            given = body.get(field.name) if isinstance(body, dict) else None
            binary = field.py_type == "bytes"  # an example can only show a file part as text; send a file
            samples[field.py_name] = _Binary() if binary else given if given is not None else _sample(field.schema, api)
    samples = {k: _hide_secrets(v, api.vendor, k) for k, v in samples.items()}
    body = _hide_secrets(body, api.vendor)
    base_url = op.server or api.base_url
    return (
        _python_example(api, op, samples, body),
        _curl_example(api, op, base_url, samples, body),
        base_url,
    )
