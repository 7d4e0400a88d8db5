"""Credentials for `voxspec contract`: read per security scheme from the environment or a file, never argv.

Every value read here is registered with a Redactor, which every report passes its text through.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tomllib
import traceback
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import SpecError
from generator.ir import SecurityScheme
from generator.runtime._auth import secret_forms

REDACTED = "[REDACTED]"
# Kinds of security scheme the contract run can send, as the spec's securitySchemes name them.
API_KEY, BEARER, BASIC = "apiKey", "bearer", "basic"


@dataclass(frozen=True)
class Scheme:
    """One security scheme of the spec, reduced to what sending a credential needs."""

    name: str
    kind: str  # API_KEY, BEARER or BASIC
    location: str = ""  # header, query or cookie, for API keys
    param: str = ""  # header, query or cookie name, for API keys
    deprecated: bool = False
    token_url: str = ""  # an OAuth2 client-credentials or password flow whose token voxspec can fetch
    flow: str = ""  # clientCredentials | password
    token_request: str = "form"  # how the vendor takes the token request: form or json

    @property
    def grant_fields(self) -> tuple[str, ...]:
        """What signing in needs, in the credentials file's and the environment's names."""
        if not self.token_url:
            return ()
        return ("client_id", "client_secret", *(("username", "password") if self.flow == "password" else ()))


def schemes_of(declared: Iterable[SecurityScheme]) -> dict[str, Scheme]:
    """The IR's security schemes as the contract run sends them: build has read the spec, `deprecated` included,
    so a scheme is deprecated here exactly where the generated clients and docs say it is. oauth2 and
    openIdConnect send a bearer token on the wire."""
    out: dict[str, Scheme] = {}
    for s in declared:
        if s.kind in ("header", "query", "cookie"):
            out[s.name] = Scheme(s.name, API_KEY, s.kind, s.param_name, s.deprecated)
        elif s.kind == "basic":
            out[s.name] = Scheme(s.name, BASIC, deprecated=s.deprecated)
        elif s.kind == "oauth2":
            flow = s.flow if s.flow in ("clientCredentials", "password") else ""
            out[s.name] = Scheme(
                s.name,
                BEARER,
                deprecated=s.deprecated,
                token_url=(s.token_url or "") if flow else "",
                flow=flow,
                token_request=s.token_request,
            )
        else:
            out[s.name] = Scheme(s.name, BEARER, deprecated=s.deprecated)
    return out


def env_name(vendor: str, scheme: str) -> str:
    """`VOXSPEC_<VENDOR>_<SCHEME>`, upper-cased, every other character an underscore."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", part).strip("_").upper() for part in ("voxspec", vendor, scheme))


