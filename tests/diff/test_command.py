"""`voxspec diff` from the command line: sides, formats, --fail-on, and clean errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main, parser
from tests.diff.corpus import CASES, dump, pair

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, name: str) -> tuple[str, str]:
    entry = next(c for c in CASES if c.name == name)
    old, new = pair(entry)
    (tmp_path / "old.yaml").write_text(dump(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new, indent=1), encoding="utf-8")
    return str(tmp_path / "old.yaml"), str(tmp_path / "new.json")


def test_text_groups_by_operation_with_both_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _write(tmp_path, "parameter-removed")
    assert main(["--root", str(ROOT), "diff", old, new]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "GET /agents"
    line = next(i for i, text in enumerate(Path(old).read_text().splitlines(), 1) if "name: limit" in text)
    # The removed parameter's new side is the operation's parameter list, where it would have been.
    where = next(i for i, text in enumerate(Path(new).read_text().splitlines(), 1) if '"parameters"' in text)
    assert out[1].split() == [
        "BREAKING",
        "query",
        "parameter",
        "limit",
        "removed",
        "[parameter-removed]",
        f"(old:{line}",
        f"new:{where})",
    ]
    assert out[-1].endswith("1 breaking, 0 server-breaking, 0 compatible")


def test_fail_on_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _write(tmp_path, "operation-removed")
    assert main(["--root", str(ROOT), "diff", old, new, "--fail-on", "breaking"]) == 1
    old, new = _write(tmp_path, "request-property-added")
    assert main(["--root", str(ROOT), "diff", old, new, "--fail-on", "breaking"]) == 0
    assert main(["--root", str(ROOT), "diff", old, new, "--fail-on", "server-breaking"]) == 1


def test_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _write(tmp_path, "response-enum-value-removed")
    assert main(["--root", str(ROOT), "diff", old, new, "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["summary"] == {"breaking": 4, "server-breaking": 0, "compatible": 0}
    assert {c["rule"] for c in body["changes"]} == {"response-enum-value-removed"}
    assert all(c["old"]["line"] > 0 and c["new"]["line"] > 0 for c in body["changes"])
    assert main(["--root", str(ROOT), "diff", old, new, "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert "## `GET /agents/{agent_id}`" in text
    assert '| breaking | response 200 application/json: Agent.status: enum value "paused" removed |' in text


@pytest.mark.parametrize(
    ("side", "message"),
    [
        ("telphin@no-such-revision-anywhere", "cannot read specs/telphin/openapi.yaml at no-such-revision-anywhere"),
        ("nosuchvendor@HEAD", "cannot read specs/nosuchvendor/openapi.yaml at HEAD"),
        ("telphin@--output=x", "is not a git revision"),
        ("missing/openapi.yaml", "no such file, vendor or vendor@REV"),
        ("specs", "is a folder"),
    ],
)
def test_bad_side_exits_2_with_one_clear_line(side: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "diff", side, "telphin"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_unreadable_document_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [\n", encoding="utf-8")
    assert main(["--root", str(ROOT), "diff", str(bad), "telphin"]) == 2
    assert "YAML syntax error" in capsys.readouterr().out


def test_vendor_at_revision_equals_working_tree_when_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    """HEAD's committed spec against itself: nothing changed, read from git without a checkout."""
    assert main(["--root", str(ROOT), "diff", "voipcloud@HEAD", "voipcloud@HEAD", "--fail-on", "any"]) == 0
    assert "0 breaking, 0 server-breaking, 0 compatible" in capsys.readouterr().out


def test_building_the_parser_does_not_load_the_diff_engine() -> None:
    """Every voxspec command builds the whole parser; the diff's YAML loader must not slow their start."""
    probe = (
        "import sys, generator.cli as c; c.parser(); print(sorted(m for m in sys.modules if m.startswith('generator')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "generator.load" not in loaded and "generator.diff.operations" not in loaded, loaded


def test_format_choices_are_the_renderers() -> None:
    from generator.diff.report import FORMATS

    for name in FORMATS:
        assert parser().parse_args(["diff", "a", "b", "--format", name]).format == name
    with pytest.raises(SystemExit):
        parser().parse_args(["diff", "a", "b", "--format", "yaml"])
