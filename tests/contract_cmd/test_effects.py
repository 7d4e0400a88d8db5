"""Operations with effects are writes: a recording server proves no run sends one unless it is named.

Also the other rails a live run leans on: no credential follows a redirect to another host, and a base URL
that answers 404 to everything is a finding, not a green run.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.build import build
from generator.contract.credentials import schemes_of
from generator.contract.mock import mock_app, running_app
from generator.contract.runner import PROBES
from generator.contract.transport import Guard, OtherHostRefused, WriteRoute, WriteRouteRefused
from generator.ir import Api
from generator.load import load
from tests.contract_cmd.helpers import contract
from tests.contract_cmd.servers import Recorder, Seen, Status, redirect_once, redirect_to
from tests.helpers import MOCK_KEY, ROOT, vendors

VENDORS = vendors()


def _api(vendor: str) -> Api:
    return build(load(ROOT / "specs" / vendor / "openapi.yaml", ROOT), vendor)


def _give_credentials(vendor: str, monkeypatch: pytest.MonkeyPatch, value: str = MOCK_KEY) -> list[str]:
    """Every security scheme of the vendor as a VOXSPEC_<VENDOR>_<SCHEME> variable (a token for OAuth2)."""
    names = []
    for scheme in schemes_of(_api(vendor).security_schemes).values():
        name = f"VOXSPEC_{vendor.upper()}_{scheme.name.upper().replace('-', '_')}"
        monkeypatch.setenv(name, f"{value}:{value}" if scheme.kind == "basic" else value)
        names.append(name)
    return names


def _sent_with_effects(api: Api, seen: list[Seen]) -> set[str]:
    """The operationIds with effects among the recorded requests, matched by method and path template."""
    routes = [WriteRoute(op.method, op.path, op.op_id) for op in api.operations if op.effects]
    base = api.base_path
    hits = set()
    for request in seen:
        path = request.path[len(base) :] if request.path.startswith(base) else request.path
        hits |= {r.operation_id for r in routes if r.method == request.method and r.pattern.fullmatch(path)}
    return hits


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_default_run_sends_no_operation_with_effects(
    vendor: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _api(vendor)
    _give_credentials(vendor, monkeypatch)
    recorder = Recorder(mock_app(ROOT, vendor))
    # Enough budget that every operation the plan sends gets requests of its own.
    budget = str(len(api.operations) + 20)
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, vendor, "--base-url", url, "--max-requests", budget, "--seed", "3")
    assert recorder.seen, outcome.out[-2000:]
    assert {seen.method for seen in recorder.seen} <= {"GET", "HEAD"}
    assert _sent_with_effects(api, recorder.seen) == set()
    planned = {op["operation_id"] for op in outcome.report["plan"]["operations"]}
    skipped = {s["operation_id"]: s["reason"] for s in outcome.report["plan"]["skipped"]}
    for op in api.operations:
        if op.effects:
            assert op.op_id not in planned and op.effects in skipped[op.op_id]
    assert "(0 writing)" in outcome.out


def test_allow_writes_adds_exactly_the_operation_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = _api("callcenter")
    _give_credentials("callcenter", monkeypatch)
    recorder = Recorder(mock_app(ROOT, "callcenter"))
    args = ["--max-requests", "60", "--seed", "3", "--allow-writes", "originate_call"]
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "callcenter", "--base-url", url, *args)
    assert _sent_with_effects(api, recorder.seen) == {"originate_call"}
    assert {seen.method for seen in recorder.seen} == {"GET"}
    assert "(1 writing)" in outcome.out and "[originate_call] WRITES: places a real phone call" in outcome.out
    planned = {op["operation_id"]: op for op in outcome.report["plan"]["operations"]}
    assert planned["originate_call"]["writes"] and "phone call" in planned["originate_call"]["effects"]


def test_only_an_operation_with_effects_sends_nothing_without_allow_writes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _give_credentials("callcenter", monkeypatch)
    recorder = Recorder(mock_app(ROOT, "callcenter"))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "callcenter", "--base-url", url, "--only", "originate_call")
    assert recorder.seen == []
    assert outcome.status == 2
    assert "[originate_call]: places a real phone call" in outcome.out
    assert "nothing to send; left out as writes: originate_call (places a real phone call" in outcome.err
    # The other operations are counted, not listed one per line.
    assert "skip  36 other operation(s): not in --only (-v lists them)" in outcome.out
    assert outcome.out.count("not in --only") == 1


def test_the_guard_refuses_a_write_by_its_path_whichever_case_asks_and_any_other_host() -> None:
    route = WriteRoute("GET", "/api/user/logout", "logout_user")
    guard = Guard(budget=5, base_url="http://h:1/base", refused_routes=(route,), sleep=lambda s: None)
    guard.operation = "get_user"
    with pytest.raises(WriteRouteRefused, match="logout_user"):
        guard.admit("GET", url="http://h:1/base/api/user/logout?api_key=x")
    with pytest.raises(WriteRouteRefused, match="logout_user"):
        guard.admit("GET", url="http://h:1/base/api/user/log%6Fut")
    guard.admit("GET", url="http://h:1/base/api/user/7")
    with pytest.raises(OtherHostRefused):
        guard.admit("GET", url="http://elsewhere:1/base/api/user/7")
    assert guard.sent == 1
    assert WriteRoute("GET", "/jobs/{id}:details", "x").pattern.fullmatch("/jobs/12:details")


def _secret_forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), base64.b64encode(secret.encode()).decode()}


@pytest.mark.parametrize("vendor", VENDORS)
def test_no_credential_follows_a_redirect_to_another_host(
    vendor: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"redirect-canary/{vendor}+="
    _give_credentials(vendor, monkeypatch, secret)
    elsewhere = Recorder(Status(200))
    with running_app(elsewhere) as second, running_app(redirect_to(second)) as first:
        outcome = contract(capsys, tmp_path, vendor, "--base-url", first, "--max-requests", "20")
    everything_seen = " ".join(f"{s.path} {s.query} {s.headers}" for s in elsewhere.seen)
    for form in _secret_forms(secret) | _secret_forms(f"{secret}:{secret}"):
        assert form not in everything_seen
    assert elsewhere.seen == []  # stopped at the first redirect, before any request to the other host
    assert outcome.status == 1
    assert f"-> 302 {second}" in outcome.err and "another host" in outcome.err
    failures = {f["kind"] for op in outcome.report["operations"] for f in op["failures"]}
    assert "CrossOriginRedirect" in failures
    assert secret not in outcome.out + outcome.err


@pytest.mark.parametrize("vendor", ["voipcloud", "callcenter", "telphin"])
def test_a_server_answering_404_to_everything_fails_after_one_probe(
    vendor: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _give_credentials(vendor, monkeypatch)
    recorder = Recorder(Status(404))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, vendor, "--base-url", f"{url}/api/integraton/v1", "--max-requests", "40")
    assert outcome.status == 1
    assert 1 <= len(recorder.seen) <= PROBES, "probed, then stopped before spending the budget"
    assert "FINDING: the probe" in outcome.out and "the base URL or path looks wrong" in outcome.out
    assert outcome.report["wrong_base_url"] and not outcome.report["passed"]
    assert "PASSED" not in outcome.out


def test_a_typo_in_the_base_path_of_a_real_mock_is_a_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _give_credentials("telphin", monkeypatch)
    with running_app(mock_app(ROOT, "telphin")) as url:
        outcome = contract(capsys, tmp_path, "telphin", "--base-url", f"{url}/api/ver1.0/api/ver1.0")
    assert outcome.status == 1
    assert "the base URL or path looks wrong" in outcome.out and "server path is /api/ver1.0" in outcome.out


def test_without_parameter_free_paths_the_probe_uses_collections_under_the_shared_parameters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Avaya's paths all sit under {accountId}: its collections are the probes, and the finding says the
    account may be the wrong part."""
    _give_credentials("avaya", monkeypatch)
    recorder = Recorder(Status(404))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "avaya", "--base-url", url, "--max-requests", "40")
    assert outcome.status == 1
    assert len(recorder.seen) == PROBES
    assert all(seen.path.rsplit("/", 1)[-1] and "{" not in seen.path for seen in recorder.seen)
    assert "(or the values of accountId name nothing on this server)" in outcome.out


