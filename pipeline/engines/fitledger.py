"""The boilerplate fit of an output folder's last complete run, and each document's view of it
(BoilerplateDetector.fitted_view), so that a rerun updates each view by the sentences of the changed, added or
removed submissions (BoilerplateDetector.updated_view) instead of looking every judged sentence of the quarter up
again, which was most of a rerun: some 90 of 140 seconds at 10,000 documents with one submission changed.

The ledger lies beside the boilerplate reports, in their cache's context (xuexi's code, the models, the
configuration, the topic list, jieba's words): in another context it is not read. Like the caches' pruning, it is
written only when a run completes, so an interrupted run leaves the last complete run's, whose statistics entries
the cache still holds."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

from ..boilerplate.detector import BoilerplateDetector, FitChange, FittedView
from ..util.files import write_bytes_atomic
from ..util.recordcache import COMPRESSION, RecordCache

LEDGER_FILE = "last_fit.json.z"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class FitLedger:
    """The last complete run's fit (`earlier`: the digest of the references fitted, each submission's statistics
    key, the learned phrases, each submission's view with the digest of its bytes) and this run's, as it is made."""

    def __init__(self, judgements: RecordCache):
        self.path = Path(judgements.folder) / LEDGER_FILE
        self.context = digest(judgements.context.encode("utf-8"))
        self.earlier = self._read()
        self.owners: dict[str, str] = {}  # doc_id -> the key of its statistics entry, this run
        self.fresh: dict[str, set[str]] = {}  # the sentences of the submissions whose statistics changed or came
        self.views: dict[str, list] = {}  # doc_id -> [digest of its bytes, its fitted view]
        self.references = ""
        self.learned: tuple[str, ...] = ()

    def _read(self) -> dict | None:
        try:
            data = json.loads(zlib.decompress(self.path.read_bytes()))
            valid = (data["context"] == self.context and isinstance(data["references"], str)
                     and all(isinstance(k, str) and isinstance(v, str) for k, v in data["owners"].items())
                     and all(isinstance(w, str) for w in data["learned"])
                     and all(isinstance(bytes_digest, str) and all(isinstance(n, int) for n in same_in)
                             and all(isinstance(w, str) for w in learned)
                             for bytes_digest, (same_in, learned) in data["views"].values()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, zlib.error):  # every view is made anew
            return None
        return data if valid else None

    def counted(self, doc_id: str, key: str, sentences) -> None:
        """A submission's statistics, under `key` in the statistics cache, with its (owner, sentence) pairs."""
        self.owners[doc_id] = key
        if self.earlier is not None and self.earlier["owners"].get(doc_id) != key:  # no earlier fit: no change
            self.fresh[doc_id] = {sentence for _, sentence in sentences}

    def change(self, detector: BoilerplateDetector, references: list[str],
               statistics: RecordCache) -> FitChange | None:
        """What tells the fitted `detector` apart from the last complete run's fit, once every submission was
        counted; None when that fit is unknown, was of other references, or a changed submission's earlier
        statistics can no longer be read: then every view is made anew. Notes this run's references and learned
        phrases for the ledger it keeps."""
        self.references = digest("\0".join(references).encode("utf-8"))
        self.learned = detector.learned
        if self.earlier is None or self.earlier["references"] != self.references:
            return None
        removed: list[tuple[str, str]] = []
        for doc_id, key in self.earlier["owners"].items():
            if self.owners.get(doc_id) == key:
                continue
            before = statistics.peek(key, doc_id, read=lambda e: {s for _, s in e["statistics"]["sentences"]})
            if before is None:
                return None
            removed += ((doc_id, sentence) for sentence in before)  # a submission changed or gone, as it was
        added = ((doc_id, sentence) for doc_id, sentences in self.fresh.items() for sentence in sentences)
        return detector.fit_change(added, removed, set(self.learned) ^ set(self.earlier["learned"]))

    def earlier_view(self, doc_id: str, bytes_digest: str) -> FittedView | None:
        """The submission's view of the last complete run's fit, if its bytes are the same."""
        entry = self.earlier["views"].get(doc_id) if self.earlier is not None else None
        if entry is None or entry[0] != bytes_digest:
            return None
        same_in, learned = entry[1]
        return tuple(same_in), tuple(learned)

    def viewed(self, doc_id: str, bytes_digest: str, view: FittedView) -> None:
        self.views[doc_id] = [bytes_digest, view]

    def keep(self) -> None:
        """Write this run's fit, once the run is complete."""
        data = {"context": self.context, "references": self.references, "owners": self.owners,
                "learned": list(self.learned), "views": self.views}
        write_bytes_atomic(self.path, zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"),
                                                    COMPRESSION), durable=False)
