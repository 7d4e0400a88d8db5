"""Cassettes: each exchange saved with every credential removed, one file per operation and response.

`voxspec mock --replay DIR` answers from them (generator/proxy/replay.py) with the bodies byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from generator.contract.credentials import REDACTED, Redactor
from generator.ir import Api

# Headers that always carry credentials or session state, whatever the spec's schemes say.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# JSON fields whose values are credentials (an OAuth2 token answer, a sign-in body).
SECRET_FIELD = re.compile(r"(?i)(token|secret|password|passwd|api[_-]?key|credential)")
# Shorter values are not taken as secrets: redacting "k" everywhere would garble every report.
MIN_SECRET = 4
# Headers that describe one connection or one encoding of the body, not the exchange.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
    }
)


@dataclass
class Secrets:
    """Where an API's credentials travel, and what to hide: names of credential headers and query
    parameters from the spec's security schemes, plus the Redactor of every value seen."""

    headers: frozenset[str]
    query: frozenset[str]
    redact: Redactor = field(default_factory=Redactor)
    known: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def of(cls, api: Api, redact: Redactor) -> Secrets:
        headers = {s.param_name.lower() for s in api.security_schemes if s.kind == "header"}
        query = {s.param_name for s in api.security_schemes if s.kind == "query"}
        return cls(frozenset(SECRET_HEADERS | headers), frozenset(query), redact)

    def learn(self, secrets: Iterable[str]) -> None:
        """Hide these from now on; values too short to be a credential would redact ordinary text."""
        for secret in secrets:
            if len(secret) >= MIN_SECRET and secret not in self.known:
                self.known.add(secret)
                self.redact.add(secret)

    def learn_body(self, raw: bytes) -> None:
        """Credential-named fields of a JSON body are secrets from now on (a token the vendor hands out)."""
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return
        self.learn(_secret_values(value))

    def query_string(self, raw: str) -> str:
        pairs = [(k, REDACTED if k in self.query else v) for k, v in parse_qsl(raw, keep_blank_values=True)]
        return self.redact(urlencode(pairs))

    def header_list(self, headers: Iterable[tuple[str, str]]) -> list[list[str]]:
        return [
            [k, REDACTED if k.lower() in self.headers else self.redact(v)]
            for k, v in headers
            if k.lower() not in HOP_BY_HOP
        ]


def _secret_values(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 8:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and SECRET_FIELD.search(str(key)) and len(item) >= 4:
                yield item
            else:
                yield from _secret_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_values(item, depth + 1)


def request_key(method: str, path: str, query: str, body: bytes) -> str:
    """What identifies a request across recording and replay: method, path, query (credentials already
    replaced) and body. Query parameters are sorted: the same call with its parameters reordered matches."""
    canonical = urlencode(sorted(parse_qsl(query, keep_blank_values=True)))
    digest = hashlib.sha256(f"{method} {path}?{canonical}\n".encode() + body).hexdigest()
    return digest[:16]


def encode_body(raw: bytes) -> dict[str, str]:
    try:
        return {"body": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(raw).decode("ascii")}


def decode_body(entry: dict[str, Any]) -> bytes:
    if "body_base64" in entry:
        return base64.b64decode(entry["body_base64"])
    return str(entry.get("body", "")).encode("utf-8")


class Recorder:
    def __init__(self, folder: Path, secrets: Secrets) -> None:
        self.folder = folder
        self.secrets = secrets
        folder.mkdir(parents=True, exist_ok=True)

    def redact_body(self, raw: bytes) -> bytes:
        """Text bodies with every known secret replaced; binary bodies are kept as they are unless a secret is
        in them, in which case the body is left out (a cassette may miss a body, never leak a credential)."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            forms = [f.encode() for f in self.secrets.redact.forms]
            return b"" if any(f in raw for f in forms) else raw
        return self.secrets.redact(text).encode("utf-8")

    def save(
        self,
        operation: str,
        method: str,
        path: str,
        query: str,
        request_headers: Sequence[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: Sequence[tuple[str, str]],
        response_body: bytes,
    ) -> Path:
        self.secrets.learn_body(response_body)
        self.secrets.learn_body(request_body)
        query = self.secrets.query_string(query)
        sent = self.redact_body(request_body)
        key = request_key(method, path, query, sent)
        cassette = {
            "operation": operation,
            "request": {
                "method": method,
                "path": self.secrets.redact(path),
                "query": query,
                "headers": self.secrets.header_list(request_headers),
                **encode_body(sent),
                "key": key,
            },
            "response": {
                "status": status,
                "headers": self.secrets.header_list(response_headers),
                **encode_body(self.redact_body(response_body)),
            },
            "credential_query": sorted(self.secrets.query),
        }
        folder = self.folder / re.sub(r"[^A-Za-z0-9_.-]", "_", operation)
        folder.mkdir(exist_ok=True)
        target = folder / f"{method}-{status}-{key}.json"
        text = json.dumps(cassette, ensure_ascii=False, indent=2) + "\n"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(self.secrets.redact(text), encoding="utf-8")
        tmp.replace(target)
        return target
