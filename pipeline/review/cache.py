"""The review pages' quarters, read from the archive once and then kept current, not read and ranked again for
every page: a quarter of 10,000 documents takes seconds to read and rank.

Before each page, Quarters.view asks the archive what changed since the quarter's view was read (Archive.changes,
one query). Nothing: the view serves the page. Decisions on some documents, taken on this page or by any other
process on the archive: only those documents' records are read again and the report revised around them. The
quarter stored again (scored anew): it is read whole. So a decision shows on the next page whoever took it."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, replace

from ..archive import Archive, QuarterState, quarter_id
from ..model import PASSAGE_FLAGS, DocumentRecord, FlagKind, Results
from ..report import QuarterReport

SHOWN_NOT_QUEUED = (FlagKind.QUOTED,)  # attributed quotations: a correct citation has nothing to confirm or dismiss


@dataclass(frozen=True)
class FlagCounts:
    """A document's flags (as the archive counts them) by kind, and how many wait for a decision."""

    kinds: Counter
    open: int

    @classmethod
    def of(cls, record: DocumentRecord) -> "FlagCounts":
        flags = [(kind, flag) for kind in PASSAGE_FLAGS for flag in record.passages(kind)]
        flags += [(FlagKind.DIAGNOSIS, flag) for flag in (record.diagnoses or {}).values() if flag]
        return cls(Counter(kind for kind, _ in flags),
                   sum(1 for kind, flag in flags if kind not in SHOWN_NOT_QUEUED and flag.verdict is None))


@dataclass(frozen=True)
class QuarterView:
    """One quarter as the pages show it: its results with the decisions merged in (Archive.results), their report,
    each document's flag counts, and the archive's state they were read at. Never changed: a newer state is a new
    view, so a page being rendered keeps the one it started with."""

    quarter: str
    unit: str | None
    state: QuarterState
    report: QuarterReport
    counts: dict[str, FlagCounts]
    members: list[str]

    @classmethod
    def read(cls, archive: Archive, quarter: str, unit: str | None) -> "QuarterView":
        state = archive.state(quarter, unit=unit)  # first: a decision taken while reading is read again next time
        report = QuarterReport(archive.results(quarter, unit=unit))
        return cls(quarter, unit, state, report, {d.doc_id: FlagCounts.of(d.record) for d in report.documents},
                   sorted({d.member for d in report.documents}))

    def current(self, archive: Archive) -> "QuarterView":
        """This view, or a newer one when the archive has moved on since it was read."""
        state, decided = archive.changes(self.quarter, self.state, unit=self.unit)
        if decided is None:
            return self.read(archive, self.quarter, self.unit)
        if state == self.state:
            return self
        records = Results.from_dict(archive.results(self.quarter, unit=self.unit, doc_ids=decided)).documents
        return replace(self, state=state, report=self.report.revised(records),
                       counts={**self.counts, **{r.doc_id: FlagCounts.of(r) for r in records}})


class Quarters:
    """The views of the quarters the pages have shown, one per quarter and unit, for the threads serving them."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._views: dict[tuple[str, str | None], QuarterView] = {}
        self._lock = threading.Lock()  # one thread brings a view up to date; the others then share it

    def view(self, quarter: str, unit: str | None) -> QuarterView:
        key = (quarter_id(quarter), unit)
        with self._lock:
            known = self._views.get(key)
            self._views[key] = view = known.current(self.archive) if known else QuarterView.read(self.archive, quarter, unit)
        return view
