"""Credentials of generated clients: secrets that never show, auth schemes, OAuth2 client credentials.

Copied verbatim into each generated package as `_auth.py`; imports only httpx and the standard library.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

from ._errors import AuthenticationError

REDACTED = "********"
# Values shorter than this are not searched for in text: replacing every "c" of a message helps nobody,
# and real keys, passwords and tokens are longer.
MIN_REDACTED_LENGTH = 6
# Refresh an OAuth2 token this many seconds before it expires, so a request never races the expiry.
TOKEN_SKEW_SECONDS = 30.0

_LIVE: weakref.WeakSet[Secret] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


class Secret:
    """A credential that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        if value:
            with _LIVE_LOCK:
                _LIVE.add(self)

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    __str__ = __repr__


def secret_forms(secret: str) -> list[str]:
    """Every form a secret takes on the wire, longest first (so a longer form is replaced before a shorter form
    inside it): itself, URL-quoted, base64 (a basic-auth token), and for a `user:password` pair the password,
    raw and quoted. Derived forms shorter than 4 characters would match ordinary text and are left out."""
    if not secret:
        return []
    candidates = {secret, quote(secret, safe=""), quote_plus(secret), base64.b64encode(secret.encode()).decode()}
    _user, sep, password = secret.partition(":")
    if sep and password:
        candidates.update({password, quote(password, safe=""), quote_plus(password)})
    forms = {c for c in candidates if len(c) >= 4} | {secret}
    return sorted(forms, key=lambda form: (-len(form), form))


def redact(text: str) -> str:
    """`text` with every form of every live secret (see secret_forms) replaced by ********."""
    with _LIVE_LOCK:
        values = [s.get() for s in _LIVE]
    for value in values:
        if len(value) < MIN_REDACTED_LENGTH:
            continue
        for form in secret_forms(value):
            if form in text:
                text = text.replace(form, REDACTED)
    return text


class _RedactingFilter(logging.Filter):
    """Rewrites httpx/httpcore log records that would print a URL holding a query-string key."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _RedactingFilter()
for _name in ("httpx", "httpcore"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


@dataclass(frozen=True)
class Scheme:
    name: str
    kind: str  # header | query | cookie | bearer | basic | oauth2
    param_name: str
    token_url: str | None = None  # oauth2 client credentials


class TokenSource:
    """An OAuth2 token, by client credentials or (given a username and password) the password grant: fetched
    on first use, refreshed before it expires or after a 401."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        username: str | None = None,
        password: str | None = None,
        encoding: str = "form",
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id  # an identifier, not a secret
        self._client_secret = Secret(client_secret)
        self._username = username  # an identifier, not a secret
        self._password = Secret(password) if password is not None else None
        self._encoding = encoding  # "form" (RFC 6749) or "json" for vendors that take only JSON
        self._clock = clock
        self._token: Secret | None = None
        self._refresh_at = 0.0
        self.lock = threading.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"TokenSource(token_url={self.token_url!r}, has_token={self._token is not None})"

    def current(self) -> str | None:
        if self._token is None or self._clock() >= self._refresh_at:
            return None
        return self._token.get()

    def invalidate(self) -> None:
        self._token = None

    def request(self) -> dict[str, Any]:
        """The token request (RFC 6749 section 4.4, or 4.3 for the password grant), form-encoded unless the vendor
        takes only JSON; an empty client secret is left out (a public client)."""
        data = {"grant_type": "client_credentials", "client_id": self._client_id}
        if self._username is not None and self._password is not None:
            data.update(grant_type="password", username=self._username, password=self._password.get())
        if self._client_secret.get():
            data["client_secret"] = self._client_secret.get()
        body = {"json": data} if self._encoding == "json" else {"data": data}
        return {"method": "POST", "url": self.token_url, **body, "headers": {"Accept": "application/json"}}

    def accept(self, response: httpx.Response) -> None:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not response.is_success or not isinstance(token, str) or not token:
            message = "token request refused"
            if isinstance(body, dict):
                message = str(body.get("error_description") or body.get("message") or body.get("error") or message)
            raise AuthenticationError(
                response.status_code, None, redact(message), None, body, "oauth2_token", f"POST {self.token_url}"
            )
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 3600.0
        self._token = Secret(token)
        # refresh TOKEN_SKEW_SECONDS early, or half-way through a shorter lifetime
        self._refresh_at = self._clock() + max(lifetime - TOKEN_SKEW_SECONDS, lifetime / 2)
        self.fetches += 1


class Credentials:
    """The caller's secrets by security scheme name; applied to a request per the operation's requirements."""

    def __init__(
        self,
        schemes: Sequence[Scheme],
        values: Mapping[str, str | tuple[str, str] | None],
        token_sources: Mapping[str, TokenSource] | None = None,
    ) -> None:
        self._schemes = {s.name: s for s in schemes}
        self._values: dict[str, Secret] = {}
        self._kept: list[Secret] = []  # secrets only held so that redact() keeps hiding them
        for name, value in values.items():
            if isinstance(value, tuple):  # basic: (user, password)
                user, password = value
                self._values[name] = Secret(base64.b64encode(f"{user}:{password}".encode()).decode("ascii"))
                self._kept.append(Secret(password))
            elif value:
                self._values[name] = Secret(value)
        self._sources = {k: v for k, v in (token_sources or {}).items() if k not in self._values}
        self._chosen: dict[tuple[tuple[str, ...], ...], tuple[str, ...] | None] = {}

    def __repr__(self) -> str:
        return f"Credentials({sorted({*self._values, *self._sources})})"

    def requirement(self, security: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
        """The first alternative the caller holds every credential of (cached per distinct security list)."""
        try:
            return self._chosen[security]
        except KeyError:
            held = {*self._values, *self._sources}
            chosen = next((req for req in security if all(name in held for name in req)), None)
            self._chosen[security] = chosen
            return chosen

    def token_source(self, security: tuple[tuple[str, ...], ...]) -> TokenSource | None:
        requirement = self.requirement(security)
        for name in requirement or ():
            if name in self._sources:
                return self._sources[name]
        return None

    def apply(
        self,
        security: tuple[tuple[str, ...], ...],
        params: dict[str, Any],
        headers: dict[str, str],
        cookies: dict[str, str],
    ) -> None:
        for name in self.requirement(security) or ():
            if name in self._values:
                value = self._values[name].get()
            else:
                token = self._sources[name].current()
                if token is None:
                    continue  # the caller fetches a token before applying; a missing one lets the vendor say 401
                value = token
            scheme = self._schemes[name]
            kind = scheme.kind
            if kind == "header":
                headers[scheme.param_name] = value
            elif kind == "query":
                params[scheme.param_name] = value
            elif kind == "cookie":
                cookies[scheme.param_name] = value
            elif kind == "basic":
                headers["Authorization"] = f"Basic {value}"
            else:
                headers["Authorization"] = f"Bearer {value}"
