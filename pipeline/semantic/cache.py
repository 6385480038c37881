"""On-disk embedding cache shared by every backend and every worker process.

One SQLite file (`embeddings.sqlite` in the cache folder) in WAL mode, so several worker processes read while one
writes, and a writer waits (busy timeout) instead of failing. A row is keyed by the blake2b-256 digest of
(model identity, kind, text): the model identity is the encoder name plus a fingerprint of its weight files, so a
replaced model folder or another package version never reads an old vector. The stored dimension is checked on
read, and a row of the wrong size counts as a miss.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..util.sqlite import use_wal

CACHE_FILE = "embeddings.sqlite"
_BUSY_TIMEOUT_S = 60.0
# SQLite allows at most 999 bound parameters per statement in old builds; stay below it.
_LOOKUP_CHUNK = 500


def cache_key(model_identity: str, kind: str, text: str) -> bytes:
    """The 32-byte row key of one text embedded by one model for one kind ("passage" or "query")."""
    h = hashlib.blake2b(digest_size=32)
    for part in (model_identity, kind, text):
        data = part.encode("utf-8")
        # Length-prefix every part so ("ab", "c") and ("a", "bc") can never collide.
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


class EmbeddingCache:
    """Vectors by cache key, in `folder/embeddings.sqlite`. Safe for concurrent processes."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / CACHE_FILE
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    def _connection(self) -> sqlite3.Connection:
        # A connection must not cross a fork: a worker process opens its own.
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            use_wal(conn, _BUSY_TIMEOUT_S)
            conn.execute("PRAGMA synchronous=NORMAL")
            # A rowid table: rows of 1.5 KB and more are too large for SQLite's WITHOUT ROWID layout.
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL)"
            )
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def get_many(self, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The cached float32 vectors of those keys that are stored with dimension `dim`."""
        found: dict[bytes, np.ndarray] = {}
        conn = self._connection()
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", chunk)
            for key, stored_dim, blob in rows:
                if stored_dim == dim and len(blob) == 4 * dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store one float32 row per key in one transaction; a key already stored is left as it is."""
        rows = [(key, int(vec.shape[0]), np.ascontiguousarray(vec, dtype=np.float32).tobytes())
                for key, vec in zip(keys, vectors)]
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR IGNORE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
