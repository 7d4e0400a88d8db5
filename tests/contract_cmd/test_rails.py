"""Unit tests of the rails: redaction, credentials, rate-limit window, Retry-After, operation selection, --help."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.contract.credentials import (
    Redactor,
    Scheme,
    auth_config,
    env_name,
    load_credentials,
)
from generator.contract.plan import PlannedOperation, default_budget, parse_rate_limit, plan_rate_limit, select
from generator.contract.runner import auth_probes
from generator.contract.transport import (
    BudgetExhausted,
    Guard,
    RateLimit,
    SlidingWindow,
    WriteRefused,
    retry_after_seconds,
)
from generator.errors import SpecError
from tests.helpers import ROOT

SCHEMES = {
    "token": Scheme("token", "apiKey", "header", "token"),
    "api_key": Scheme("api_key", "apiKey", "query", "api_key", deprecated=True),
    "basic": Scheme("basic", "basic"),
}


def test_redactor_covers_raw_quoted_and_basic_forms() -> None:
    redact = Redactor.of(["user:pa ss/word"])
    text = " ".join(
        ["user:pa ss/word", "pa%20ss%2Fword", "pa+ss%2Fword", base64.b64encode(b"user:pa ss/word").decode()]
    )
    assert "pa" not in redact(text).replace("[REDACTED]", "")
    assert "redacted forms" in repr(redact) and "pa ss" not in repr(redact)


def test_credentials_env_beats_file_and_never_show_in_repr(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('token = "from-file"\nbasic = {username = "u", password = "p4ss"}\n')
    creds = load_credentials("voip cloud", SCHEMES, file, environ={"VOXSPEC_VOIP_CLOUD_TOKEN": "from-env"})
    assert creds.get("token") == "from-env" and creds.get("basic") == "u:p4ss"
    assert "from-env" not in repr(creds) and "p4ss" not in str(creds)
    assert env_name("voipcloud", "api-key") == "VOXSPEC_VOIPCLOUD_API_KEY"
    # A deprecated scheme is sent only when nothing else is given.
    assert set(auth_config(SCHEMES, creds)) == {"token", "basic"}


def test_credentials_file_errors_name_no_value(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('nonsense = "hunter22"\n')
    with pytest.raises(SpecError, match="not a security scheme") as info:
        load_credentials("v", SCHEMES, file, environ={})
    assert "hunter22" not in str(info.value)


def test_sliding_window_never_lets_more_than_n_through_per_window() -> None:
    now = [0.0]
    window = SlidingWindow(
        RateLimit(3, 10, "test"), clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    sent = []
    for _ in range(7):
        window.acquire()
        sent.append(now[0])
    assert sent == [0, 0, 0, 10, 10, 10, 20]


def test_guard_refuses_writes_and_spends_budget() -> None:
    guard = Guard(budget=2, allowed_writes={"create_x": "POST"}, sleep=lambda s: None)
    guard.operation = "list_x"
    with pytest.raises(WriteRefused):
        guard.admit("DELETE")
    guard.operation = "create_x"
    guard.admit("POST")
    guard.admit("GET")
    with pytest.raises(BudgetExhausted):
        guard.admit("GET")
    assert guard.sent == 2


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:30 GMT", now=lambda: now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_selection_is_read_only_unless_allowed() -> None:
    ops = [PlannedOperation("list_x", "GET", "/x"), PlannedOperation("create_x", "POST", "/x")]
    ops.append(PlannedOperation("delete_x", "DELETE", "/x/{id}"))
    chosen, skipped = select(ops, (), False, ())
    assert [op.operation_id for op in chosen] == ["list_x"] and len(skipped) == 2
    chosen, _ = select(ops, ("create_x",), False, ())
    assert [op.operation_id for op in chosen] == ["list_x", "create_x"]
    with pytest.raises(SpecError, match="--allow-deletes"):
        select(ops, ("delete_x",), False, ())
    with pytest.raises(SpecError, match="unknown operationId"):
        select(ops, ("nope",), False, ())


def test_budget_and_rate_limit_options() -> None:
    assert default_budget(None) == (100, "default")
    assert default_budget(RateLimit(100, 900, "spec root"))[0] == 50
    assert parse_rate_limit("10/60") == RateLimit(10, 60.0, "--rate-limit")
    with pytest.raises(SpecError):
        parse_rate_limit("ten")


def test_spec_rate_limits_come_from_the_ir_and_a_broken_one_stops_the_run(tmp_path: Path) -> None:
    from generator import ir
    from generator.contract import load_ir

    assert plan_rate_limit(ir.RateLimit(100, 900), "spec root") == RateLimit(100, 900.0, "spec root")
    assert plan_rate_limit(None, "spec root") is None
    spec = tmp_path / "openapi.yaml"
    text = (ROOT / "specs" / "telphin" / "openapi.yaml").read_text("utf-8")
    spec.write_text(text.replace("openapi: 3.1.0", "openapi: 3.1.0\nx-voxspec-rate-limit: 100/900", 1), "utf-8")
    with pytest.raises(SpecError, match="x-voxspec-rate-limit"):
        load_ir(spec, "telphin")


def test_contract_reads_deprecated_schemes_as_build_does() -> None:
    from generator.contract.credentials import schemes_of
    from generator.ir import SecurityScheme

    kept = SecurityScheme("old", "old", "header", "X-Key", "", deprecated=True)
    assert schemes_of([kept])["old"].deprecated
    assert not schemes_of([SecurityScheme("new", "new", "header", "X-Key", "", deprecated=False)])["new"].deprecated


def test_auth_probes_strip_then_spoil_credentials() -> None:
    import requests

    sent = requests.Request(
        "GET", "http://h/x?api_key=s3cret&limit=1", headers={"Authorization": "Bearer s3cret"}
    ).prepare()
    (_, without), (_, invalid) = auth_probes(sent, ["Authorization"], ["api_key"])
    assert "Authorization" not in without.headers and without.url == "http://h/x?limit=1"
    assert invalid.headers["Authorization"] == "Bearer voxspec-invalid-credential"
    assert "s3cret" not in str(invalid.url)


def test_help_has_an_example_and_a_bad_option_no_traceback() -> None:
    run = [sys.executable, "-m", "generator.cli", "contract"]
    result = subprocess.run([*run, "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "voxspec contract voipcloud" in result.stdout
    assert "VOXSPEC_<VENDOR>_<SCHEME>" in result.stdout
    result = subprocess.run(
        [*run, "voipcloud", "--rate-limit", "x"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
