"""Every broken spec of the corpus fails `validate` and `generate` cleanly and leaves generated/ alone.

Clean means: the exit status the manifest gives (1 findings, 2 unusable input), every stdout line a
`file:line:col pointer: message [rule]` finding, the expected finding on the expected line, no traceback.
Most cases run the CLI in-process; a few run as subprocesses to show nothing else reaches the terminal.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from tests.bad_specs import make_corpus
from tests.helpers import tree_hash

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MANIFEST: dict[str, Any] = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
CASES: dict[str, dict[str, Any]] = MANIFEST["cases"]
VENDOR = "voipcloud"
SPEC = f"specs/{VENDOR}/openapi.yaml"


def spec_of(name: str) -> str:
    """Where a case is put: specs/voipcloud/openapi.yaml, or the vendor folder the case is about."""
    return f"specs/{CASES[name]['folder']}/openapi.yaml"


def finding_line(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(spec_of(name))}:(\d+):(\d+) /.*: .+ \[[a-z0-9-]+\]$")


SUBPROCESS_CASES = ("alias_bomb", "responses_string", "non_utf8_latin1", "deep_flow_sequence_5000")


def case_bytes(name: str) -> bytes:
    entry = CASES[name]
    if entry["runtime"]:
        content = make_corpus.build_case(name)
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], "re-run tests/bad_specs/make_corpus.py"
        return content
    return (HERE / str(entry["file"])).read_bytes()


@pytest.fixture(scope="module")
def generated_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generated/ rendered once from the valid VoIPcloud spec: what every broken run must leave as it was."""
    root = tmp_path_factory.mktemp("valid")
    (root / SPEC).parent.mkdir(parents=True)
    shutil.copyfile(ROOT / SPEC, root / SPEC)
    assert main(["--root", str(root), "generate"]) == 0
    return root / "generated"


def project(root: Path, generated: Path, name: str) -> Path:
    shutil.copytree(generated, root / "generated")
    spec = root / spec_of(name)
    spec.parent.mkdir(parents=True)
    spec.write_bytes(case_bytes(name))
    return root


def check_output(name: str, command: str, status: int, out: str, err: str) -> None:
    entry = CASES[name]
    where = f"{name}: voxspec {command}"
    assert status == entry["status"], f"{where} exited {status}, expected {entry['status']}\n{out}\n{err}"
    assert "Traceback" not in out + err, f"{where} printed a traceback\n{err}"
    lines = out.splitlines()
    assert lines, f"{where} printed no finding\n{err}"
    finding = finding_line(name)
    for line in lines:
        match = finding.match(line)
        assert match, f"{where}: not a file:line:col finding: {line!r}"
        assert int(match.group(1)) >= 1 and int(match.group(2)) >= 1, line
    hits = [line for line in lines if entry["expect"] in line]
    assert hits, f"{where}: no finding contains {entry['expect']!r}:\n{out}"
    if entry["line"] is not None:
        prefix = f"{spec_of(name)}:{entry['line']}:"
        assert any(line.startswith(prefix) for line in hits), f"{where}: expected line {entry['line']}:\n{out}"


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 100
    assert {entry["status"] for entry in CASES.values()} == {1, 2}


def test_the_corpus_is_what_its_script_writes() -> None:
    """The committed cases and manifest are make_corpus.py's output (it is deterministic)."""
    for base in MANIFEST["bases"].values():
        current = hashlib.sha256((ROOT / base["path"]).read_bytes()).hexdigest()
        assert current == base["sha256"], f"{base['path']} changed: re-run tests/bad_specs/make_corpus.py"
    cases = make_corpus.all_cases()
    assert make_corpus.manifest(cases) == MANIFEST
    for case in cases:
        if not case.runtime:
            assert (HERE / "cases" / f"{case.name}.yaml").read_bytes() == case.content, case.name
    committed = {p.stem for p in (HERE / "cases").glob("*.yaml")}
    assert committed == {c.name for c in cases if not c.runtime}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_spec_fails_cleanly(
    name: str, tmp_path: Path, generated_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, generated_tree, name)
    before = tree_hash(root / "generated")
    capsys.readouterr()
    for command in ("validate", "generate"):
        status = main(["--root", str(root), command])
        out, err = capsys.readouterr()
        check_output(name, command, status, out, err)
    assert tree_hash(root / "generated") == before, f"{name}: generate changed generated/"


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_no_traceback_reaches_the_terminal(name: str, tmp_path: Path, generated_tree: Path) -> None:
    root = project(tmp_path, generated_tree, name)
    before = tree_hash(root / "generated")
    for command in ("validate", "generate"):
        result = subprocess.run(
            [sys.executable, "-m", "generator.cli", "--root", str(root), command],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        check_output(name, command, result.returncode, result.stdout, result.stderr)
    assert tree_hash(root / "generated") == before
