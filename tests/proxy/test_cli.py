"""`voxspec proxy` as a process: in front of `voxspec mock`, stopped by SIGTERM, reports written at exit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import ROOT


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def _voxspec(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--root", str(ROOT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VOXSPEC_MOCK_KEYS": "voxspec-mock-key"},
    )


def test_sigterm_writes_the_reports_and_fail_on_violation_exits_1(tmp_path: Path) -> None:
    mock_port, proxy_port = _port(), _port()
    mock = _voxspec("mock", "voipcloud", "--port", str(mock_port))
    proxy = _voxspec(
        "proxy", "voipcloud", "--target", f"http://127.0.0.1:{mock_port}", "--port", str(proxy_port),
        "--report", str(tmp_path / "drift.txt"), "--json-report", str(tmp_path / "drift.json"),
        "--junit-xml", str(tmp_path / "drift.xml"), "--fail-on-violation",
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{mock_port}/", mock)
        _wait(f"http://127.0.0.1:{proxy_port}/__voxspec/proxy/report", proxy)
        base = f"http://127.0.0.1:{proxy_port}/api/integration/v1"
        good = httpx.get(f"{base}/get-system-status", headers={"token": "voxspec-mock-key"})
        assert good.status_code == 200 and good.json()["data"]
        assert good.headers.get_list("date") == [good.headers["date"]]  # one Date, the target's
        refused = httpx.get(f"{base}/get-system-status")  # no credential: the application's mistake
        assert refused.status_code == 401
        proxy.send_signal(signal.SIGTERM)
        _, err = proxy.communicate(timeout=30)
    finally:
        for process in (proxy, mock):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.communicate(timeout=30)
    assert proxy.returncode == 1, err
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["requests"] == 2
    kinds = {f["kind"] for op in report["operations"] for f in op["findings"]}
    assert kinds == {"auth"}
    assert "get_system_status: 2 request(s)" in (tmp_path / "drift.txt").read_text()
    assert 'name="get_system_status"' in (tmp_path / "drift.xml").read_text()
    assert "get_system_status request /headers: auth" in err
