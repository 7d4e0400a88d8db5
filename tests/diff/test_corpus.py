"""Every corpus pair gives exactly its expected classification, with a line on both sides of each change."""

from __future__ import annotations

import pytest

from generator.diff import Level, diff_documents
from generator.load import parse
from tests.diff.corpus import CASES, Case, dump, pair


def _diff(entry: Case) -> list[tuple[str, str]]:
    old, new = pair(entry)
    result = diff_documents(parse(dump(old), "old.yaml"), parse(dump(new), "new.yaml"))
    for change in result.changes:
        assert change.old is not None and change.old.line > 0, change
        assert change.new is not None and change.new.line > 0, change
    return sorted({(change.level.value, change.rule) for change in result.changes})


def test_corpus_is_large_and_covers_every_level() -> None:
    assert len(CASES) >= 60
    assert len({entry.name for entry in CASES}) == len(CASES)
    levels = {level for entry in CASES for level, _ in entry.expect}
    assert levels == {level.value for level in Level}


@pytest.mark.parametrize("entry", CASES, ids=[entry.name for entry in CASES])
def test_case(entry: Case) -> None:
    assert _diff(entry) == sorted(entry.expect)
