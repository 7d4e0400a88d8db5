"""`voxspec mock`: serve a generated package's ASGI app with uvicorn.

The package is imported from generated/<vendor>/ so the mock works without installing it; options
reach every worker process through VOXSPEC_MOCK_* environment variables.
Exit status: 0 stopped, 2 unusable input (unknown vendor, bad option, port in use), 3 internal error.
"""

from __future__ import annotations

import copy
import difflib
import errno
import importlib
import ipaddress
import logging
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import SpecError

# The mock runtime (generator/mock/runtime.py) holds the same limits; it is not imported here because
# starlette and jsonschema would slow down every `voxspec` command's start (a test keeps them equal).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_MAX_BODY = 4 * 1024 * 1024
DEFAULT_MAX_URL = 8192
DEFAULT_HEADER_TIMEOUT = 10.0


@dataclass(frozen=True)
class MockOptions:
    state: str = "memory"
    rate_limit: bool = False
    latency_ms: float = 0.0
    error_rate: float = 0.0
    webhook_url: str | None = None
    subscriptions: bool = False
    allow: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    max_url: int = DEFAULT_MAX_URL
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    token_ttl: float | None = None
    control: bool = False
    control_token: str | None = None

    def environment(self) -> dict[str, str]:
        """The VOXSPEC_MOCK_* variables the generated server's MockConfig reads."""
        if self.state != "memory" and not (self.state.startswith("sqlite:") and len(self.state) > 7):
            raise SpecError(f"--state {self.state!r}: expected memory or sqlite:PATH")
        if not 0 <= self.error_rate <= 1:
            raise SpecError(f"--error-rate {self.error_rate}: expected a fraction between 0 and 1")
        if self.latency_ms < 0:
            raise SpecError(f"--latency {self.latency_ms}: expected milliseconds, 0 or more")
        for option, networks in (("--allow", self.allow), ("--trusted-proxy", self.trusted_proxies)):
            for network in networks:
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    raise SpecError(f"{option} {network!r}: not an IP address or network") from None
        for option, value in (("--max-body", self.max_body), ("--max-url", self.max_url)):
            if value < 1:
                raise SpecError(f"{option} {value}: expected bytes, 1 or more")
        if self.header_timeout <= 0:
            raise SpecError(f"--header-timeout {self.header_timeout}: expected seconds, more than 0")
        if self.token_ttl is not None and self.token_ttl <= 0:
            raise SpecError(f"--token-ttl {self.token_ttl}: expected seconds, more than 0")
        state = self.state
        if state.startswith("sqlite:"):
            state = "sqlite:" + str(Path(state[7:]).resolve())
        env = {
            "VOXSPEC_MOCK_STATE": state,
            "VOXSPEC_MOCK_RATE_LIMIT": "1" if self.rate_limit else "",
            "VOXSPEC_MOCK_LATENCY_MS": str(self.latency_ms),
            "VOXSPEC_MOCK_ERROR_RATE": str(self.error_rate),
            "VOXSPEC_MOCK_ALLOW": ",".join(self.allow),
            "VOXSPEC_MOCK_MAX_BODY": str(self.max_body),
            "VOXSPEC_MOCK_MAX_URL": str(self.max_url),
            "VOXSPEC_MOCK_HEADER_TIMEOUT": str(self.header_timeout),
            "VOXSPEC_MOCK_SUBSCRIPTIONS": "1" if self.subscriptions else "",
        }
        if self.webhook_url:
            env["VOXSPEC_MOCK_WEBHOOK_URL"] = self.webhook_url
        if self.token_ttl is not None:
            env["VOXSPEC_MOCK_TOKEN_TTL"] = str(self.token_ttl)
        env["VOXSPEC_MOCK_CONTROL"] = "1" if self.control else ""
        if self.control_token:
            env["VOXSPEC_MOCK_CONTROL_TOKEN"] = self.control_token
        return env


def app_path(root: Path, vendor: str) -> tuple[Path, str]:
    folder = root / "generated" / vendor
    if not (folder / "pyproject.toml").is_file():
        known = sorted(
            {p.parent.name for p in root.glob("specs/*/openapi.yaml")}
            | {p.parent.name for p in root.glob("generated/*/pyproject.toml")}
        )
        if vendor not in known:
            close = difflib.get_close_matches(vendor, known, n=1)
            if not known:
                raise SpecError(f"no specs under {root / 'specs'} and no generated packages: nothing to serve")
            hint = f"did you mean {close[0]}?" if close else f"known vendors: {', '.join(known)}"
            raise SpecError(f"unknown vendor {vendor!r}; {hint}")
        raise SpecError(f"no generated package for {vendor!r} in {folder}; run `voxspec generate {vendor}` first")
    package = next((p.parent.name for p in folder.glob("*/server.py")), None)
    if package is None:
        raise SpecError(f"generated/{vendor} has no server module")
    return folder, f"{package}.server:create_app"


