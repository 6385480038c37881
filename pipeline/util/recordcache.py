"""The record cache: a document whose own pass would read exactly what it read last time is not passed again.

A document's record of results.json is made from its bytes, from what the batch-wide stages found in it (its copy
and boilerplate reports) and from the run's context: xuexi's code, the models, the scoring configuration and the
topic list. `RecordCache.key` digests them all, so a record is reused only where passing the document again would
give the same record; one changed or added submission leaves every other document's record to be reused, unless
what the batch-wide stages found in it changed too. The same kind of cache keeps each document's boilerplate
statistics (the map step of fitting), keyed by its text. Entries are JSON files written atomically, like the parse
cache; a complete run removes those it did not use."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

from .files import write_bytes_atomic


class RecordCache:
    def __init__(self, folder: Path, *, context: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.context = context
        self.used: set[str] = set()
        self.hits = 0

    def key(self, data: bytes, *found) -> str:
        """The key of a document's record: its bytes and what the batch-wide stages `found` in it (their reports,
        digested by their pickled form, which is never read back), in this cache's context."""
        h = hashlib.blake2b(self.context.encode(), digest_size=20)
        h.update(hashlib.blake2b(data, digest_size=20).digest())
        h.update(pickle.dumps(found, protocol=5))
        return h.hexdigest()

    def get(self, key: str, doc_id: str) -> dict | None:
        """The record stored under `key`, None when there is none or it is not `doc_id`'s."""
        self.used.add(key)
        try:
            record = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):  # none, or damaged: the document is passed again
            return None
        if not isinstance(record, dict) or record.get("doc_id") != doc_id:
            return None
        self.hits += 1
        return record

    def put(self, key: str, record: dict) -> None:
        self.used.add(key)
        write_bytes_atomic(self._path(key), json.dumps(record, ensure_ascii=False).encode("utf-8"), durable=False)

    def keep_used(self) -> None:
        """Remove the entries this run did not use: the records of documents changed or gone."""
        for path in self.folder.glob("*/*"):
            if path.name not in self.used:
                path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key
