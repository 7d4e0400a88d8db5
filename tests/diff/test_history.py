"""The diff runs over the real specs' git history: consecutive committed revisions of each vendor, no errors."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from generator.diff import diff_documents
from generator.diff.sources import spec_at

ROOT = Path(__file__).resolve().parents[2]
VENDORS = sorted(p.parent.name for p in (ROOT / "specs").glob("*/openapi.yaml"))
PAIRS_PER_VENDOR = 4  # the newest few: each pair reads two ~7,000-line specs from git


def _revisions(vendor: str) -> list[str]:
    log = subprocess.run(
        ["git", "log", "--format=%H", "--", f"specs/{vendor}/openapi.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if log.returncode != 0:
        pytest.skip(f"no git history here: {log.stderr.strip()}")
    return log.stdout.split()[: PAIRS_PER_VENDOR + 1]


@pytest.mark.parametrize("vendor", VENDORS)
def test_consecutive_revisions_diff_cleanly(vendor: str) -> None:
    revisions = _revisions(vendor)
    if len(revisions) < 2:
        pytest.skip(f"{vendor}: fewer than two committed revisions (a shallow clone?)")
    docs = [spec_at(ROOT, vendor, rev) for rev in revisions]
    for newer, older in itertools.pairwise(docs):
        result = diff_documents(older, newer)
        for change in result.changes:
            assert change.old is not None and change.new is not None
            assert change.old.line >= 1 and change.new.line >= 1
        # Nothing both removed and added under one key: matching found the operations it should.
        removed = {c.operation for c in result.changes if c.rule == "operation-removed"}
        added = {c.operation for c in result.changes if c.rule == "operation-added"}
        assert not removed & added
