"""Fixtures of the client tests."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The synchronous client's pauses (backoff, Retry-After, rate-limit waits), recorded instead of slept.

    The client sleeps with `time.sleep` itself and carries no hook for tests; this replaces the function for the
    one test that asks for it."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded
