"""A canary secret never appears in stdout, stderr, the JUnit XML or the JSON report, in any of its wire forms."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.contract.mock import mock_app, running_app
from tests.contract_cmd.helpers import Outcome, contract
from tests.contract_cmd.servers import BrokenVoipcloud
from tests.helpers import ROOT

CANARY = "canary-s3cret/+=value"


def _assert_no_canary(outcome: Outcome, caplog: pytest.LogCaptureFixture) -> None:
    forms = {CANARY, quote(CANARY, safe=""), base64.b64encode(CANARY.encode()).decode(), "s3cret"}
    outputs = {"stdout": outcome.out, "stderr": outcome.err, "junit": outcome.junit, "log": caplog.text}
    outputs["json"] = str(outcome.report)
    for name, text in outputs.items():
        for form in forms:
            assert form not in text, f"{form!r} in {name}"


@pytest.mark.parametrize("scheme", ["token", "api_key"])
def test_canary_is_redacted_everywhere(
    scheme: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """token travels in a header, api_key in the query string; the server echoes the token in a 500 body."""
    monkeypatch.setenv("VOXSPEC_MOCK_KEYS", CANARY)
    credentials = tmp_path / "credentials.toml"
    credentials.write_text(f'{scheme} = "{CANARY}"\n')
    credentials.chmod(0o600)
    caplog.set_level(logging.DEBUG)
    with running_app(BrokenVoipcloud(mock_app(ROOT, "voipcloud"), CANARY)) as url:
        outcome = contract(
            capsys, tmp_path, "voipcloud", "--base-url", url, "--credentials-file", str(credentials),
            "--max-requests", "24", "--seed", "11",
        )  # fmt: skip
    assert outcome.status == 1 and outcome.report["failures"] >= 3  # failures, so curls and messages were written
    assert "REDACTED" in outcome.out or "Filtered" in outcome.out  # the curl lines show a marker instead
    _assert_no_canary(outcome, caplog)


def test_canary_from_the_environment_against_the_mock(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VOXSPEC_MOCK_KEYS", CANARY)
    monkeypatch.setenv("VOXSPEC_VOIPCLOUD_TOKEN", CANARY)
    caplog.set_level(logging.DEBUG)
    outcome = contract(capsys, tmp_path, "voipcloud", "--max-requests", "12", "--seed", "1")
    assert outcome.status == 0, outcome.out[-2000:]
    assert "token: from VOXSPEC_VOIPCLOUD_TOKEN" in outcome.out
    _assert_no_canary(outcome, caplog)
