"""The proxy against the vendor mock (nothing to report) and against a drifting VoIPcloud (everything is)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.contract.credentials import redacted_logging
from generator.ir import RateLimit
from generator.load import load
from generator.proxy.app import REPORT_PATH
from generator.proxy.guard import Guard
from generator.proxy.replay import Cassettes, Replay
from tests.helpers import ROOT, credentials
from tests.proxy.servers import DRIFTS, drifting, mock_app, proxied

VOIP = "/api/integration/v1"
DRIFT_PATHS = {
    "extra-field": ("GET", "get-system-status", "get_system_status"),
    "wrong-type": ("GET", "get-user-calls", "list_user_calls"),
    "missing-field": ("GET", "get-queue-calls", "list_queue_calls"),
    "teapot": ("GET", "get-ringgroup-calls", "list_ringgroup_calls"),
    "not-implemented": ("POST", "call-to-number", "call_to_number"),
    "error-shape": ("GET", "get-system-status", "get_system_status"),
}
CANARY = "canary-7f3a9c1e5d2b-credential"


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.mark.parametrize("vendor", ["voipcloud", "netsapiens", "callcenter"])
def test_the_vendor_mock_as_target_has_nothing_to_report(vendor: str) -> None:
    mock = mock_app(vendor)
    app, drift, client = proxied(vendor, mock)
    headers, query = credentials(vendor)
    direct = httpx.AsyncClient(transport=httpx.ASGITransport(mock), base_url="http://vendor.test")

    async def go() -> int:
        sent = 0
        for op in app.api.operations:
            if op.method != "GET" or "{" in op.path or any(p.required and p.location == "query" for p in op.parameters):
                continue
            url = app.api.base_path + op.path
            through = await client.get(url, headers=headers, params=query)
            straight = await direct.get(url, headers=headers, params=query)
            assert (through.status_code, through.content) == (straight.status_code, straight.content), op.op_id
            sent += 1
        return sent

    assert run(go()) >= 2
    report = drift.as_json()
    assert report["violations"] == 0, drift.text()
    assert report["requests"] >= 2


def _drive_drifts(client: httpx.AsyncClient, extra: dict[str, str] | None = None) -> None:
    async def go() -> None:
        for case, (method, path, _) in DRIFT_PATHS.items():
            headers = {"token": "k", "x-drift": case, **(extra or {})}
            body = {"user_id": 1, "number": "61290001234"} if method == "POST" else None
            answer = await client.request(method, f"{VOIP}/{path}", headers=headers, json=body)
            status, payload = DRIFTS[case]
            assert answer.status_code == status  # forwarded as the vendor answered, never replaced
            assert answer.json() == payload

    run(go())


def _findings(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(op["operation"], f["kind"]): f for op in report["operations"] for f in op["findings"]}


def test_every_kind_of_drift_is_reported_with_a_proposed_spec_change() -> None:
    _, drift, client = proxied("voipcloud", drifting)
    _drive_drifts(client)
    report = drift.as_json()
    found = _findings(report)

    extra = next(f for op in report["operations"] for f in op["findings"] if f["where"] == "/body/data/region")
    assert (extra["kind"], extra["direction"]) == ("undeclared-field", "response")
    assert extra["proposal"]["pointer"] == "/components/schemas/SystemStatus/properties/region"
    assert "region:\n  type: string" in extra["proposal"]["yaml"]
    assert extra["proposal"]["location"].startswith("specs/voipcloud/openapi.yaml:")

    wrong = found[("list_user_calls", "type")]
    assert wrong["where"] == "/body/data/0/call_duration"
    assert wrong["proposal"]["pointer"].endswith("/properties/call_duration/type")
    assert "- integer\n- string" in wrong["proposal"]["yaml"]

    missing = found[("list_queue_calls", "missing-field")]
    assert missing["where"] == "/body/data/0/status"
    assert missing["proposal"]["pointer"].endswith("/required")
    assert "'status'" in missing["proposal"]["yaml"]

    for operation, status in (("list_ringgroup_calls", "418"), ("call_to_number", "501")):
        unlisted = found[(operation, "unlisted-status")]
        assert unlisted["actual"].startswith(status)
        assert unlisted["proposal"]["pointer"].endswith(f"/responses/{status}")
        # the body fits the vendor's Error component, so the proposal reuses it instead of a new schema
        assert "$ref: '#/components/schemas/Error'" in unlisted["proposal"]["yaml"]
    assert {"list_ringgroup_calls 418", "call_to_number 501"} <= set(report["undeclared_statuses"])
    # an operation that acts in the world (x-voxspec-effects) says so, whatever else it shows
    calls = next(op for op in report["operations"] if op["operation"] == "call_to_number")
    assert calls["effects"] and "[effects: " in drift.text()
    code = found[("list_ringgroup_calls", "enum")]  # the code in the body is new too
    assert (
        code["where"] == "/body/code"
        and code["proposal"]["pointer"] == "/components/schemas/Error/properties/code/enum"
    )
    assert "- 418" in code["proposal"]["yaml"]

    shape = [f for op in report["operations"] if op["operation"] == "get_system_status" for f in op["findings"]]
    kinds = {(f["kind"], f["where"]) for f in shape}
    assert ("missing-field", "/body/code") in kinds and ("missing-field", "/body/message") in kinds
    assert ("undeclared-field", "/body/error") in kinds  # the wrong error shape is reported field by field

    text = drift.text()
    assert "proposed: add at /components/schemas/SystemStatus/properties/region" in text
    assert report["violations"] >= 6


def test_junit_has_one_test_case_per_operation_seen() -> None:
    _, drift, client = proxied("voipcloud", drifting)
    _drive_drifts(client)
    suite = ET.fromstring(drift.junit()).find("testsuite")
    assert suite is not None
    names = sorted(case.get("name", "") for case in suite.iter("testcase"))
    assert names == sorted({op for _, _, op in DRIFT_PATHS.values()})
    assert all(case.find("failure") is not None for case in suite.iter("testcase"))


def test_an_unreachable_target_is_answered_502_in_the_vendor_error_shape(caplog: pytest.LogCaptureFixture) -> None:
    app, drift, client = proxied("voipcloud", drifting)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app.client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    with caplog.at_level(logging.ERROR, logger="voxspec.proxy"):
        answer = run(client.get(f"{VOIP}/get-system-status", headers={"token": "k"}))
    assert answer.status_code == 502
    body = answer.json()
    assert set(body) == {"code", "message"}  # the spec's Error component
    assert isinstance(body["code"], int) and isinstance(body["message"], str)
    assert answer.headers["x-voxspec-proxy"] == "target unreachable"  # says it is the proxy answering
    assert "cannot reach http://vendor.test" in caplog.text and "ConnectError" in caplog.text
    assert drift.as_json()["upstream_errors"] == 1


def test_a_canary_credential_never_reaches_cassettes_logs_or_reports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, drift, client = proxied("voipcloud", drifting, record=tmp_path)
    basic = base64.b64encode(f"user:{CANARY}".encode()).decode()

    async def go() -> None:
        headers = {"token": CANARY, "x-drift": "wrong-type", "echo-secret": "1", "authorization": f"Basic {basic}"}
        await client.get(f"{VOIP}/get-user-calls", headers=headers, params={"api_key": CANARY, "limit": "x"})
        await client.post(
            f"{VOIP}/call-to-number",
            headers={"token": CANARY, "x-drift": "not-implemented"},
            json={"user_id": CANARY, "number": 5},
        )

    # as `voxspec proxy` runs it: every log record, whoever makes it (httpx logs URLs), is redacted
    with redacted_logging(app.secrets.redact), caplog.at_level(logging.DEBUG):
        run(go())
    forms = [CANARY, base64.b64encode(CANARY.encode()).decode(), basic, CANARY.replace("-", "%2D")]
    outputs = {
        "log": caplog.text,
        "text": drift.text(),
        "json": json.dumps(drift.as_json()),
        "junit": drift.junit().decode(),
    }
    cassettes = sorted(tmp_path.rglob("*.json"))
    assert len(cassettes) == 2
    outputs |= {str(p): p.read_text() for p in cassettes}
    for name, text in outputs.items():
        for form in forms:
            assert form not in text, f"{form} in {name}"
    assert "violation" in outputs["text"] and "[REDACTED]" in outputs[str(cassettes[0])] + outputs[str(cassettes[1])]


def test_a_replayed_cassette_answers_byte_identical_bodies(tmp_path: Path) -> None:
    _, _, client = proxied("voipcloud", drifting, record=tmp_path)
    recorded = run(client.get(f"{VOIP}/get-system-status", headers={"token": "k", "x-drift": "extra-field"}))
    mock = mock_app("voipcloud")
    replay = httpx.AsyncClient(
        transport=httpx.ASGITransport(Replay(mock, Cassettes.load(tmp_path))), base_url="http://mock"
    )
    headers, _ = credentials("voipcloud")
    replayed = run(replay.get(f"{VOIP}/get-system-status", headers=headers))
    assert replayed.status_code == recorded.status_code
    assert replayed.content == recorded.content  # the vendor's bytes, not the mock's
    assert b"au-1" in replayed.content
    assert replayed.headers["content-type"] == "application/json"
    fallback = run(replay.get(f"{VOIP}/get-user-calls", headers=headers))  # not recorded: the mock answers
    assert fallback.status_code == 200 and b"Alice" in fallback.content


def test_the_report_is_served_on_demand_to_loopback_clients_only() -> None:
    app, _, client = proxied("voipcloud", drifting)
    _drive_drifts(client)
    report = run(client.get(REPORT_PATH)).json()
    assert report["violations"] >= 6
    assert "proposed:" in run(client.get(REPORT_PATH, params={"format": "text"})).text
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app, client=("203.0.113.9", 4000)), base_url="http://p")
    assert run(remote.get(REPORT_PATH)).status_code == 403


def test_a_body_over_the_cap_streams_through_unchecked() -> None:
    _, drift, client = proxied("voipcloud", mock_app("voipcloud"), max_body=64)
    headers, query = credentials("voipcloud")
    answer = run(client.get(f"{VOIP}/get-user-calls", headers=headers, params=query))
    assert answer.status_code == 200 and len(answer.content) > 64 and answer.json()["data"]
    report = drift.as_json()
    assert report["bodies_not_checked"] == 1 and report["violations"] == 0


def test_an_unknown_operation_is_reported() -> None:
    _, drift, client = proxied("voipcloud", drifting)
    run(client.get(f"{VOIP}/get-fax-logs", headers={"token": "k"}))
    finding = _findings(drift.as_json())[("(unknown operation)", "unknown-operation")]
    assert "/api/integration/v1/get-fax-logs:\n  get:" in finding["proposal"]["yaml"]


def test_the_rate_limit_guard_warns_and_holds(caplog: pytest.LogCaptureFixture) -> None:
    app, drift, _ = proxied("voipcloud", drifting)
    api = replace(app.api, rate_limit=RateLimit(2, 1))
    op = app.api.operations[0]
    warn = Guard(api, drift, hold=False)

    async def burst(guard: Guard) -> float:
        started = time.monotonic()
        for _ in range(3):
            await guard.admit(op)
        return time.monotonic() - started

    with caplog.at_level(logging.WARNING, logger="voxspec.proxy"):
        assert run(burst(warn)) < 0.5
    assert drift.rate_limited == 1 and "exceeds the rate limit" in caplog.text
    assert run(burst(Guard(api, drift, hold=True))) >= 0.9  # the third waits for the window to move


def test_an_invalid_spec_stops_the_proxy_with_file_line_findings(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\ninfo:\n  title: broken\npaths:\n  /x:\n    get:\n      responses: {}\n")
    done = subprocess.run(
        [sys.executable, "-m", "generator.cli", "--root", str(ROOT), "proxy", str(spec), "--target", "http://x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "openapi.yaml:" in done.stdout and "the proxy does not start" in done.stderr


def test_a_request_body_over_the_cap_reaches_the_target_whole() -> None:
    seen: list[int] = []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        seen.append(size)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"code": 200, "message": "Success"}'})

    _, drift, client = proxied("voipcloud", counting, max_body=1024)
    payload = b"x" * 300_000

    async def chunks() -> Any:
        for start in range(0, len(payload), 10_000):
            yield payload[start : start + 10_000]

    answer = run(client.post(f"{VOIP}/call-to-number", headers={"token": "k"}, content=chunks()))
    assert answer.status_code == 200 and seen == [len(payload)]
    assert drift.as_json()["bodies_not_checked"] == 1


def test_a_head_answer_without_a_body_is_no_violation() -> None:
    _, drift, client = proxied("voipcloud", mock_app("voipcloud"))
    headers, query = credentials("voipcloud")
    answer = run(client.head(f"{VOIP}/get-system-status", headers=headers, params=query))
    assert answer.status_code == 200 and answer.content == b""
    assert drift.as_json()["violations"] == 0, drift.text()


def test_a_parameter_violation_points_at_where_the_parameter_is_declared() -> None:
    # Telphin declares {extension_id} on the path item and the rest on each operation: the IR's merged list
    # and the operation's own list number them differently.
    app, drift, client = proxied("telphin", mock_app("telphin"))
    op = next(o for o in app.api.operations if o.op_id == "list_aliases")
    assert [p.name for p in op.parameters][:2] == ["extension_id", "page"]
    param = op.parameters[1]
    path = app.api.base_path + op.path.replace("{", "").replace("}", "")
    headers, query = credentials("telphin")
    run(client.get(path, headers=headers, params={**query, param.name: "many"}))
    finding = next(
        f for o in drift.as_json()["operations"] for f in o["findings"] if f["where"] == f"/query/{param.name}"
    )
    assert finding["kind"] == "type"
    pointer = finding["proposal"]["pointer"]
    assert pointer.endswith("/schema/type")
    spec = load(ROOT / "specs" / "telphin" / "openapi.yaml")
    declared = spec.deref(spec.resolve(pointer.rsplit("/", 2)[0]))  # the parameter object the proposal edits
    assert (declared["name"], declared["in"]) == (param.name, "query")


def test_a_declared_response_header_of_the_wrong_type_is_reported() -> None:
    _, drift, client = proxied("voipcloud", drifting)
    answer = run(client.get(f"{VOIP}/get-system-status", headers={"token": "k", "x-drift": "retry-after-date"}))
    assert answer.status_code == 429 and answer.headers["retry-after"].startswith("Wed")
    finding = _findings(drift.as_json())[("get_system_status", "type")]
    assert finding["where"] == "/headers/retry-after" and finding["direction"] == "response"
    assert finding["proposal"]["pointer"].endswith("/headers/Retry-After/schema/type")


def test_replay_matches_a_recording_whatever_credential_the_query_carries(tmp_path: Path) -> None:
    _, _, client = proxied("voipcloud", drifting, record=tmp_path)
    recorded = run(
        client.get(
            f"{VOIP}/get-user-calls",
            headers={"x-drift": "wrong-type"},
            params={"api_key": CANARY, "limit": "5", "offset": "0"},
        )
    )
    replay = httpx.AsyncClient(
        transport=httpx.ASGITransport(Replay(mock_app("voipcloud"), Cassettes.load(tmp_path))), base_url="http://m"
    )
    # the mock's own key, and the parameters in another order: the same call
    again = run(replay.get(f"{VOIP}/get-user-calls?offset=0&api_key=voxspec-mock-key&limit=5"))
    assert again.content == recorded.content and b'"95"' in again.content
    assert CANARY not in next(tmp_path.rglob("*.json")).read_text()


def test_a_deprecated_auth_scheme_in_use_is_reported() -> None:
    _, drift, client = proxied("voipcloud", mock_app("voipcloud"))
    answer = run(client.get(f"{VOIP}/get-system-status", params={"api_key": "voxspec-mock-key"}))
    assert answer.status_code == 200
    finding = _findings(drift.as_json())[("get_system_status", "deprecated-auth")]
    assert (finding["expected"], finding["actual"]) == ("token", "api_key")
    run(client.get(f"{VOIP}/get-system-status", headers={"token": "voxspec-mock-key"}))
    assert drift.as_json()["violations"] == 1  # the current scheme is no finding


def test_a_status_no_response_covers_is_undeclared_with_a_new_response_proposed() -> None:
    async def teapot(scope: Any, receive: Any, send: Any) -> None:
        body = b'{"brew": "coffee", "cups": 2}'
        await send({"type": "http.response.start", "status": 418, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    app, drift, client = proxied("netsapiens", teapot)
    op = next(o for o in app.api.operations if o.op_id == "list_domains")
    assert not any(r.status in ("default", "4XX") for r in op.responses)
    headers, query = credentials("netsapiens")
    answer = run(client.get(app.api.base_path + op.path, headers=headers, params=query))
    assert answer.status_code == 418 and answer.json() == {"brew": "coffee", "cups": 2}  # passed on, not replaced
    finding = _findings(drift.as_json())[("list_domains", "undeclared-status")]
    assert finding["actual"] == "418"
    yaml_text = finding["proposal"]["yaml"]
    assert yaml_text.startswith("'418':") and "cups:\n            type: integer" in yaml_text  # a schema from the body
