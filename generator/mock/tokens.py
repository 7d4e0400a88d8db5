"""OAuth2 sign-in for the mock: the token endpoints a spec marks with `x-voxspec-token-endpoint`, and the
credentials they and HTTP basic auth are checked against.

Tokens are signed, not stored: any worker sharing the configuration verifies any other worker's tokens,
and no number of sign-ins grows the mock's memory. Copied into each generated package as `_mock/`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .runtime import ApiRequest, ApiResponse, Problem, configured_clients, configured_keys, configured_users

DEFAULT_TTL = 3600.0  # seconds, when neither the spec's example nor VOXSPEC_MOCK_TOKEN_TTL says
REFRESH_TTL = 30 * 24 * 3600.0
GRANTS = {"clientCredentials": "client_credentials", "password": "password"}
ACCESS, REFRESH = "a", "r"


@dataclass(frozen=True)
class Grant:
    kind: str  # ACCESS or REFRESH
    expires: float
    client: str
    user: str


class Tokens:
    """Issues and verifies the mock's OAuth2 tokens."""

    def __init__(
        self,
        schemes: Mapping[str, Mapping[str, Any]],
        clients: Mapping[str, str] | None = None,
        users: Mapping[str, str] | None = None,
        ttl: float | None = None,
        keys: Collection[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.schemes = schemes
        self.clients = dict(clients if clients is not None else configured_clients())
        self.users = dict(users if users is not None else configured_users())
        self.ttl = ttl
        self.clock = clock
        # Derived from the configuration, so every worker started with it signs and verifies alike.
        known = sorted(keys if keys is not None else configured_keys())
        material = json.dumps([known, sorted(self.clients.items()), sorted(self.users.items())])
        self._key = hashlib.sha256(b"voxspec-mock-token\0" + material.encode()).digest()

    def __repr__(self) -> str:
        return f"Tokens(clients={sorted(self.clients)}, users={sorted(self.users)}, ttl={self.ttl})"

    # -- verifying

    def accepts(self, token: str) -> bool:
        """Whether token is an access token this mock issued that has not expired."""
        grant = self._open(token)
        return grant is not None and grant.kind == ACCESS and grant.expires > self.clock()

    def subject(self, token: str) -> str | None:
        """Who an access token stands for (`client/user`), so that limits follow the caller, not each token."""
        grant = self._open(token) if "." in token else None
        return f"{grant.client}/{grant.user}" if grant is not None and grant.kind == ACCESS else None

    def basic(self, value: str) -> bool:
        """Whether an HTTP basic credential decodes to `user:password` of a configured user."""
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return False
        user, sep, password = decoded.partition(":")
        known = self.users.get(user)
        return bool(sep) and known is not None and hmac.compare_digest(known.encode(), password.encode())

    def _sign(self, grant: Grant) -> str:
        nonce = secrets.token_hex(4)  # two sign-ins in the same millisecond still get distinct tokens
        fields = [grant.kind, round(grant.expires, 3), grant.client, grant.user, nonce]
        payload = json.dumps(fields, separators=(",", ":"))
        body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.new(self._key, body, hashlib.sha256).digest()[:24])
        return f"{body.decode()}.{mac.decode()}"

    def _open(self, token: str) -> Grant | None:
        body, sep, mac = token.partition(".")
        if not sep or len(token) > 4096:
            return None
        expected = base64.urlsafe_b64encode(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:24])
        if not hmac.compare_digest(expected, mac.encode()):
            return None
        try:
            kind, expires, client, user, _nonce = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError, binascii.Error):
            return None
        return Grant(str(kind), float(expires), str(client), str(user))

    # -- issuing

    def grant(self, op: Mapping[str, Any], request: ApiRequest) -> ApiResponse:
        """The token endpoint: check the grant the request carries (body fields, else query parameters)
        against the configured clients and users, and answer the spec's success example with a new token."""
        scheme = self.schemes.get(str(op.get("token_endpoint")), {})
        fields: dict[str, Any] = {**request.query, **(request.body if isinstance(request.body, dict) else {})}
        grant_type = str(fields.get("grant_type") or "")
        flow_grant = GRANTS.get(str(scheme.get("flow")), "")
        # `mfa` finishes a password sign-in that asked for a second factor (NetSapiens' published grants)
        allowed = {flow_grant, "refresh_token"} | ({"mfa"} if flow_grant == "password" else set())
        if grant_type not in allowed:
            raise Problem("invalid", f"unsupported grant_type {grant_type!r}")
        client = str(fields.get("client_id") or "")
        secret = self.clients.get(client)
        if secret is None or not hmac.compare_digest(secret.encode(), str(fields.get("client_secret") or "").encode()):
            raise Problem("auth", "invalid client credentials")
        user = ""
        if grant_type in ("password", "mfa"):
            user = str(fields.get("username") or "")
            password = self.users.get(user)
            if password is None or not hmac.compare_digest(password.encode(), str(fields.get("password")).encode()):
                raise Problem("auth", "invalid username or password")
        if grant_type == "mfa":
            # the mock has no second factor of its own: any passcode completes a first sign-in it issued
            first = self._open(str(fields.get("access_token") or ""))
            if first is None or first.kind != ACCESS or (first.client, first.user) != (client, user):
                raise Problem("auth", "the access token is not one this sign-in was issued")
            if not str(fields.get("passcode") or "").strip():
                raise Problem("auth", "a passcode is needed")
        elif grant_type == "refresh_token":
            earlier = self._open(str(fields.get("refresh_token") or ""))
            if earlier is None or earlier.kind != REFRESH or earlier.client != client:
                raise Problem("auth", "invalid refresh token")
            if earlier.expires <= self.clock():
                raise Problem("auth", "the refresh token has expired")
            user = earlier.user
        return self._answer(op, client, user)

    def _answer(self, op: Mapping[str, Any], client: str, user: str) -> ApiResponse:
        declared = op["responses"][op["success"]]
        examples = declared.get("examples") or [{}]
        body: dict[str, Any] = dict(examples[0]) if isinstance(examples[0], dict) else {}
        shown = body.get("expires_in")
        lifetime = self.ttl or (float(shown) if isinstance(shown, int | float) and shown > 0 else DEFAULT_TTL)
        now = self.clock()
        body["access_token"] = self._sign(Grant(ACCESS, now + lifetime, client, user))
        body["expires_in"] = max(1, round(lifetime))
        body.setdefault("token_type", "Bearer")
        if "refresh_token" in body:  # the vendor's answer carries one
            body["refresh_token"] = self._sign(Grant(REFRESH, now + REFRESH_TTL, client, user))
        if user and "username" in body:
            body["username"] = user
        status = int(op["success"]) if str(op["success"]).isdigit() else 200
        return ApiResponse(status, body, {"Cache-Control": "no-store"}, declared.get("content_type"))
