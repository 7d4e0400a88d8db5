"""The command line: findings as file:line lines, exit statuses, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from tests.unit.specs import op, valid

BROKEN = """openapi: 3.1.0
info: {title: Broken, version: "1"}
tags: [{name: things}]
paths:
  /things/{id}:
    get:
      operationId: get_thing
      summary: Get
      tags: [things]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Missing"}
              example: {}
        "404": {description: gone, content: {application/json: {schema: {type: object}, example: {}}}}
  /other:
    get:
      operationId: get_thing
      summary: Other
      tags: [things]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}, example: {}}}}
        "400": {description: bad, content: {application/json: {schema: {type: object}, example: {}}}}
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_yaml_syntax_error_is_exit_2_with_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("openapi: 3.1.0\ninfo:\n  title: [unclosed\n  version: 1\n")
    result = run(["validate", str(spec)], tmp_path)
    assert result.returncode == 2
    assert "bad.yaml:" in result.stdout and "YAML syntax error" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_dangling_ref_duplicate_id_and_undeclared_param_each_reported(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(BROKEN)
    result = run(["validate", str(spec)], tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any("broken.yaml:15:" in line and "[ref-resolves]" in line for line in lines), lines
    assert any("broken.yaml:20:" in line and "[operation-id]" in line for line in lines), lines
    assert any("broken.yaml:6:" in line and "{id}" in line and "[path-params]" in line for line in lines), lines
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00bad",
        b"- just\n- a list\n",
        b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
        b"a: &x [*x]\n",
        b"key: 1\nkey: 2\n",
    ],
)
def test_unusable_or_invalid_input_never_tracebacks(tmp_path: Path, content: bytes) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(content)
    result = run(["validate", str(spec)], tmp_path)
    assert result.returncode in (1, 2)
    assert "spec.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    assert main(["--root", str(tmp_path), "validate", str(tmp_path / "nope.yaml")]) == 2


def test_valid_spec_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "ok.json"
    spec.write_text(json.dumps(valid()))
    assert main(["--root", str(tmp_path), "validate", str(spec)]) == 0
    assert capsys.readouterr().out == ""


def test_lint_rule_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = valid()
    op(data)["operationId"] = "getThing"
    del op(data)["summary"]
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps(data))
    assert main(["--root", str(tmp_path), "lint", str(spec), "--rule", "operation-id"]) == 1
    out = capsys.readouterr().out
    assert "[operation-id]" in out and "[operation-summary-tag]" not in out


def test_help_has_examples() -> None:
    result = run(["--help"], Path.cwd())
    assert result.returncode == 0 and "examples:" in result.stdout and "voxspec generate --check" in result.stdout
    sub = run(["generate", "--help"], Path.cwd())
    assert "example:" in sub.stdout and "--check" in sub.stdout


# Every command that reads specs, run where there are none: each stops with exit 2 before writing anything.
SPEC_COMMANDS = (
    ["validate"],
    ["lint"],
    ["generate"],
    ["generate", "--check"],
    ["generate", "--force"],
    ["check"],
    ["docs"],
    ["contract", "voipcloud", "--dry-run"],
    ["mock", "voipcloud"],
)


@pytest.mark.parametrize("command", SPEC_COMMANDS, ids=" ".join)
def test_without_specs_every_command_exits_2_and_creates_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path), *command]) == 2
    err = capsys.readouterr().err
    assert "no spec" in err or "no generated package" in err, err
    assert list(tmp_path.iterdir()) == [], "a command without specs wrote something"


def test_lint_help_lists_every_rule_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.lint import RULES

    with pytest.raises(SystemExit) as done:
        main(["lint", "--help"])
    assert done.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    for rule_id, entry in RULES.items():
        assert [line for line in lines if line.split()[:1] == [rule_id]] == [f"  {rule_id:<27}  {entry.summary}"]


def test_the_command_ends_a_generation_with_every_file_whole_and_every_line_out(tmp_path: Path) -> None:
    """`voxspec generate` exits without the interpreter's teardown: what it wrote and printed is all there."""
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "specs" / "voipcloud").mkdir(parents=True)
    (tmp_path / "specs" / "voipcloud" / "openapi.yaml").write_bytes(
        (root / "specs" / "voipcloud" / "openapi.yaml").read_bytes()
    )
    done = run(["--root", str(tmp_path), "generate"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().endswith("voxspec generate: 1 vendor(s), 32 file(s) updated"), done.stderr
    committed = root / "generated" / "voipcloud"
    written = tmp_path / "generated" / "voipcloud"
    names = [
        p.relative_to(committed)
        for p in sorted(committed.rglob("*"))
        if p.is_file()
        and not any(
            part.startswith((".", "__pycache__")) or part.endswith(".egg-info")
            for part in p.relative_to(committed).parts
        )
    ]
    assert names and all((written / n).read_bytes() == (committed / n).read_bytes() for n in names)
    assert (tmp_path / ".voxspec" / "generate.stamp").read_text().strip()
