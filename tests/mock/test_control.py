"""The control API under /__voxspec/: off unless asked for, loopback or token only, and each of its endpoints.

Driven in-process through the generated servers, as the packages' `testing.MockServer` drives it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from generator.mock import control as control_module
from tests.helpers import MOCK_KEY, ROOT, package, sync_transport

BEARER = {"Authorization": f"Bearer {MOCK_KEY}"}
TELPHIN = "/api/ver1.0/extension/77"
REGISTRATIONS = "/api/ver1.0/extension/registration/"
LOOPBACK = ("127.0.0.1", 50000)


def app(vendor: str, **config: Any) -> Any:
    mock = package(vendor, "_mock")
    return package(vendor, "server").create_app(config=mock.MockConfig(**config))


def client(vendor: str, peer: tuple[str, int] = LOOPBACK, **config: Any) -> httpx.Client:
    from starlette.testclient import TestClient

    transport = TestClient(app(vendor, **{"control": True, **config}), client=peer)._transport
    return httpx.Client(transport=transport, base_url="http://testserver")


def test_without_control_the_prefix_is_the_vendors_404() -> None:
    api = httpx.Client(transport=sync_transport(app("telphin")), base_url="http://testserver")
    answer = api.post("/__voxspec/reset")
    assert answer.status_code == 404 and "message" in answer.json()
    assert api.get("/__voxspec/journal").status_code == 404


def test_a_peer_outside_loopback_needs_the_token() -> None:
    outside = ("203.0.113.7", 40000)
    assert client("telphin", peer=outside).get("/__voxspec/journal").status_code == 403
    with_token = client("telphin", peer=outside, control_token="s3cret")
    assert with_token.get("/__voxspec/journal").status_code == 403
    assert with_token.get("/__voxspec/journal", headers={"X-Voxspec-Control-Token": "wrong"}).status_code == 403
    assert with_token.get("/__voxspec/journal", headers={"X-Voxspec-Control-Token": "s3cret"}).status_code == 200
    # the vendor's own API still answers that peer
    assert with_token.get(REGISTRATIONS, headers=BEARER).status_code == 200


@pytest.mark.parametrize(
    ("client_address", "headers", "allowed"),
    [
        (("127.0.0.1", 1), [], True),
        (("::1", 1), [], True),
        (("10.0.0.8", 1), [], False),
        (("10.0.0.8", 1), [(b"x-voxspec-control-token", b"tok")], True),
        (("10.0.0.8", 1), [(b"x-voxspec-control-token", b"tok2")], False),
        (("testclient", 1), [], False),
        (None, [], False),
    ],
)
def test_the_peer_check_on_a_scope(client_address: Any, headers: list[Any], allowed: bool) -> None:
    scope = {"type": "http", "path": "/__voxspec/reset", "client": client_address, "headers": headers}
    assert control_module.allowed(scope, "tok") is allowed


def test_journal_records_operation_parameters_redacted_body_and_status() -> None:
    api = client("telphin")
    created = api.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada", "password": "hunter2"})
    api.get(REGISTRATIONS, headers=BEARER, params={"api_key": "leak"})
    api.get(f"{TELPHIN}/agent/999999", headers=BEARER)
    everything = api.get("/__voxspec/journal").json()["requests"]
    assert [e["operation"] for e in everything] == ["create_agent", "list_registration_statuses", "get_agent"]
    first = everything[0]
    assert first["status"] == created.status_code and first["method"] == "POST"
    assert first["path_params"] == {"extension_id": "77"} and first["body"]["name"] == "Ada"
    assert first["body"]["password"] == "<redacted>" and "hunter2" not in str(everything)
    assert everything[2]["status"] == 404
    only = api.get("/__voxspec/journal", params={"operation": "get_agent"}).json()["requests"]
    assert only == [everything[2]]
    assert api.get("/__voxspec/journal", params={"operation": "no_such_op"}).status_code == 404
    assert api.delete("/__voxspec/journal").status_code == 204
    assert api.get("/__voxspec/journal").json() == {"requests": []}


def test_queued_status_applies_times_then_the_mock_answers_again() -> None:
    api = client("telphin")
    queued = api.post("/__voxspec/behaviours/list_registration_statuses", json={"status": 503, "times": 2})
    assert queued.status_code == 201 and queued.json()["times"] == 2
    statuses = [api.get(REGISTRATIONS, headers=BEARER).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert api.get("/__voxspec/behaviours").json() == {"behaviours": {}}


def test_queued_404_is_the_operations_declared_error_and_headers_are_set() -> None:
    api = client("telphin")
    api.post("/__voxspec/behaviours/list_registration_statuses", json={"status": 429, "headers": {"Retry-After": "7"}})
    answer = api.get(REGISTRATIONS, headers=BEARER)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7" and "message" in answer.json()


def test_queued_latency_delays_the_answer_only() -> None:
    api = client("telphin")
    api.post("/__voxspec/behaviours/list_registration_statuses", json={"latency_ms": 150})
    answer = api.get(REGISTRATIONS, headers=BEARER)
    assert answer.status_code == 200 and answer.elapsed.total_seconds() >= 0.15


def test_queued_drop_closes_the_connection() -> None:
    api = client("telphin")
    api.post("/__voxspec/behaviours/list_registration_statuses", json={"drop": True})
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(REGISTRATIONS, headers=BEARER)
    assert api.get("/__voxspec/journal").json()["requests"][-1]["status"] is None
    assert api.get(REGISTRATIONS, headers=BEARER).status_code == 200


@pytest.mark.parametrize(
    ("operation", "body", "status"),
    [
        ("no_such_op", {"status": 503}, 404),
        ("list_registration_statuses", {}, 400),
        ("list_registration_statuses", {"status": 99}, 400),
        ("list_registration_statuses", {"times": 0, "status": 503}, 400),
        ("list_registration_statuses", {"example": "no-such-example"}, 400),
        ("list_registration_statuses", [1], 400),
    ],
)
def test_bad_behaviours_are_refused(operation: str, body: Any, status: int) -> None:
    answer = client("telphin").post(f"/__voxspec/behaviours/{operation}", json=body)
    assert answer.status_code == status and answer.json()["message"]


def test_state_dump_load_and_reset_to_the_seed() -> None:
    api = client("telphin")
    seed = api.get("/__voxspec/state").json()
    assert seed["records"], "the seed from the spec's examples is state"
    agent = api.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada", "call_timeout": 20}).json()
    grown = api.get("/__voxspec/state").json()
    assert len(grown["records"]) == len(seed["records"]) + 1
    assert api.post("/__voxspec/reset").status_code == 204
    assert api.get("/__voxspec/state").json() == seed
    assert api.get(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER).status_code == 404
    assert api.put("/__voxspec/state", json=grown).status_code == 204
    assert api.get(f"{TELPHIN}/agent/{agent['id']}", headers=BEARER).json() == agent
    assert api.put("/__voxspec/state", json={"records": [{"kind": 1}]}).status_code == 400


def test_state_round_trips_through_sqlite(tmp_path: Any) -> None:
    api = client("telphin", state=f"sqlite:{tmp_path / 'state.db'}")
    seed = api.get("/__voxspec/state").json()
    api.post(f"{TELPHIN}/agent/", headers=BEARER, json={"name": "Ada"})
    assert api.post("/__voxspec/reset").status_code == 204
    assert api.get("/__voxspec/state").json() == seed


def test_emit_posts_the_events_example_with_overrides_after_checking_its_schema() -> None:
    received: list[Any] = []

    async def receiver(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        received.append(message["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    built = app("callcenter", control=True)
    built.state.voxspec_control.webhook_transport = httpx.ASGITransport(app=receiver)
    api = httpx.Client(transport=sync_transport(built), base_url="http://testserver")
    # TestClient's peer is "testclient", not an address: the control API is reached with the token instead
    built.state.voxspec_control.config = package("callcenter", "_mock").MockConfig(control=True, control_token="t")
    api.headers["X-Voxspec-Control-Token"] = "t"
    sent = api.post(
        "/__voxspec/webhooks/agent:checkin", json={"overrides": {"user_id": 5}, "url": "http://app.test/hooks"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == 204 and sent.json()["body"]["user_id"] == 5
    assert [yaml.safe_load(b) for b in received] == [sent.json()["body"]]
    bad = api.post("/__voxspec/webhooks/agent:checkin", json={"overrides": {"user_id": "five"}, "url": "http://x"})
    assert bad.status_code == 400 and "user_id" in bad.json()["message"]
    assert api.post("/__voxspec/webhooks/no:such", json={"url": "http://x"}).status_code == 404
    assert api.post("/__voxspec/webhooks/agent:checkin", json={}).status_code == 400, "no URL anywhere"


NS = "/ns-api/v2"
SYNC = {"synchronous": "yes"}


def test_emit_delivers_a_netsapiens_event_to_each_matching_subscription() -> None:
    received: list[tuple[str, Any]] = []

    async def receiver(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        received.append((f"{scope['server'][0]}{scope['path']}", json.loads(message["body"])))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from starlette.testclient import TestClient

    built = app("netsapiens", control=True)
    built.state.voxspec_control.webhook_transport = httpx.ASGITransport(app=receiver)
    api = httpx.Client(transport=TestClient(built, client=LOOPBACK)._transport, base_url="http://testserver")
    subscriptions = [
        ("/subscriptions", {"model": "call", "post-url": "http://all.test/calls"}),
        ("/subscriptions", {"model": "call", "post-url": "http://star.test/calls", "domain": "*", "user": "*"}),
        ("/subscriptions", {"model": "cdr", "post-url": "http://all.test/cdrs"}),
        ("/domains/example.com/subscriptions", {"model": "call", "post-url": "http://example.test/calls"}),
        ("/subscriptions", {"model": "call", "post-url": "http://other.test/calls", "domain": "other.example"}),
        ("/subscriptions", {"model": "call", "post-url": "http://ada.test/calls", "user": "1001"}),
    ]
    for path, body in subscriptions:
        made = api.post(NS + path, headers=BEARER, json=SYNC | body)
        assert made.status_code == 200, made.text

    def emit(payload: dict[str, Any]) -> set[str]:
        received.clear()
        answer = api.post("/__voxspec/webhooks/call", json=payload)
        assert answer.status_code == 200, answer.text
        delivered = [(d["url"], d["status"]) for d in answer.json()["deliveries"]]
        assert delivered == [(f"http://{u}", 200) for u, _ in received]
        assert all(body == answer.json()["body"] for _, body in received)
        return {url for url, _ in received}

    calls = {"all.test/calls", "star.test/calls", "example.test/calls", "ada.test/calls"}
    assert emit({"filter": {"domain": "example.com", "user": "1001"}}) == calls
    assert emit({"filter": {"domain": "example.com", "user": "1002"}}) == calls - {"ada.test/calls"}
    assert emit({"filter": {"domain": "other.example"}}) == {
        "all.test/calls",
        "star.test/calls",
        "other.test/calls",
        "ada.test/calls",
    }
    assert emit({}) == calls | {"other.test/calls"}, "an event naming no domain or user reaches every filter"
    sent = api.post("/__voxspec/webhooks/call", json={"overrides": {"call-orig-user": 5}})
    assert sent.status_code == 400, "the body is checked against the webhook's schema"
    # the seeded example subscription (hooks.example.com) is the spec's, not a caller's: it gets nothing
    assert api.post("/__voxspec/webhooks/voicemail", json={}).status_code == 400, "no subscription, no URL"


def test_advancing_the_clock_ends_a_rate_limit_window() -> None:
    api = client("voipcloud", rate_limit=True)
    path, headers = "/api/integration/v1/get-system-status", {"token": MOCK_KEY}
    statuses = [api.get(path, headers=headers).status_code for _ in range(101)]
    assert statuses[-1] == 429
    assert api.post("/__voxspec/clock", json={"seconds": 3600}).json() == {"offset": 3600}
    assert api.get(path, headers=headers).status_code == 200
    assert api.get("/__voxspec/clock").json() == {"offset": 3600}
    assert api.post("/__voxspec/clock", json={"seconds": -1}).status_code == 400


AVAYA = "/api/admin/voice/v1/accounts/ABCDEF"
AVAYA_AUTH = {**BEARER, "appkey": MOCK_KEY}
ELEMENT = {"name": "ACO", "environment": "Production", "didNumbers": ["+15550100"]}


@pytest.mark.parametrize("state", ["memory", "sqlite"])
def test_async_states_follow_the_clock_not_the_polls(state: str, tmp_path: Any) -> None:
    api = client("avaya", state="memory" if state == "memory" else f"sqlite:{tmp_path / 'state.db'}")
    accepted = api.post(f"{AVAYA}/aco-elements", headers=AVAYA_AUTH, json=ELEMENT)
    assert accepted.status_code == 202 and accepted.json()["status"] == "IN_PROGRESS"
    item = f"{AVAYA}/aco-elements/{accepted.json()['elementId']}"

    def poll() -> str:
        status: str = api.get(item, headers=AVAYA_AUTH).json()["status"]
        return status

    assert [poll(), poll(), poll()] == ["IN_PROGRESS"] * 3, "polling without time passing keeps the state"
    assert api.post("/__voxspec/clock", json={"seconds": 1}).status_code == 200
    assert poll() == "IN_PROGRESS", "the spec gives the state 2 seconds"
    api.post("/__voxspec/clock", json={"seconds": 1})
    assert [poll(), poll()] == ["SUCCESS", "SUCCESS"]
    replaced = api.put(item, headers=AVAYA_AUTH, json=ELEMENT)
    assert replaced.status_code == 202 and poll() == "IN_PROGRESS", "a replace is accepted again, from now"
    api.post("/__voxspec/clock", json={"seconds": 5})
    assert poll() == "SUCCESS"
    snapshot = api.get("/__voxspec/state").json()
    assert all(not r["kind"].startswith("::") for r in snapshot["records"]), "when states began is time, not state"


def test_the_control_document_is_valid_and_describes_every_endpoint() -> None:
    path = ROOT / "generator" / "mock" / "control.yaml"
    document = yaml.safe_load(path.read_text("utf-8"))
    validate(document)
    checked = subprocess.run(
        [sys.executable, "-m", "generator.cli", "validate", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    served = client("telphin").get("/__voxspec/openapi.json")
    assert served.status_code == 200 and served.json() == document
    control = app("telphin", control=True).state.voxspec_control
    routes = {(route.path, method) for route in control.router.routes for method in route.methods - {"HEAD"}}
    documented = {(p, m.upper()) for p, item in document["paths"].items() for m in item}
    assert routes == documented


@pytest.mark.parametrize("control", [True, False])
def test_voxspec_mock_serves_the_control_api_only_with_control(control: bool) -> None:
    import os
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [sys.executable, "-m", "generator.cli", "mock", "telphin", "--port", str(port)]
    process = subprocess.Popen(
        argv + (["--control"] if control else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "VOXSPEC_MOCK_CONTROL": "", "VOXSPEC_MOCK_CONTROL_TOKEN": ""},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__voxspec/journal", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.1)
    finally:
        process.terminate()
        banner = process.communicate(timeout=30)[1]
    assert answer.status_code == (200 if control else 404)
    assert ("/__voxspec/" in banner) is control


def test_voxspec_mock_logs_a_dropped_connection_as_one_line_not_a_traceback() -> None:
    import os
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "-v", "mock", "telphin", "--port", str(port), "--control"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "VOXSPEC_MOCK_CONTROL": "", "VOXSPEC_MOCK_CONTROL_TOKEN": ""},
    )
    base = f"http://127.0.0.1:{port}"
    head = f"Host: x\r\nAuthorization: Bearer {MOCK_KEY}\r\nContent-Type: application/json\r\n"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                httpx.get(f"{base}/__voxspec/journal", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.1)
        httpx.post(f"{base}/__voxspec/behaviours/list_registration_statuses", json={"drop": True})
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(base + REGISTRATIONS, headers=BEARER)
        for request in (
            f'POST {TELPHIN}/agent/ HTTP/1.1\r\n{head}Content-Length: 100\r\n\r\n{{"na',  # hangs up mid-body
            f'PUT /__voxspec/state HTTP/1.1\r\n{head}Content-Length: 100\r\n\r\n{{"re',  # the same, to control
        ):
            with socket.create_connection(("127.0.0.1", port)) as caller:
                caller.sendall(request.encode())
                time.sleep(0.3)
        assert httpx.get(base + REGISTRATIONS, headers=BEARER).status_code == 200, "the mock serves on"
    finally:
        process.terminate()
        log = process.communicate(timeout=30)[1]
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
    assert log.count(f"GET {REGISTRATIONS}: the mock dropped the connection, as queued") == 1, log
    assert log.count(f"POST {TELPHIN}/agent/: the client disconnected before sending its request") == 1, log
    assert log.count("the client disconnected mid-request") == 1, log