def test_a_run_where_nothing_answers_a_declared_success_is_not_green(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One operation by id: no probe can tell a wrong base URL from a missing record, and yet a run in
    which nothing answered a declared success checked nothing worth a pass."""
    _give_credentials("avaya", monkeypatch)
    with running_app(Status(404)) as url:
        outcome = contract(capsys, tmp_path, "avaya", "--base-url", url, "--max-requests", "5", "--only", "get_skill")
    assert outcome.status == 1
    assert "none of" in outcome.out and "was a success status the spec declares" in outcome.out


def test_a_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    memory = tmp_path / "windows.json"
    args = ["--base-url", "https://eu.voipcloud.example", "--dry-run", "--rate-memory", str(memory)]
    outcome = contract(capsys, tmp_path, "voipcloud", *args)
    assert outcome.status == 0 and not memory.exists()


def test_the_missing_credentials_hint_names_no_deprecated_scheme(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("VOXSPEC_VOIPCLOUD_TOKEN", "VOXSPEC_VOIPCLOUD_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", "https://eu.voipcloud.example", "--dry-run")
    assert "VOXSPEC_VOIPCLOUD_TOKEN" in outcome.out
    assert "VOXSPEC_VOIPCLOUD_API_KEY" not in outcome.out + outcome.err
    assert "eu.voipcloud.example" in outcome.out


def test_a_redirect_within_the_host_is_followed_and_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _give_credentials("voipcloud", monkeypatch)
    path = "/api/integration/v1/get-system-status"
    recorder = Recorder(mock_app(ROOT, "voipcloud"))
    args = ["--only", "get_system_status", "--max-requests", "4"]
    with running_app(redirect_once(recorder, path)) as url:
        outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", url, *args)
    assert outcome.status == 0, outcome.out[-2000:]
    assert f"redirect: GET {url}{path} -> 307 {url}{path}?moved=1 (same host)" in outcome.err
    assert any(seen.headers.get("token") == MOCK_KEY and "moved=1" in seen.query for seen in recorder.seen)
