"""Each package's `testing.MockServer`: its README example runs as written, and a loopback server stops cleanly."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import GENERATED, ROOT, package, vendors

EXAMPLE = re.compile(r"## Testing with the mock\n.*?```python\n(.*?)```", re.S)


@pytest.mark.parametrize("vendor", vendors())
def test_the_readme_example_runs(vendor: str) -> None:
    package(vendor)  # the package folder on sys.path, as an install would put it
    readme = (GENERATED / vendor / "README.md").read_text("utf-8")
    found = EXAMPLE.search(readme)
    assert found is not None, "the README has no testing example"
    exec(compile(found.group(1), f"{vendor}/README.md", "exec"), {})


@pytest.mark.parametrize("vendor", ["callcenter", "netsapiens"])
def test_the_readme_webhook_example_parses_the_events_example(vendor: str) -> None:
    """The package README's webhook handler, run on the body the vendor's spec says it posts."""
    package(vendor)
    readme = (GENERATED / vendor / "README.md").read_text("utf-8")
    found = re.search(r"## Webhook events\n.*?```python\n(.*?)```", readme, re.S)
    assert found is not None, "the README has no webhook example"
    code = found.group(1)
    names: dict[str, Any] = {}
    exec(compile(code, f"{vendor}/README.md", "exec"), names)
    event = re.search(r'an? "([^"]+)"', code)
    assert event is not None, code
    example = package(vendor, "_spec").RUNTIME["webhooks"][event.group(1)]["example"]
    parsed = names["on_post"](json.dumps(example).encode())
    record = parsed[0] if isinstance(parsed, list) else parsed
    assert f"models.{type(record).__name__}" in code, (code, parsed)


def test_a_loopback_server_takes_a_free_port_and_gives_it_back() -> None:
    testing = package("telphin", "testing")
    before = threading.active_count()
    with testing.MockServer(listen=True) as mock:
        port = int(mock.base_url.split(":")[2].split("/")[0])
        assert mock.base_url == f"http://127.0.0.1:{port}/api/ver1.0"
        with mock.client() as client:
            client.list_registration_statuses()
        assert [e["status"] for e in mock.journal()] == [200]
    assert threading.active_count() == before, "the server thread outlived the context"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # free again


def test_emit_reaches_the_subscriptions_an_application_made_through_the_client() -> None:
    """A NetSapiens integration subscribes its own URL, then the test emits a call event at it, in-process."""
    received: list[tuple[str, Any]] = []

    async def application(scope: Any, receive: Any, send: Any) -> None:
        received.append((scope["path"], json.loads((await receive())["body"])))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    testing, webhooks = package("netsapiens", "testing"), package("netsapiens", "webhooks")
    with testing.MockServer() as mock, mock.client() as client:
        for model, domain in (("call", "example.com"), ("call", "other.example"), ("cdr", "example.com")):
            body = {"synchronous": "yes", "model": model, "domain": domain, "post-url": f"http://app.test/{model}"}
            client.create_subscription(body=body | {"post-url": f"http://app.test/{model}/{domain}"})
        sent = mock.emit("call", {"call-orig-user": "1001"}, app=application, filter={"domain": "example.com"})
        assert [(d["url"], d["status"]) for d in sent["deliveries"]] == [("http://app.test/call/example.com", 204)]
        assert received == [("/call/example.com", sent["body"])]
        [call] = webhooks.parse_event(received[0][1], model="call")  # the post is a JSON array of records
        assert call.call_orig_user == "1001"
        received.clear()
        # a list of overrides makes one record each: two calls in one post
        mock.emit("call", [{"call-orig-user": "1001"}, {"call-orig-user": "1002"}], app=application)
        [(_, body)] = [r for r in received if r[0] == "/call/example.com"]
        assert [c.call_orig_user for c in webhooks.parse_event(body, model="call")] == ["1001", "1002"]
        received.clear()
        mock.emit("voicemail", app=application)  # nothing subscribed to it: the app's root, as before
        assert [path for path, _ in received] == ["/"]


def test_a_stopped_server_says_so() -> None:
    mock = package("telphin", "testing").MockServer()
    with pytest.raises(RuntimeError, match="not started"):
        mock.reset()


def test_the_readme_testing_module_passes(tmp_path: Path) -> None:
    """The root README's "Testing your integration" module, run by pytest with the packages' plugin."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Testing your integration", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "test_readme_example.py").write_text(code, "utf-8")
    paths = os.pathsep.join(str(GENERATED / v) for v in ("telphin", "callcenter"))
    plugin = ["-p", "no:cacheprovider", "-p", "voxspec_telphin.pytest_plugin"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugin, "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": paths},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
