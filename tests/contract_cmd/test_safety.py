"""A recording server proves the rails: no write unless allowed, budget and rate limit hold, Retry-After waits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from generator.contract.mock import mock_app, running_app
from tests.contract_cmd.helpers import contract
from tests.contract_cmd.servers import Recorder
from tests.helpers import MOCK_KEY, ROOT, package


def test_read_only_sends_no_write_and_keeps_the_budget(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_CALLCENTER_API_KEY", MOCK_KEY)
    recorder = Recorder(mock_app(ROOT, "callcenter"))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "callcenter", "--base-url", url, "--max-requests", "30", "--seed", "5")
    assert outcome.status == 0, outcome.out[-2000:]
    methods = {seen.method for seen in recorder.seen}
    assert methods == {"GET"}
    assert len(recorder.seen) == outcome.report["requests_sent"] <= 30
    skipped = {s["operation_id"] for s in outcome.report["plan"]["skipped"]}
    assert "delete_phone_list" in skipped and "create_phone_list" in skipped


def test_allowed_write_is_the_only_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_CALLCENTER_API_KEY", MOCK_KEY)
    recorder = Recorder(mock_app(ROOT, "callcenter"))
    args = ["--allow-writes", "create_phone_list", "--only", "create_phone_list,list_phone_lists"]
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "callcenter", "--base-url", url, "--max-requests", "10", *args)
    writes = {(seen.method, seen.path) for seen in recorder.seen if seen.method != "GET"}
    assert writes == {("POST", "/api/phone_list")}, writes
    assert len(recorder.seen) == outcome.report["requests_sent"] <= 10


def test_delete_needs_allow_deletes_and_nothing_is_sent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    recorder = Recorder(mock_app(ROOT, "callcenter"))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "callcenter", "--base-url", url, "--allow-writes", "delete_phone_list")
    assert outcome.status == 2
    assert "--allow-deletes" in outcome.out + outcome.err
    assert recorder.seen == []


def _voipcloud_with_rate_limit(tmp_path: Path, requests: int, window: int) -> Path:
    yaml = YAML()
    spec = yaml.load((ROOT / "specs" / "voipcloud" / "openapi.yaml").read_text())
    spec["x-voxspec-rate-limit"] = {"requests": requests, "window-seconds": window}
    path = tmp_path / "voipcloud" / "openapi.yaml"
    path.parent.mkdir()
    with path.open("w") as handle:
        yaml.dump(spec, handle)
    return path


def test_spec_rate_limit_holds_in_every_window(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", MOCK_KEY)
    spec = _voipcloud_with_rate_limit(tmp_path, requests=4, window=1)
    recorder = Recorder(mock_app(ROOT, "voipcloud"))
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, str(spec), "--base-url", url, "--max-requests", "10", "--seed", "2")
    assert outcome.status == 0, outcome.out[-2000:]
    times = [seen.at for seen in recorder.seen]
    assert len(times) == 10
    # Any 5 consecutive requests span at least the 1 s window (a small allowance for clock granularity).
    assert all(times[i + 4] - times[i] >= 0.95 for i in range(len(times) - 4)), times
    assert "4 per 1 s (spec root)" in outcome.out


def test_back_to_back_runs_share_the_rate_limit_window(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", MOCK_KEY)
    spec = _voipcloud_with_rate_limit(tmp_path, requests=4, window=600)
    recorder = Recorder(mock_app(ROOT, "voipcloud"))
    memory = tmp_path / "windows.json"
    with running_app(recorder) as url:
        args = [str(spec), "--base-url", url, "--only", "get_system_status", "--rate-memory", str(memory)]
        first = contract(capsys, tmp_path, *args, "--max-requests", "4")
        assert first.status == 0, first.out[-2000:]
        assert len(recorder.seen) == 4 and "(0 earlier request(s) still in the window)" in first.out
        # The window is full for ten minutes: the next run stops before sending rather than exceed the limit.
        second = contract(capsys, tmp_path, *args, "--max-requests", "2")
        assert second.status == 1 and len(recorder.seen) == 4
        assert "(4 earlier request(s) still in the window)" in second.out and "has no room" in second.out
        # Without the memory the run would have gone ahead.
        third = contract(capsys, tmp_path, *args[:-1], "none", "--max-requests", "2")
        assert third.status == 0 and len(recorder.seen) == 6


def test_rate_memory_defaults_to_a_file_per_vendor_and_host_without_credentials() -> None:
    from generator.contract import default_rate_memory

    path = default_rate_memory(ROOT, "voipcloud", "https://user:s3cret@EU.voipcloud.online:8443/api")
    assert path == ROOT / ".voxspec" / "contract" / "voipcloud-eu.voipcloud.online_8443.json"


def test_retry_after_is_honoured_and_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", MOCK_KEY)
    recorder = Recorder(mock_app(ROOT, "voipcloud"), throttle_first=1, retry_after="1")
    with running_app(recorder) as url:
        args = ["--only", "get_system_status", "--max-requests", "3"]
        outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", url, *args)
    assert outcome.status == 0, outcome.out[-2000:]
    first, second = recorder.seen[0].at, recorder.seen[1].at
    assert second - first >= 0.95
    assert outcome.report["retries_after_retry_after"] == 1
    assert len(recorder.seen) == outcome.report["requests_sent"] == 3


def test_retry_after_longer_than_max_wait_stops_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", MOCK_KEY)
    recorder = Recorder(mock_app(ROOT, "voipcloud"), throttle_first=100, retry_after="900")
    with running_app(recorder) as url:
        outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", url, "--max-requests", "20")
    assert outcome.status == 1
    assert len(recorder.seen) == 1
    assert "more than --max-wait" in outcome.out


def test_an_oauth2_grant_signs_in_once_inside_the_budget_and_the_token_never_shows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_MOCK_CLIENTS", "contract-client:cs-canary-5e1d")  # the client the mock signs in
    monkeypatch.setenv("VOXSPEC_TELPHIN_OAUTH2_CLIENT_ID", "contract-client")
    monkeypatch.setenv("VOXSPEC_TELPHIN_OAUTH2_CLIENT_SECRET", "cs-canary-5e1d")
    recorder = Recorder(mock_app(ROOT, "telphin"))
    with running_app(recorder) as url:
        args = ["--base-url", f"{url}/api/ver1.0", "--only", "list_registration_statuses", "--max-requests", "6"]
        outcome = contract(capsys, tmp_path, "telphin", *args)
    assert outcome.status == 0, outcome.out[-2000:]
    first, *rest = recorder.seen
    assert (first.method, first.path) == ("POST", "/oauth/token")
    # the checks send the fetched token (negative cases and auth probes send other values on purpose)
    sent = Counter(seen.headers.get("authorization", "") for seen in rest).most_common(1)[0][0]
    token = sent.removeprefix("Bearer ")
    assert package("telphin", "_mock").tokens.Tokens({}).accepts(token), "the token the mock issued"
    assert not any(seen.method == "POST" for seen in rest)
    assert len(recorder.seen) == outcome.report["requests_sent"] <= 6
    assert "signed in: oauth2 by client credentials at POST" in outcome.out
    everything = outcome.out + outcome.err + json.dumps(outcome.report) + outcome.junit
    assert token not in everything and "cs-canary-5e1d" not in everything


def test_a_grant_is_read_from_the_environment_or_the_file_and_a_token_wins(tmp_path: Path) -> None:
    from generator.contract import load_ir
    from generator.contract.credentials import load_credentials, schemes_of

    schemes = schemes_of(load_ir(ROOT / "specs" / "netsapiens" / "openapi.yaml", "netsapiens").security_schemes)
    assert (schemes["oauth2"].flow, schemes["oauth2"].token_request) == ("password", "json")
    names = ("CLIENT_ID", "CLIENT_SECRET", "USERNAME", "PASSWORD")
    env = {f"VOXSPEC_NETSAPIENS_OAUTH2_{n}": f"v-{n.lower()}" for n in names}
    creds = load_credentials("netsapiens", schemes, environ=env)
    assert creds.grants["oauth2"]["password"] == "v-password" and "oauth2" not in creds
    assert "v-password" in creds.secrets() and "v-password" not in repr(creds)
    file = tmp_path / "creds.toml"
    file.write_text('oauth2 = {client_id = "c", client_secret = "s", username = "u", password = "p"}\n')
    assert load_credentials("netsapiens", schemes, file, environ={}).grants["oauth2"]["username"] == "u"
    given = load_credentials("netsapiens", schemes, environ={**env, "VOXSPEC_NETSAPIENS_OAUTH2": "tok"})
    assert given.get("oauth2") == "tok" and not given.grants
