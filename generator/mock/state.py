"""The mock's state: resources by (kind, scope, id), in memory or in a SQLite file.

SQLite lets several server processes share one state and keeps it across restarts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

WILDCARD = "*"  # the scope of records seeded from the spec's examples: visible under every parent


class Store(Protocol):
    """What the CRUD engine needs of a state store; records are JSON values."""

    def get(self, kind: str, scope: str, key: str) -> Any | None: ...

    def put(self, kind: str, scope: str, key: str, record: Any) -> None: ...

    def delete(self, kind: str, scope: str, key: str) -> bool: ...

    def list(self, kind: str, scope: str) -> list[Any]: ...

    def list_all(self, kind: str) -> Sequence[tuple[str, Any]]:
        """(scope, record) for every record of a kind, under any parent."""
        ...

    def next_id(self, kind: str) -> int: ...

    def take(self, slot: str, limit: int, window: float, now: float | None = None) -> float | None:
        """Count one call in slot's fixed window of `window` seconds starting at its first call: None while
        the window has room for it, else the seconds until the window ends (the call is not counted). `now`
        defaults to the store's own clock."""
        ...

    def seeded(self) -> bool:
        """Whether the spec's examples were loaded already (a SQLite file is seeded once)."""
        ...

    def mark_seeded(self) -> None: ...


class MemoryStore:
    """Dicts in insertion order; the default, one per server process."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], dict[str, Any]] = {}
        self._counters: dict[str, int] = {}
        self._windows: dict[str, tuple[float, int]] = {}
        self._seeded = False

    def get(self, kind: str, scope: str, key: str) -> Any | None:
        return self._records.get((kind, scope), {}).get(key)

    def put(self, kind: str, scope: str, key: str, record: Any) -> None:
        self._records.setdefault((kind, scope), {})[key] = record

    def delete(self, kind: str, scope: str, key: str) -> bool:
        return self._records.get((kind, scope), {}).pop(key, None) is not None

    def list(self, kind: str, scope: str) -> list[Any]:
        return list(self._records.get((kind, scope), {}).values())

    def list_all(self, kind: str) -> Sequence[tuple[str, Any]]:
        return [(scope, r) for (k, scope), records in self._records.items() if k == kind for r in records.values()]

    def next_id(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def take(self, slot: str, limit: int, window: float, now: float | None = None) -> float | None:
        now = time.monotonic() if now is None else now
        wait, counted = count_call(self._windows.get(slot), limit, window, now)
        if wait is None:
            self._windows[slot] = counted
        return wait

    def seeded(self) -> bool:
        return self._seeded

    def mark_seeded(self) -> None:
        self._seeded = True


SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  kind TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (kind, scope, key));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS windows (slot TEXT PRIMARY KEY, started REAL NOT NULL, used INTEGER NOT NULL);
"""


def count_call(
    state: tuple[float, int] | None, limit: int, window: float, now: float
) -> tuple[float | None, tuple[float, int]]:
    """The fixed-window rule both stores keep, on a window's (started, used): (None, the window with this call
    counted) while it has room or a new one starts, else (seconds until it ends, the window as it was)."""
    started, used = state if state is not None else (now, 0)
    if now - started >= window:
        return None, (now, 1)
    if used < limit:
        return None, (started, used + 1)
    return started + window - now, (started, used)


class SqliteStore:
    """One SQLite file shared by every worker; WAL mode so readers do not wait for a writer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def get(self, kind: str, scope: str, key: str) -> Any | None:
        row = (
            self._db()
            .execute("SELECT body FROM records WHERE kind=? AND scope=? AND key=?", (kind, scope, key))
            .fetchone()
        )
        return None if row is None else json.loads(row[0])

    def put(self, kind: str, scope: str, key: str, record: Any) -> None:
        # An update keeps the record's place in lists; a new record goes last.
        self._db().execute(
            "INSERT INTO records (kind, scope, key, seq, body) VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM records), ?) "
            "ON CONFLICT (kind, scope, key) DO UPDATE SET body = excluded.body",
            (kind, scope, key, json.dumps(record, separators=(",", ":"))),
        )

    def delete(self, kind: str, scope: str, key: str) -> bool:
        cursor = self._db().execute("DELETE FROM records WHERE kind=? AND scope=? AND key=?", (kind, scope, key))
        return cursor.rowcount > 0

    def list(self, kind: str, scope: str) -> list[Any]:
        rows = self._db().execute("SELECT body FROM records WHERE kind=? AND scope=? ORDER BY seq", (kind, scope))
        return [json.loads(body) for (body,) in rows]

    def list_all(self, kind: str) -> Sequence[tuple[str, Any]]:
        rows = self._db().execute("SELECT scope, body FROM records WHERE kind=? ORDER BY seq", (kind,))
        return [(scope, json.loads(body)) for (scope, body) in rows]

    def next_id(self, kind: str) -> int:
        row = (
            self._db()
            .execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                (kind,),
            )
            .fetchone()
        )
        return int(row[0])

    def take(self, slot: str, limit: int, window: float, now: float | None = None) -> float | None:
        # One immediate transaction: workers sharing the file count every call once, and the window outlives
        # a restart as the vendor's does, so its clock is the wall clock.
        now = time.time() if now is None else now
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT started, used FROM windows WHERE slot=?", (slot,)).fetchone()
            wait, counted = count_call((float(row[0]), int(row[1])) if row else None, limit, window, now)
            if wait is None:
                db.execute("INSERT OR REPLACE INTO windows (slot, started, used) VALUES (?, ?, ?)", (slot, *counted))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return wait

    def seeded(self) -> bool:
        row = self._db().execute("SELECT value FROM counters WHERE name='::seeded'").fetchone()
        return row is not None

    def mark_seeded(self) -> None:
        self._db().execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('::seeded', 1)")


def open_store(url: str) -> Store:
    """`memory` or `sqlite:PATH`."""
    if url in ("", "memory"):
        return MemoryStore()
    if url.startswith("sqlite:") and len(url) > len("sqlite:"):
        return SqliteStore(url[len("sqlite:") :])
    raise ValueError(f"unknown state {url!r}; expected memory or sqlite:PATH")
