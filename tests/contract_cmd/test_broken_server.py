"""A server that breaks the contract four ways: each defect is reported, with a curl, and the exit status is 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.contract.mock import mock_app, running_app
from tests.contract_cmd.helpers import contract
from tests.contract_cmd.servers import BrokenVoipcloud
from tests.helpers import MOCK_KEY, ROOT


def test_each_defect_is_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", MOCK_KEY)
    with running_app(BrokenVoipcloud(mock_app(ROOT, "voipcloud"), MOCK_KEY)) as url:
        outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", url, "--max-requests", "40", "--seed", "3")
    assert outcome.status == 1
    found = outcome.failures()
    assert ("list_user_calls", "response_schema_conformance") in found  # a wrong field type
    assert ("list_queue_calls", "response_schema_conformance") in found  # a missing required field
    assert ("list_ringgroup_calls", "not_a_server_error") in found  # a 500
    assert ("get_system_status", "ignored_auth") in found  # an auth bypass
    by_op = {op["operation_id"]: op for op in outcome.report["operations"]}
    messages = [f["message"] for f in by_op["list_user_calls"]["failures"]]
    assert any("call_duration" in m for m in messages)
    assert any('"status" is a required property' in f["message"] for f in by_op["list_queue_calls"]["failures"])
    for op in by_op.values():
        for failure in op["failures"]:
            assert failure["curl"].startswith("curl -X GET") and url in failure["curl"]
    # The human summary groups by operation, then check, with one curl per failure.
    assert "FAIL  not_a_server_error" in outcome.out and "Reproduce with: curl" in outcome.out
    assert outcome.out.count("Reproduce with:") == sum(len(op["failures"]) for op in by_op.values())
    assert "voxspec contract: FAILED" in outcome.out
    assert '<failure message="' in outcome.junit and 'failures="0"' not in outcome.junit


def test_unreachable_server_is_unusable_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = contract(capsys, tmp_path, "voipcloud", "--base-url", "http://127.0.0.1:9", "--max-requests", "5")
    assert outcome.status == 2
    assert "cannot connect" in outcome.out and "Traceback" not in outcome.out + outcome.err
