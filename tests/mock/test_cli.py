"""`voxspec mock` options: clear errors for bad values, each option reaching the workers' environment."""

from __future__ import annotations

import pytest

from generator.cli import main
from generator.serve import MockOptions


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--state", "redis://x"], "expected memory or sqlite:PATH"),
        (["--error-rate", "2"], "between 0 and 1"),
        (["--latency", "-5"], "0 or more"),
        (["--allow", "not-an-ip"], "not an IP address"),
        (["--workers", "0"], "1 or more"),
    ],
)
def test_bad_options_are_clear_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["mock", "voipcloud", *argv])
    err = capsys.readouterr().err
    assert status != 0 and message in err and "Traceback" not in err


def test_options_become_the_workers_environment() -> None:
    env = MockOptions(
        state="sqlite:x.db", rate_limit=True, latency_ms=5, error_rate=0.1, allow=("10.0.0.0/8",)
    ).environment()
    assert env["VOXSPEC_MOCK_STATE"].startswith("sqlite:/") and env["VOXSPEC_MOCK_STATE"].endswith("/x.db")
    assert env["VOXSPEC_MOCK_RATE_LIMIT"] == "1" and env["VOXSPEC_MOCK_ALLOW"] == "10.0.0.0/8"
    assert env["VOXSPEC_MOCK_LATENCY_MS"] == "5" and env["VOXSPEC_MOCK_ERROR_RATE"] == "0.1"


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["mock", "--help"])
    assert "example:" in capsys.readouterr().out
