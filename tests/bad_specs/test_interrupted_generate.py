"""A `voxspec generate` killed mid-write leaves generated/ entirely old or entirely new, across every vendor.

Two vendors change at once. The run is SIGKILLed at each step of the swap (killed_generate.py passes
generate_all a step callback that kills the process), and at a few wall-clock delays; the next run (here
`voxspec recover`, or `generate --check`, which recovers first) completes a swap whose journal was written and
undoes one whose journal was not, so the tree then hashes to the old or the new output of both vendors, and to
the one the step implies, even where the kill left one vendor new and the other old.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import tree_hash

ROOT = Path(__file__).resolve().parents[2]
SPECS = {"voipcloud": ROOT / "specs/voipcloud/openapi.yaml", "tiny": ROOT / "tests/golden/spec/openapi.yaml"}
EDITS = {"voipcloud": ("summary: Get the system status\n", "summary: Get the platform status\n")}
# (step, folder) -> which output generated/ holds after recovery; "tiny" is swapped before "voipcloud".
STEPS = {
    ("writing", "tiny"): "old",
    ("written", "voipcloud"): "old",
    ("journal", ""): "new",
    ("old-moved", "tiny"): "new",
    ("new-moved", "tiny"): "new",  # on disk: tiny new, voipcloud old
    ("old-moved", "voipcloud"): "new",
    ("committed", ""): "new",
}
MIXED = ("new-moved", "tiny")
DELAYS = (0.3, 1.0, 2.0)


def spec_text(vendor: str, version: str) -> str:
    text = SPECS[vendor].read_text(encoding="utf-8")
    if version == "old":
        return text
    if vendor in EDITS:
        old, new = EDITS[vendor]
        assert old in text
        return text.replace(old, new)
    assert "  title: Tiny\n" in text
    return text.replace("  title: Tiny\n", "  title: Tiny, renamed\n")


def write_specs(root: Path, version: str) -> None:
    for vendor in SPECS:
        path = root / "specs" / vendor / "openapi.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec_text(vendor, version), encoding="utf-8")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """generated/ for the committed specs ("old") and for the changed ones ("new"), rendered in-process."""
    trees = {}
    for version in ("old", "new"):
        root = tmp_path_factory.mktemp(version)
        write_specs(root, version)
        assert main(["--root", str(root), "generate"]) == 0
        trees[version] = root / "generated"
    for vendor in SPECS:
        assert tree_hash(trees["old"] / vendor) != tree_hash(trees["new"] / vendor), vendor
    return trees


def project(root: Path, outputs: dict[str, Path]) -> Path:
    shutil.copytree(outputs["old"], root / "generated")
    write_specs(root, "new")
    return root


def generate(root: Path, step: tuple[str, str] | None = None) -> subprocess.Popen[bytes]:
    kill = list(step) if step else []
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bad_specs.killed_generate", str(root), *kill],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Its own process group, so a kill takes the render workers too: left alive, they would hold the pipes.
        start_new_session=True,
    )


def holds(root: Path, outputs: dict[str, Path]) -> dict[str, str]:
    """Per vendor, the output its folder holds now ("old", "new" or "neither")."""
    out = {}
    for vendor in SPECS:
        digest = tree_hash(root / "generated" / vendor) if (root / "generated" / vendor).is_dir() else ""
        names = [name for name, tree in outputs.items() if tree_hash(tree / vendor) == digest]
        out[vendor] = names[0] if names else "neither"
    return out


def recovered(root: Path, outputs: dict[str, Path], command: str = "recover") -> str:
    """Run `voxspec recover` (or `generate --check`), then name the output the whole tree now holds."""
    args = ["generate", "--check"] if command == "check" else [command]
    status = main(["--root", str(root), *args])
    assert not list((root / "generated").glob(".*voxspec*")), "a half-done swap was left behind"
    digest = tree_hash(root / "generated")
    hashes = {tree_hash(tree): name for name, tree in outputs.items()}
    assert digest in hashes, f"generated/ is neither the old nor the new output: {holds(root, outputs)}"
    if command == "check":
        assert status == (0 if hashes[digest] == "new" else 1)
    else:
        assert status == 0
    return hashes[digest]


@pytest.mark.parametrize("step", sorted(STEPS), ids=":".join)
def test_killed_at_each_step_of_the_swap(step: tuple[str, str], tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root, step)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, f"the run was not killed at {step!r}: {err.decode()}"
    if step == MIXED:
        assert holds(root, outputs) == {"tiny": "new", "voipcloud": "old"}, "the kill did not leave a mixed tree"
    assert recovered(root, outputs, "check" if step[0] in ("journal", "writing") else "recover") == STEPS[step]


@pytest.mark.parametrize("delay", DELAYS)
def test_killed_after_a_delay(delay: float, tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=120)
    assert recovered(root, outputs) in ("old", "new")


def test_an_unkilled_run_writes_the_new_output(tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert recovered(root, outputs) == "new"


def test_recover_with_nothing_to_do_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(tmp_path), "recover"]) == 0
    assert "nothing to recover" in capsys.readouterr().err