def check_port(host: str, port: int) -> None:
    """Refuse a port another process holds before announcing anything (uvicorn would log and exit 1)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SpecError(f"--host {host!r}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise SpecError(f"cannot listen on {host}:{port}: {reason}") from None


def describe(runtime: dict[str, Any], base_url: str) -> list[str]:
    """How to call the mock: the base URL with the spec's server path, then each way to authenticate."""
    from generator.mock.runtime import configured_clients, configured_keys, configured_users

    key = (configured_keys() or ("voxspec-mock-key",))[0]
    lines = [f"base URL  {base_url}{runtime.get('base_path') or ''}"]
    used: list[str] = []
    for op in runtime["operations"].values():
        for requirement in op["security"]:
            used += [name for name in requirement if name not in used]
    schemes: dict[str, dict[str, Any]] = runtime["security_schemes"]
    for name in used:
        scheme = schemes.get(name)
        if scheme is None:
            continue
        kind, param = scheme["kind"], scheme["param_name"]
        if kind == "header":
            lines.append(f"auth      header {param}: {key}   ({name})")
        elif kind == "query":
            lines.append(f"auth      query ?{param}={key}   ({name})")
        elif kind == "cookie":
            lines.append(f"auth      cookie {param}={key}   ({name})")
        elif kind == "basic":
            user, password = next(iter(configured_users().items()))
            lines.append(f"auth      basic {user}:{password}   ({name}; VOXSPEC_MOCK_USERS)")
        elif kind == "bearer":
            lines.append(f"auth      Authorization: Bearer {key}   ({name})")
        elif kind == "oauth2":
            client, secret = next(iter(configured_clients().items()))
            grant = f"client_id={client} client_secret={secret}"
            if scheme.get("flow") == "password":
                user, password = next(iter(configured_users().items()))
                grant += f" username={user} password={password}"
            endpoints = [
                f"POST {base_url}{op.get('route', op['path'])}"
                for op in runtime["operations"].values()
                if op.get("token_endpoint") == name
            ]
            lines.append(f"auth      oauth2 {grant}   ({name}; VOXSPEC_MOCK_CLIENTS, VOXSPEC_MOCK_USERS)")
            lines += [f"          sign in: {endpoint}" for endpoint in endpoints]
    lines.append("keys      VOXSPEC_MOCK_KEYS (comma-separated) holds every key and bearer token the mock accepts")
    return lines


# Exceptions that end a request because a connection went away, not because the app failed: a caller that hung up
# mid-request (Starlette's ClientDisconnect) or a drop the control API queued (each package's ConnectionDropped).
DISCONNECTS = frozenset({"ClientDisconnect", "ConnectionDropped"})


class QuietDisconnects(logging.Filter):
    """On uvicorn's error logger: a request ended by a dropped connection is one line of voxspec.mock (info, shown
    with -v), not an "Exception in ASGI application" traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or type(error).__name__ not in DISCONNECTS:
            return True
        logging.getLogger("voxspec.mock").info("%s", error if str(error) else "the client disconnected mid-request")
        return False


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with QuietDisconnects on its error logger (in every worker)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["voxspec_disconnects"] = {"()": f"{__name__}.QuietDisconnects"}
    config["loggers"]["uvicorn.error"].setdefault("filters", []).append("voxspec_disconnects")
    return config


def serve(root: Path, vendor: str, host: str, port: int, workers: int, options: MockOptions | None = None) -> int:
    if workers < 1:
        raise SpecError(f"--workers {workers}: expected 1 or more")
    options = options or MockOptions()
    if options.control and workers > 1:
        # The journal, queued answers and clock live in each worker; a test would see one worker's share.
        raise SpecError("--control needs --workers 1: each worker would keep its own journal and queued answers")
    environment = options.environment()
    folder, target = app_path(root, vendor)
    check_port(host, port)
    import uvicorn

    if workers > 1 and options.state == "memory":
        print("voxspec mock: note: with --state memory each worker keeps its own state", file=sys.stderr)
    os.environ.update(environment)
    sys.path.insert(0, str(folder))
    runtime: dict[str, Any] = importlib.import_module(target.split(".")[0] + "._spec").RUNTIME
    shown_host = f"[{host}]" if ":" in host else host
    print(
        f"voxspec mock: serving {vendor} ({target}, {workers} worker(s), state {options.state}); Ctrl-C stops",
        *("  " + line for line in describe(runtime, f"http://{shown_host}:{port}")),
        *(
            [f"  control   http://{shown_host}:{port}/__voxspec/ (loopback callers, or X-Voxspec-Control-Token)"]
            if options.control
            else []
        ),
        sep="\n",
        file=sys.stderr,
    )
    uvicorn.run(
        target,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=log_config(),
        access_log=False,
        app_dir=str(folder),
        factory=True,
        loop="auto",
        http=_protocol(),
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default, which would let any local caller pass
        # --allow by naming an allowed address; only the proxies the user names are believed.
        proxy_headers=bool(options.trusted_proxies),
        forwarded_allow_ips=list(options.trusted_proxies),
    )
    return 0


def _protocol() -> Any:
    """The guarded httptools protocol when httptools is installed (uvicorn's `standard` extra), else h11."""
    try:
        from generator.serve_guard import GuardedHttpToolsProtocol
    except ImportError:
        return "h11"
    return GuardedHttpToolsProtocol
