"""The content-hash stamp: an unchanged project skips rendering; any change to inputs or outputs renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import stamp
from generator.cli import main
from tests.unit.specs import valid

SKIPPED = "nothing changed since the last run"


def generate(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["--root", str(root), "generate", *extra]) == 0
    return capsys.readouterr().err


@pytest.fixture
def root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "specs" / "tiny"
    folder.mkdir(parents=True)
    (folder / "openapi.yaml").write_text(json.dumps(valid(), indent=2))
    assert SKIPPED not in generate(tmp_path, capsys)
    return tmp_path


def test_an_unchanged_project_is_not_rendered_again(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert SKIPPED in generate(root, capsys)
    assert SKIPPED not in generate(root, capsys, "--force")


def test_a_hand_edited_generated_file_is_restored(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = root / "generated" / "tiny" / "voxspec_tiny" / "client.py"
    original = client.read_bytes()
    client.write_bytes(original + b"# edited\n")
    assert SKIPPED not in generate(root, capsys)
    assert client.read_bytes() == original
    (root / "generated" / "tiny" / "stray.py").write_text("")
    assert SKIPPED not in generate(root, capsys)
    assert not (root / "generated" / "tiny" / "stray.py").exists()


def test_a_changed_spec_is_rendered(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = root / "specs" / "tiny" / "openapi.yaml"
    data = json.loads(spec.read_text())
    data["info"]["title"] = "Renamed API"
    spec.write_text(json.dumps(data, indent=2))
    assert SKIPPED not in generate(root, capsys)
    assert b"Renamed API" in (root / "generated" / "tiny" / "README.md").read_bytes()


def test_check_never_trusts_the_stamp(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "generated" / "tiny" / "README.md").write_text("stale\n")
    stamp.record(root)  # even a stamp that matches the edited tree
    assert main(["--root", str(root), "generate", "--check"]) == 1
    assert "generated/tiny/README.md: changed" in capsys.readouterr().out


def test_the_stamp_covers_generator_sources_and_versions(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = stamp.digest(root)
    monkeypatch.setattr(stamp, "_installed", lambda: ["ruff-0.0.0.dist-info"])
    assert stamp.digest(root) != before
    monkeypatch.undo()
    fake = root / "fake-generator"
    (fake / "templates").mkdir(parents=True)
    monkeypatch.setattr(stamp, "GENERATOR_ROOT", fake)
    without_sources = stamp.digest(root)
    (fake / "templates" / "client.py.j2").write_text("x")
    assert stamp.digest(root) != without_sources


def test_leftovers_of_an_interrupted_run_force_a_full_run(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "generated" / ".voxspec-new-abc").mkdir()
    assert stamp.digest(root) is None
    assert SKIPPED not in generate(root, capsys)
    assert not (root / "generated" / ".voxspec-new-abc").exists()
