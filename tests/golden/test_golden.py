"""Golden test: a small fixture spec renders to exactly the checked-in package.

Refresh after an intended change with VOXSPEC_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.build import build
from generator.load import load
from generator.render import render

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"


def test_fixture_spec_renders_to_golden_files() -> None:
    doc = load(HERE / "spec" / "openapi.yaml", HERE.parents[1])
    files = render(build(doc, "tiny"))
    if os.environ.get("VOXSPEC_UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, data in files.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_bytes(data)
    on_disk = {p.relative_to(EXPECTED).as_posix(): p.read_bytes() for p in EXPECTED.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(files)
    for name, data in files.items():
        assert on_disk[name] == data, f"{name} differs from the golden copy"
