"""The request journal of the control API: what each call to the mock asked and what it was answered.

Bounded, with secrets redacted before anything is kept, so a journal can be dumped into a test's failure report.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

# Field names whose values are credentials wherever they appear (body, query or path): the journal is for
# asserting what an application sent, and a test report must not carry its keys.
SECRET = re.compile(r"pass(word)?|secret|token|api[-_]?key|^key$|authori[sz]ation|credential|^pin$|signature", re.I)
REDACTED = "<redacted>"
MAX_ENTRIES = 10_000  # a long test run keeps its most recent calls, not every call since the start


@lru_cache(maxsize=1024)
def is_secret(name: str) -> bool:
    """Whether a field name names a credential (memoized: callers repeat the same few names on every call)."""
    return SECRET.search(name) is not None


def redact(value: Any) -> Any:
    """value with every secret-named field's value replaced, as a fresh copy (the pipeline refused bodies nested
    deeper than MAX_DEPTH before this sees them)."""
    if not value:  # the usual GET: nothing in the body, query or path to walk
        return {} if isinstance(value, Mapping) else value
    if isinstance(value, Mapping):
        return {k: REDACTED if isinstance(k, str) and is_secret(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class Journal:
    """Every request in arrival order: operationId, method, path, parameters, redacted body, answered status."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def __len__(self) -> int:
        return len(self._entries)

    def record(
        self,
        operation: str,
        method: str,
        path: str,
        path_params: Mapping[str, Any],
        query: Mapping[str, Any],
        body: Any,
        status: int | None,
    ) -> None:
        """One call; status None for a connection the mock dropped on purpose."""
        self._entries.append(
            {
                "operation": operation,
                "method": method,
                "path": path,
                "path_params": redact(path_params),
                "query": redact(query),
                "body": redact(body),
                "status": status,
            }
        )

    def entries(self, operation: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self._entries if operation is None or e["operation"] == operation]

    def clear(self) -> None:
        self._entries.clear()
