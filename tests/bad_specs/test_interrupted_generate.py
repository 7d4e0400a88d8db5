"""A `voxspec generate` killed mid-write leaves generated/ entirely old or entirely new.

The run is SIGKILLed at each step of the folder swap (through write.py's VOXSPEC_TEST_KILL_AT hook) and
at a few wall-clock delays; the next `voxspec generate --check` recovers any half-done swap, after which
the tree hashes to the old or the new output, and to the one the step implies.
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
from generator.write import KILL_AT
from tests.helpers import tree_hash

ROOT = Path(__file__).resolve().parents[2]
SPEC = "specs/voipcloud/openapi.yaml"
# step -> which output the tree must hold after recovery
STEPS = {"writing": "old", "written": "old", "old-moved": "old", "new-moved": "new"}
DELAYS = (0.2, 0.6)


def changed_spec() -> str:
    text = (ROOT / SPEC).read_text(encoding="utf-8")
    assert "summary: Get the system status\n" in text
    return text.replace("summary: Get the system status\n", "summary: Get the platform status\n")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """generated/ for the committed spec ("old") and for the changed one ("new"), rendered in-process."""
    trees = {}
    for name, text in (("old", (ROOT / SPEC).read_text(encoding="utf-8")), ("new", changed_spec())):
        root = tmp_path_factory.mktemp(name)
        (root / SPEC).parent.mkdir(parents=True)
        (root / SPEC).write_text(text, encoding="utf-8")
        assert main(["--root", str(root), "generate"]) == 0
        trees[name] = root / "generated"
    assert tree_hash(trees["old"]) != tree_hash(trees["new"])
    return trees


def project(root: Path, outputs: dict[str, Path]) -> Path:
    shutil.copytree(outputs["old"], root / "generated")
    (root / SPEC).parent.mkdir(parents=True)
    (root / SPEC).write_text(changed_spec(), encoding="utf-8")
    return root


def generate(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--root", str(root), "generate"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def recovered(root: Path, outputs: dict[str, Path]) -> str:
    """Run `generate --check` (it recovers first), then name the output the tree now holds."""
    status = main(["--root", str(root), "generate", "--check"])
    assert not list((root / "generated").glob(".*voxspec*")), "a half-done swap was left behind"
    digest = tree_hash(root / "generated")
    hashes = {tree_hash(tree): name for name, tree in outputs.items()}
    assert digest in hashes, "generated/ is neither the old nor the new output"
    assert status == (0 if hashes[digest] == "new" else 1)
    return hashes[digest]


@pytest.mark.parametrize("step", sorted(STEPS))
def test_killed_at_each_step_of_the_swap(step: str, tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root, {KILL_AT: step})
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, f"the run was not killed at {step!r}"
    assert recovered(root, outputs) == STEPS[step]


@pytest.mark.parametrize("delay", DELAYS)
def test_killed_after_a_delay(delay: float, tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root, {})
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=120)
    assert recovered(root, outputs) in ("old", "new")


def test_an_unkilled_run_writes_the_new_output(tmp_path: Path, outputs: dict[str, Path]) -> None:
    root = project(tmp_path, outputs)
    process = generate(root, {})
    process.communicate(timeout=120)
    assert process.returncode == 0
    assert recovered(root, outputs) == "new"
