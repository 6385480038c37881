"""The record cache: a document whose own pass would read exactly what it read last time is not passed again.

A document's record of results.json is made from its bytes, from what the batch-wide stages found in it (its copy
and boilerplate reports) and from the run's context: xuexi's code, the models, the scoring configuration, the
topic list and the words taught to jieba. `RecordCache.key` digests them all, so a record is reused only where passing the document again would
give the same record; one changed or added submission leaves every other document's record to be reused, unless
what the batch-wide stages found in it changed too. The same kind of cache keeps each document's boilerplate
statistics (the map step of fitting), keyed by its text; its boilerplate report, keyed by its bytes and what
the report takes from the fitted batch; and its copy report, keyed by its text and what copy detection's hash
phase found in it (copying.detector.Evidence.digest). Entries are JSON files written atomically, like the parse
cache; a complete run removes those it did not use."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Any, Callable

from .files import write_bytes_atomic


COMPRESSION = 1  # zlib's fastest level: a record's JSON to about a quarter


class RecordCache:
    def __init__(self, folder: Path, *, context: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.context = context
        self.used: set[str] = set()
        self.hits = 0

    def key(self, data: bytes, *found) -> str:
        """The key of a document's record: its bytes and what the batch-wide stages `found` in it (their reports,
        digested by their repr, which says what they hold and nothing of how: a pickle would differ for equal
        reports, one fresh and one read back from an entry, because it records which strings are one object),
        in this cache's context."""
        h = hashlib.blake2b(self.context.encode(), digest_size=20)
        h.update(hashlib.blake2b(data, digest_size=20).digest())
        h.update(repr(found).encode("utf-8"))
        return h.hexdigest()

    def holds(self, key: str) -> bool:
        """Whether an entry is stored under `key` (unread: `get` may still find it damaged or another's)."""
        return self._path(key).is_file()

    def get(self, key: str, doc_id: str, read: Callable[[dict], Any]) -> Any:
        """What `read` makes of the entry stored under `key`: None when there is none, it is not `doc_id`'s, or it
        is damaged (`read` raises on an entry of the wrong shape)."""
        self.used.add(key)
        value = self.peek(key, doc_id, read)
        self.hits += value is not None
        return value

    def peek(self, key: str, doc_id: str, read: Callable[[dict], Any]) -> Any:
        """What `get` gives, without counting the entry as used by this run: an entry of the last run's, read to
        tell what changed since."""
        try:
            entry = json.loads(zlib.decompress(self._path(key).read_bytes()))
            if not isinstance(entry, dict) or entry.get("doc_id") != doc_id:
                return None
            return read(entry)
        except (OSError, ValueError, KeyError, TypeError, zlib.error):  # the document is passed again
            return None

    def made(self, key: str, doc_id: str, make: Callable[[], dict], read: Callable[[dict], Any]) -> Any:
        """What `read` makes of the entry under `key`; where there is none (or a damaged one), of the entry `make()`
        gives, stored there first. A fresh value is read back from its entry as a stored one is, so that what is
        made of it next (a record's key digests it) is the same either way."""
        stored = self.get(key, doc_id, read)
        if stored is not None:
            return stored
        entry = make()
        self.put(key, entry)
        return read(entry)

    def put(self, key: str, entry: dict) -> None:
        """Store `entry` (JSON, with the document's doc_id), compressed: records hold the document's whole text."""
        self.used.add(key)
        data = zlib.compress(json.dumps(entry, ensure_ascii=False).encode("utf-8"), COMPRESSION)
        write_bytes_atomic(self._path(key), data, durable=False)

    def keep(self, key: str) -> None:
        """Count the entry under `key` as used by this run: one that another process read or wrote."""
        self.used.add(key)

    def keep_used(self) -> None:
        """Remove the entries this run did not use: the records of documents changed or gone."""
        for path in self.folder.glob("*/*"):
            if path.name not in self.used:
                path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key
