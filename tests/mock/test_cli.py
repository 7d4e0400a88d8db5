"""`voxspec mock` options: clear errors for bad values, each option reaching the workers' environment."""

from __future__ import annotations

import socket

import pytest

from generator import serve
from generator.cli import main
from generator.errors import SpecError
from generator.serve import MockOptions, describe
from tests.helpers import package


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


def test_a_busy_port_is_one_line_and_exit_2_before_anything_is_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        status = main(["mock", "telphin", "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == [f"voxspec: cannot listen on 127.0.0.1:{port}: in use"]


def test_a_misspelt_vendor_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "telphn"]) == 2
    assert "did you mean telphin?" in capsys.readouterr().err


def test_help_states_defaults_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["mock", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: 127.0.0.1)" in out and "(default: 4010)" in out
    assert "Exit status: 0 stopped, 2 unusable input" in out
    assert "VOXSPEC_MOCK_CLIENTS" in out and "VOXSPEC_MOCK_USERS" in out


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        ("telphin", ["base URL  http://127.0.0.1:4010/api/ver1.0", "sign in: POST http://127.0.0.1:4010/oauth/token"]),
        ("callcenter", ["auth      query ?api_key=voxspec-mock-key   (api_key)"]),
        ("netsapiens", ["Authorization: Bearer voxspec-mock-key", "POST http://127.0.0.1:4010/ns-api/oauth2/token/"]),
    ],
)
def test_the_banner_names_the_base_url_with_its_path_and_how_to_authenticate(vendor: str, expected: list[str]) -> None:
    text = "\n".join(describe(package(vendor, "_spec").RUNTIME, "http://127.0.0.1:4010"))
    for line in expected:
        assert line in text, text


def test_limits_agree_with_the_runtime_and_reach_the_workers() -> None:
    runtime = package("telphin", "_mock").runtime
    assert (serve.DEFAULT_MAX_BODY, serve.DEFAULT_MAX_URL) == (runtime.DEFAULT_MAX_BODY, runtime.DEFAULT_MAX_URL)
    env = MockOptions(
        max_body=10, max_url=20, header_timeout=3, token_ttl=5, trusted_proxies=("10.0.0.1",)
    ).environment()
    assert env["VOXSPEC_MOCK_MAX_BODY"] == "10" and env["VOXSPEC_MOCK_MAX_URL"] == "20"
    assert env["VOXSPEC_MOCK_HEADER_TIMEOUT"] == "3" and env["VOXSPEC_MOCK_TOKEN_TTL"] == "5"
    with pytest.raises(SpecError, match="--trusted-proxy 'nope'"):
        MockOptions(trusted_proxies=("nope",)).environment()


def test_control_and_its_token_reach_the_workers() -> None:
    env = MockOptions(control=True, control_token="t0k").environment()
    assert env["VOXSPEC_MOCK_CONTROL"] == "1" and env["VOXSPEC_MOCK_CONTROL_TOKEN"] == "t0k"
    assert MockOptions().environment()["VOXSPEC_MOCK_CONTROL"] == ""
    config = package("telphin", "_mock").MockConfig(control=True, control_token="t0k")
    assert "t0k" not in repr(config), "the control token is a secret"


def test_control_with_several_workers_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["mock", "telphin", "--control", "--workers", "2", "--port", "1"])
    err = capsys.readouterr().err
    assert status == 2 and "--control needs --workers 1" in err and "Traceback" not in err
