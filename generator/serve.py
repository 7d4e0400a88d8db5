"""`voxspec mock`: serve a generated package's ASGI app with uvicorn.

The package is imported from generated/<vendor>/ so the mock works without installing it; options
reach every worker process through VOXSPEC_MOCK_* environment variables.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.errors import SpecError


@dataclass(frozen=True)
class MockOptions:
    state: str = "memory"
    rate_limit: bool = False
    latency_ms: float = 0.0
    error_rate: float = 0.0
    webhook_url: str | None = None
    subscriptions: bool = False
    allow: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        """The VOXSPEC_MOCK_* variables the generated server's MockConfig reads."""
        if self.state != "memory" and not (self.state.startswith("sqlite:") and len(self.state) > 7):
            raise SpecError(f"--state {self.state!r}: expected memory or sqlite:PATH")
        if not 0 <= self.error_rate <= 1:
            raise SpecError(f"--error-rate {self.error_rate}: expected a fraction between 0 and 1")
        if self.latency_ms < 0:
            raise SpecError(f"--latency {self.latency_ms}: expected milliseconds, 0 or more")
        for network in self.allow:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise SpecError(f"--allow {network!r}: not an IP address or network") from None
        state = self.state
        if state.startswith("sqlite:"):
            state = "sqlite:" + str(Path(state[7:]).resolve())
        env = {
            "VOXSPEC_MOCK_STATE": state,
            "VOXSPEC_MOCK_RATE_LIMIT": "1" if self.rate_limit else "",
            "VOXSPEC_MOCK_LATENCY_MS": str(self.latency_ms),
            "VOXSPEC_MOCK_ERROR_RATE": str(self.error_rate),
            "VOXSPEC_MOCK_ALLOW": ",".join(self.allow),
            "VOXSPEC_MOCK_SUBSCRIPTIONS": "1" if self.subscriptions else "",
        }
        if self.webhook_url:
            env["VOXSPEC_MOCK_WEBHOOK_URL"] = self.webhook_url
        return env


def app_path(root: Path, vendor: str) -> tuple[Path, str]:
    folder = root / "generated" / vendor
    if not (folder / "pyproject.toml").is_file():
        raise SpecError(f"no generated package for {vendor!r} in {folder}; run `voxspec generate {vendor}` first")
    package = next((p.parent.name for p in folder.glob("*/server.py")), None)
    if package is None:
        raise SpecError(f"generated/{vendor} has no server module")
    return folder, f"{package}.server:app"


def serve(root: Path, vendor: str, host: str, port: int, workers: int, options: MockOptions | None = None) -> int:
    if workers < 1:
        raise SpecError(f"--workers {workers}: expected 1 or more")
    options = options or MockOptions()
    environment = options.environment()
    import uvicorn

    if workers > 1 and options.state == "memory":
        print("voxspec mock: note: with --state memory each worker keeps its own state", file=sys.stderr)
    os.environ.update(environment)
    folder, target = app_path(root, vendor)
    sys.path.insert(0, str(folder))
    print(
        f"voxspec mock: {vendor} on http://{host}:{port} ({target}, {workers} worker(s), state {options.state})",
        file=sys.stderr,
    )
    uvicorn.run(
        target,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        app_dir=str(folder),
        loop="auto",
        http="auto",
    )
    return 0
