"""The watcher's journal of messages: each one recorded as being sent before it is sent, and
as sent (or queued in the outbox) after, in an SQLite file of the state folder.

A watcher that dies while mailing a workbook builds it again at its next start; the journal
then tells which of its messages went out already (they are not sent again) and which one
was in flight (sent once more, under the same Message-ID, so that a receiver can tell the
duplicate). Each message is thus sent at most once more after a crash, never the whole set.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS messages (key TEXT PRIMARY KEY, state TEXT NOT NULL, "
    "message_id TEXT NOT NULL, at TEXT NOT NULL)"
)
SENDING, SENT, QUEUED = "sending", "sent", "queued"


class Journal:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Journal]:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute(SCHEMA)
            yield cls(connection)
        finally:
            connection.close()

    def state(self, key: str) -> str | None:
        """What became of the message `key`: sending, sent, queued, or None (never tried)."""
        row = self.db.execute("SELECT state FROM messages WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def mark(self, key: str, state: str, message_id: str) -> None:
        """Record the message's state, durably, before the next step is taken."""
        self.db.execute(
            "INSERT INTO messages VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "state = excluded.state, at = excluded.at",
            (key, state, message_id, datetime.now().isoformat(timespec="seconds")),
        )
