"""`voxspec mock <vendor> --replay DIR`: recorded exchanges first, the stateful mock for everything else.

An ASGI wrapper around the generated mock app, so the mock itself is untouched: a request whose method, path,
query (credentials aside) and body match a cassette gets its recorded answer, byte for byte.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generator.contract.credentials import REDACTED
from generator.errors import SpecError
from generator.proxy.record import decode_body, request_key

log = logging.getLogger("voxspec.mock")


class Cassettes:
    """Recorded answers by request key, and by method, path and query when the body differs."""

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self.by_key: dict[str, dict[str, Any]] = {}
        self.by_call: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.credential_query: set[str] = set()
        for entry in entries:
            request = entry["request"]
            self.by_key[request["key"]] = entry["response"]
            self.by_call[(request["method"], request["path"], _canonical(request["query"]))] = entry["response"]
            self.credential_query.update(entry.get("credential_query", ()))

    @classmethod
    def load(cls, folder: Path) -> Cassettes:
        if not folder.is_dir():
            raise SpecError(f"--replay {folder}: no such folder")
        files = sorted(folder.rglob("*.json"))
        entries = []
        for path in files:
            try:
                entries.append(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, OSError) as exc:
                raise SpecError(f"--replay: {path} is not a cassette: {exc}") from None
        return cls(entries)

    def find(self, method: str, path: str, query: str, body: bytes) -> dict[str, Any] | None:
        query = urlencode(
            [(k, REDACTED if k in self.credential_query else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        )
        found = self.by_key.get(request_key(method, path, query, body))
        return found or self.by_call.get((method, path, _canonical(query)))

    def __len__(self) -> int:
        return len(self.by_key)


def _canonical(query: str) -> str:
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


class Replay:
    def __init__(self, app: ASGIApp, cassettes: Cassettes) -> None:
        self.app = app
        self.cassettes = cassettes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:  # the body is read to match it; the mock gets the same messages replayed
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        found = self.cassettes.find(scope["method"], scope["path"], scope.get("query_string", b"").decode(), body)
        if found is None:
            pending = iter(messages)

            async def again() -> Message:
                return next(pending, None) or await receive()

            await self.app(scope, again, send)
            return
        payload = decode_body(found)
        # The serving uvicorn adds its own Date and Server; the recorded ones would be a second pair.
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in found["headers"]
            if k.lower() not in ("date", "server")
        ]
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": found["status"], "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload})


def serve_replay(root: Path, vendor: str, folder: Path, host: str, port: int, environment: dict[str, str]) -> int:
    """Serve the vendor's mock behind its cassettes (one worker: the cassettes live in its memory)."""
    import importlib

    import uvicorn

    from generator.serve import app_path

    cassettes = Cassettes.load(folder)
    os.environ.update(environment)
    package_folder, target = app_path(root, vendor)
    sys.path.insert(0, str(package_folder))
    module, _, name = target.partition(":")
    app = getattr(importlib.import_module(module), name)
    print(
        f"voxspec mock: {vendor} on http://{host}:{port}, {len(cassettes)} recorded exchange(s) first", file=sys.stderr
    )
    uvicorn.run(Replay(app, cassettes), host=host, port=port, log_level="warning", access_log=False)
    return 0