class Credentials:
    """Credential values per scheme name, and OAuth2 grants to sign in with. Neither repr nor str shows a value."""

    def __init__(
        self,
        values: Mapping[str, str],
        sources: Mapping[str, str],
        grants: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._values = dict(values)
        self.sources = dict(sources)  # scheme -> where it came from (an env var name or the file), never the value
        self.grants = {name: dict(fields) for name, fields in (grants or {}).items()}

    def signed_in(self, scheme: str, token: str, source: str) -> None:
        """The token a grant was exchanged for becomes the scheme's credential."""
        self._values[scheme], self.sources[scheme] = token, source

    def get(self, scheme: str) -> str | None:
        return self._values.get(scheme)

    def __contains__(self, scheme: object) -> bool:
        return scheme in self._values

    def secrets(self) -> list[str]:
        grant_secrets = [
            v for fields in self.grants.values() for k, v in fields.items() if k.endswith(("secret", "password"))
        ]
        return [*self._values.values(), *grant_secrets]

    def __repr__(self) -> str:
        return f"Credentials(schemes={sorted(self._values)}, values=<redacted>)"

    __str__ = __repr__


def _read_file(path: Path, schemes: Mapping[str, Scheme]) -> dict[str, str | dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read credentials file {path}: {exc.__class__.__name__}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message quotes no value, only a line and column.
        raise SpecError(f"credentials file {path} is not TOML: {exc}") from None
    out: dict[str, str | dict[str, str]] = {}
    for name, value in data.items():
        if name not in schemes:
            raise SpecError(
                f"credentials file {path}: {name!r} is not a security scheme of the spec "
                f"(schemes: {', '.join(sorted(schemes)) or 'none'})"
            )
        if isinstance(value, dict) and schemes[name].grant_fields:
            fields = schemes[name].grant_fields
            if not all(isinstance(value.get(f), str) and value.get(f) for f in fields):
                raise SpecError(f"credentials file {path}: {name!r} needs string {', '.join(fields)}")
            out[name] = {f: str(value[f]) for f in fields}
        elif isinstance(value, dict) and schemes[name].kind == BASIC:
            user, password = value.get("username"), value.get("password")
            if not isinstance(user, str) or not isinstance(password, str):
                raise SpecError(f"credentials file {path}: {name!r} needs string username and password")
            out[name] = f"{user}:{password}"
        elif isinstance(value, str):
            out[name] = value
        else:
            raise SpecError(f"credentials file {path}: {name!r} must be a string")
    return out


def file_is_shared(path: Path) -> bool:
    """Whether users other than the owner may read the file (worth a warning for a secrets file)."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False


def load_credentials(
    vendor: str,
    schemes: Mapping[str, Scheme],
    file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> Credentials:
    """Environment variables win over the file; `defaults` (the mock's key) fill what neither gives."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    grants: dict[str, dict[str, str]] = {}
    if file is not None:
        for name, value in _read_file(file, schemes).items():
            if isinstance(value, dict):
                grants[name], sources[name] = value, str(file)
            else:
                values[name], sources[name] = value, str(file)
    for name, scheme in schemes.items():
        var = env_name(vendor, name)
        if env.get(var):
            values[name], sources[name] = env[var], var
        fields = {f: env.get(f"{var}_{f.upper()}", "") for f in scheme.grant_fields}
        if fields and all(fields.values()):
            grants[name], sources[name] = fields, f"{var}_{'/'.join(f.upper() for f in fields)}"
    for name, value in (defaults or {}).items():
        if name in schemes and name not in values:
            values[name], sources[name] = value, "the mock's key"
    for name, value in values.items():
        if schemes[name].kind == BASIC and ":" not in value:
            raise SpecError(f"credential for {name!r} ({sources[name]}) must be 'username:password' for basic auth")
    # A token given outright wins over a grant to fetch one.
    return Credentials(values, sources, {k: v for k, v in grants.items() if k not in values})


def auth_config(schemes: Mapping[str, Scheme], credentials: Credentials) -> dict[str, dict[str, str]]:
    """The `openapi` mapping of schemathesis' AuthConfig; a deprecated scheme only when nothing else is given."""
    given = [s for s in schemes.values() if s.name in credentials]
    preferred = [s for s in given if not s.deprecated] or given
    out: dict[str, dict[str, str]] = {}
    for scheme in preferred:
        value = credentials.get(scheme.name) or ""
        if scheme.kind == BASIC:
            user, _, password = value.partition(":")
            out[scheme.name] = {"username": user, "password": password}
        elif scheme.kind == BEARER:
            out[scheme.name] = {"bearer": value}
        else:
            out[scheme.name] = {"api_key": value}
    return out


@dataclass
class Redactor:
    """Replaces every form a secret can take on the wire (raw, URL-quoted, basic-auth base64) with [REDACTED]."""

    forms: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, secrets: Iterable[str]) -> Redactor:
        """Every wire form of every secret, as the generated clients redact them."""
        redactor = cls()
        for secret in secrets:
            redactor.add(secret)
        return redactor

    def add(self, secret: str) -> None:
        """Also hide a secret learnt during the run (an OAuth2 token)."""
        self.forms = sorted({*self.forms, *secret_forms(secret)}, key=lambda s: (-len(s), s))

    def __call__(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Redactor(<{len(self.forms)} redacted forms>)"

    def deep(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self(str(k)): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value


@contextmanager
def redacted_logging(redact: Redactor) -> Iterator[None]:
    """Every log record made during the block is redacted when created, whoever logs it (urllib3 logs URLs)."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)
