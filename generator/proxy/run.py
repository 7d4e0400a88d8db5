"""`voxspec proxy <vendor> --target URL`: check the spec, serve the proxy with uvicorn, report at exit.

uvicorn turns SIGINT and SIGTERM into a graceful stop; the reports are written after it returns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.contract.credentials import Redactor, redacted_logging
from generator.errors import Exit, SpecError
from generator.ir import Api
from generator.load import Document
from generator.proxy.app import REPORT_PATH, ProxyApp, ProxyOptions
from generator.proxy.drift import Drift
from generator.proxy.record import Secrets

log = logging.getLogger("voxspec.proxy")


@dataclass(frozen=True)
class ProxyRun:
    vendor: str
    spec: Path
    options: ProxyOptions
    host: str = "127.0.0.1"
    port: int = 4011
    report: Path | None = None
    json_report: Path | None = None
    junit_xml: Path | None = None
    fail_on_violation: bool = False


def load_api(root: Path, spec: Path, vendor: str) -> tuple[Document, Api]:
    """The spec's IR, or SpecInvalid with every finding: a proxy checking against a broken spec would pass
    traffic it cannot judge."""
    from generator.build import build
    from generator.load import load
    from generator.validate import check

    doc = load(spec, root)
    findings = check(doc)
    if findings:
        raise SpecError(f"{doc.display}: {len(findings)} finding(s); the proxy does not start", tuple(findings))
    return doc, build(doc, vendor)


def prepare(root: Path, run: ProxyRun) -> tuple[ProxyApp, Drift]:
    target = urlsplit(run.options.target)
    if target.scheme not in ("http", "https") or not target.netloc:
        raise SpecError(f"--target {run.options.target!r}: expected an http:// or https:// URL")
    doc, api = load_api(root, run.spec, run.vendor)
    redact = Redactor()
    # Credentials a contract run would use are known up front; the rest are learnt from the traffic.
    prefix = f"VOXSPEC_{run.vendor.upper()}_"
    for name, value in os.environ.items():
        if name.startswith(prefix) and value:
            redact.add(value)

    def locate(pointer: str) -> str:
        line, _ = doc.where(pointer)
        return f"{doc.display}:{line}"

    drift = Drift(run.vendor, run.options.target, redact, locate)
    return ProxyApp(api, drift, run.options, Secrets.of(api, redact)), drift


def write_reports(drift: Drift, run: ProxyRun) -> None:
    if run.report:
        run.report.write_text(drift.text(), encoding="utf-8")
    if run.json_report:
        run.json_report.write_text(json.dumps(drift.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if run.junit_xml:
        run.junit_xml.write_bytes(drift.junit())


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that SIGINT and SIGTERM stop it and return: uvicorn re-raises the signal after
        a graceful stop, which would end the process before the drift report is written."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            signals = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.stop) for sig in signals}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

        def stop(self, signum: int, frame: Any) -> None:
            if self.should_exit and signum == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: do not wait for open connections
            self.should_exit = True

    return Server


def proxy(root: Path, run: ProxyRun) -> int:
    import uvicorn

    app, drift = prepare(root, run)
    with redacted_logging(app.secrets.redact):
        print(
            f"voxspec proxy: {run.vendor} on http://{run.host}:{run.port} -> {run.options.target} "
            f"(report: GET {REPORT_PATH}; Ctrl-C to stop and report)",
            file=sys.stderr,
        )
        # The target's own Date and Server headers go through; uvicorn must not add a second pair.
        config = uvicorn.Config(
            app,
            host=run.host,
            port=run.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            server_header=False,
            date_header=False,
        )
        _server_class()(config).run()
        print(drift.text(), file=sys.stderr, end="")
        write_reports(drift, run)
    if run.fail_on_violation and drift.violations:
        return Exit.FINDINGS
    return Exit.OK
