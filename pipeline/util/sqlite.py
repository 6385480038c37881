"""SQLite files shared by several processes (the archive, the embedding cache): WAL mode, set safely."""

from __future__ import annotations

import sqlite3
import time

RETRY_SECONDS = 0.05  # between tries of a journal-mode switch another process holds up


def use_wal(con: sqlite3.Connection, timeout: float) -> None:
    """Put the database file in WAL mode (persistent: set once per file), so readers never wait for a writer.
    SQLite reports a busy journal-mode switch at once, without calling the busy handler, so two processes that
    open a new file together retry here for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)
