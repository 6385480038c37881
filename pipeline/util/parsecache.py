"""The parse cache: an unchanged file is not ingested or segmented again.

A parsed Submission is stored as its bytes (pipeline.submission.submission_to_bytes), under a key made of everything the
parse depends on: the file's bytes, its manifest row, xuexi's version and the words added to jieba's dictionary
(they change the segmentation). Entries are written atomically, one file each, so worker processes can share the
cache and a run killed at any point leaves only whole entries behind; the next run picks up from them. Entries are
JSON, never code: an entry that does not read as a Submission's bytes (pipeline.submission.submission_text) is a
miss."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Callable, TypeVar

from .. import __version__
from ..submission import submission_text
from .files import write_bytes_atomic
from ..ingest import ReaderLimits

STORAGE_FORMAT = 4  # of an entry (pipeline.submission.submission_to_bytes) and of what the readers give (4: PDFs read
#                    through PDFium); a change makes every old entry a miss

T = TypeVar("T")  # what a caller keeps of an entry (ParseCache.get)


class ParseCache:
    def __init__(self, folder: Path, *, dictionary_words: list[str], limits: ReaderLimits = ReaderLimits()):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # stricter reading limits may refuse a file that was read before: they are part of every key
        self._salt = hashlib.sha256(json.dumps([__version__, STORAGE_FORMAT, sorted(set(dictionary_words)),
                                                sorted(dataclasses.asdict(limits).items())],
                                               ensure_ascii=False).encode()).hexdigest()
        self.hits = 0
        self.misses = 0

    def key(self, path: Path, manifest_row: dict | None) -> str:
        digest = hashlib.sha256(self._salt.encode())
        digest.update(json.dumps(manifest_row or {}, sort_keys=True, ensure_ascii=False).encode())
        digest.update(path.name.encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def get(self, key: str, read: Callable[[bytes], T] = submission_text) -> T | None:
        """What `read` makes of the bytes of a Submission (pipeline.submission.submission_to_bytes) stored under
        `key`: None when none are, or `read` raises on them (it must check that they would rebuild a Submission, as
        submission_text, the default, does)."""
        entry = self.folder / key[:2] / key
        try:
            data = entry.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        try:
            kept = read(data)
        except Exception:  # a damaged or planted entry is data that does not parse: a miss, read the file again
            entry.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        return kept

    def put(self, key: str, data: bytes) -> None:
        """Store a Submission's bytes (pipeline.submission.submission_to_bytes) under `key`."""
        write_bytes_atomic(self.folder / key[:2] / key, data, durable=False)
