"""Release packaging: every generated package ships all its subpackages, and release() checks its inputs."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from generator.diff.release import main, version_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "generated").iterdir() if (p / "pyproject.toml").is_file())


@pytest.mark.parametrize("folder", PACKAGES, ids=[p.name for p in PACKAGES])
def test_wheel_includes_every_subpackage(folder: Path) -> None:
    """A wheel without `_mock` imports its client but not its server: the pyproject must select every package."""
    config = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    patterns = packages if isinstance(packages, list) else packages["find"]["include"]
    on_disk = {".".join(init.parent.relative_to(folder).parts) for init in folder.rglob("__init__.py")}
    assert any(name.endswith("._mock") for name in on_disk)
    assert {name for name in on_disk if any(fnmatch.fnmatchcase(name, p) for p in patterns)} == on_disk
    assert version_of(folder) == config["project"]["version"]


def test_release_refuses_a_vendor_without_a_package(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["no-such-vendor"])
    assert stopped.value.code == 2
    assert "no generated package at generated/no-such-vendor" in capsys.readouterr().err
