"""Running `voxspec contract` in-process and reading what it wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from tests.helpers import ROOT


@dataclass
class Outcome:
    status: int
    out: str
    err: str
    report: dict[str, Any]
    junit: str

    def failures(self) -> set[tuple[str, str]]:
        """(operationId, check) of every reported failure."""
        return {(op["operation_id"], f["check"]) for op in self.report["operations"] for f in op["failures"]}


def contract(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> Outcome:
    json_path, junit_path = tmp_path / "report.json", tmp_path / "junit.xml"
    # Each test keeps its rate-limit windows to itself, never in the repository's .voxspec/.
    memory = [] if "--rate-memory" in args else ["--rate-memory", str(tmp_path / "rate-memory.json")]
    status = main(
        [
            *("--root", str(ROOT), "contract", *args, *memory),
            *("--json-report", str(json_path), "--junit-xml", str(junit_path)),
        ]
    )
    captured = capsys.readouterr()
    report = json.loads(json_path.read_text()) if json_path.exists() else {}
    junit = junit_path.read_text() if junit_path.exists() else ""
    return Outcome(status, captured.out, captured.err, report, junit)
