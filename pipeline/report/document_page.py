"""One HTML page per document (documents/<doc_id>.html): the CNKI-style ratios, the diagnoses, topic coverage
with its evidence, the full text with copied passages (red), attributed quotations (green) and boilerplate
(grey) marked and topic evidence noted beside each paragraph, then every copied passage beside its source
with the differences marked, and the reasons for every boilerplate flag. The reviewers' decisions show beside
each flag and the document; a dismissed passage stays marked, outlined only.

A rerun writes only the pages whose inputs changed (page_inputs: the document's record and the quarter's facts
the page prints, with xuexi's code): a manifest in the output folder's .cache keeps each page's digest and the
size and time of the file written, so a page deleted or edited by hand is written again.

The page's blocks `nav`, `document_review` and `<kind>_review` (one per flag, scoped) are where the review page
(pipeline.review) puts its forms; here they show the decisions taken."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ..util.files import write_json_atomic
from ..model import (PASSAGE_FLAGS, CopyKind, FlagKind, LevelReview, Passage, Review, Source, SourceKind, Structure,
                     Verdict)
from .highlight import DiffPiece, Locator, Mark, char_diff, marked_paragraphs
from .html import render_page
from .quarter import GARBLED_NOTE, LEVEL_NAMES, LOW_CONFIDENCE_NOTE, DocumentFacts, QuarterReport, percent


@dataclass(frozen=True)
class CopiedView:
    mark: Mark | None
    number: int
    kind: str
    similarity: str
    source: str
    source_page: str | None   # the source document's page, when it is one of this quarter's
    ours: list[DiffPiece]
    theirs: list[DiffPiece]
    review: Review | None     # the reviewers' decisions on it (Archive.results), None while undecided
    measure: str = "相似度"    # a paraphrase's figure is the calibrated confidence, not a likeness of characters
    reason: str = ""          # why a paraphrase was flagged


@dataclass(frozen=True)
class QuotedView:
    number: int
    text: str
    source: str
    located: bool
    review: Review | None


@dataclass(frozen=True)
class GenericView:
    number: int
    kind: str
    text: str
    reasons: list[str]
    located: bool
    review: Review | None


@dataclass(frozen=True)
class TopicRow:
    id: str
    title: str
    required: bool
    level: int | None
    level_name: str
    score: int | None
    key_points: list[str]
    remarks: list[str]
    evidence: list[tuple[str, str]]   # (role in words, passage)
    review: LevelReview | None = None  # a reviewer's correction, the machine's level kept in it


# {page: [digest of its inputs, size, mtime_ns of the file written]}; with the run's other bookkeeping, out of the
# folders a secretary copies
MANIFEST = Path(".cache") / "pages.json"
CODE = Path(__file__).resolve().parents[1]  # xuexi itself: its templates, labels and notes are what pages print


@dataclass(frozen=True)
class PagesWritten:
    """What write_document_pages did: pages written, pages kept as an earlier write left them (their inputs
    unchanged), and whether the folder held an earlier write's manifest (a rerun)."""

    written: list[Path]
    kept: list[Path]
    rerun: bool


def write_document_pages(report: QuarterReport, out_dir: Path) -> PagesWritten:
    """One page per document whose inputs changed since the last write into `out_dir` (every page the first
    time), written here. Not in forked processes: the scoring process is at its largest when the reports are
    written, and each forked writer counts all of it again (measured at 5,000 documents: the run's process tree
    1.8 GB while writing, against 0.8 GB for this process alone), where writing here costs 10.6 s against 6.2 s."""
    links = {d.doc_id: PurePosixPath(d.page).name for d in report.documents}  # pages share one folder
    manifest = out_dir / MANIFEST
    earlier = _read_manifest(manifest)
    manifest.unlink(missing_ok=True)  # a write stopped midway leaves no digest that would vouch for its pages
    digests, written = {}, []
    for doc in report.documents:  # one document at a time: its record is read once, for its digest and its page
        digests[doc.page] = _digest(page_inputs(report, doc, links))
        if not _stands(out_dir / doc.page, digests[doc.page], earlier.get(doc.page)):
            written.append(render_page("document.html", out_dir / doc.page, **document_context(report, doc, links)))
    pages = [out_dir / doc.page for doc in report.documents]
    # a document no longer in the quarter keeps no page: the folder shows one run's documents
    for folder in {p.parent for p in pages}:
        for gone in set(folder.glob("*.html")) - set(pages):
            gone.unlink()
    if pages:
        write_json_atomic(manifest, {doc.page: [digests[doc.page], *_stamp(out_dir / doc.page)]
                                     for doc in report.documents})
    fresh = set(written)
    return PagesWritten(written, [p for p in pages if p not in fresh], bool(earlier))


def page_inputs(report: QuarterReport, doc: DocumentFacts, links: dict[str, str]) -> dict:
    """Everything document.html shows of `doc` besides xuexi's code: its record and the quarter's facts the page
    prints (the quarter's name, the topic list, its sources' names and pages). Equal inputs give an equal page; a
    fact the page comes to show must be added here, or a rerun keeps a page that shows it stale."""
    sources = {c.source for c in doc.copied} | {q.source for q in doc.quoted} | set(doc.per_source)
    if doc.largest_source:
        sources.add(doc.largest_source[0])
    return {
        "record": doc.record.to_dict(), "page": doc.page, "concern": [doc.concern.score, doc.concern.reasons],
        "quarter": [report.unit, report.quarter_name, report.results.xuexi_version],
        "topics": [[t.id, t.title, t.required, list(t.key_points)] for t in report.topics],
        "sources": [[s, report.source_name(s), source_page(s, links)] for s in sorted(sources - {None}, key=str)],
    }


def _digest(inputs: dict) -> str:
    h = hashlib.blake2b(_renderer().encode(), digest_size=16)
    h.update(json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


@lru_cache(maxsize=1)
def _renderer() -> str:
    """The digest of what turns inputs into a page: xuexi's code and templates, and the time zone that decision
    times are shown in."""
    h = hashlib.blake2b(repr((time.tzname, time.timezone, time.altzone)).encode(), digest_size=16)
    for path in sorted(p for p in CODE.rglob("*") if p.suffix in (".py", ".html", ".css") and p.is_file()):
        h.update(path.relative_to(CODE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _read_manifest(path: Path) -> dict:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _stands(path: Path, digest: str, entry) -> bool:
    """Whether the page at `path` is the one an earlier write made from inputs of this `digest`, untouched since."""
    try:
        return entry == [digest, *_stamp(path)]
    except OSError:  # deleted by hand
        return False


def document_context(report: QuarterReport, doc: DocumentFacts, links: dict[str, str]) -> dict:
    """What document.html shows of one document; `links` maps each doc_id of the quarter to its page."""
    text = doc.record.text or ""
    locate = Locator(text)

    def page_of(source: Source | None) -> str | None:
        return source_page(source, links)

    copied = []
    for i, c in enumerate(doc.copied, 1):
        ours, theirs = char_diff(c.text, c.source_text or "")
        copied.append(CopiedView(_mark(FlagKind.COPIED, i, locate, c), i, c.kind.label if c.kind else "",
                                 percent(c.similarity) if c.similarity is not None else "—",
                                 report.source_name(c.source), page_of(c.source), ours, theirs,
                                 c.review, "把握度" if c.kind is CopyKind.PARAPHRASE else "相似度", c.reason or ""))
    quoted = [(i, q, _mark(FlagKind.QUOTED, i, locate, q)) for i, q in enumerate(doc.quoted, 1)]
    generic = [(i, g, _mark(FlagKind.GENERIC, i, locate, g)) for i, g in enumerate(doc.generic, 1)]
    marks = [c.mark for c in copied if c.mark] + [m for _, _, m in quoted + generic if m]
    dismissed = {f"{kind}-{i}" for kind in PASSAGE_FLAGS
                 for i, passage in enumerate(doc.record.passages(kind), 1) if passage.verdict == Verdict.DISMISS}

    rows = topic_rows(report, doc)
    order = {row.id: n for n, row in enumerate(rows)}
    notes = []  # (start, end, "DA1 理论阐述"), in topic-list order
    for t in sorted(doc.record.topics, key=lambda t: order.get(t.topic_id, len(order))):
        for e in t.evidence:
            span = locate.span(e)
            if span:
                notes.append((*span, f"{t.topic_id} {e.role.label}"))
    structure = doc.record.structure or Structure()
    roles = {h.text: "heading" for h in structure.headings if h.text}
    roles.update({structure.byline: "byline", structure.title: "title"})  # set out as in the original
    return {
        "report": report,
        "doc": doc,
        "summary_page": "../summary.html",
        "ratios": ratio_rows(report, doc),
        "per_source": [(report.source_name(s), page_of(s), r, sum(1 for c in doc.copied if c.source == s))
                       for s, r in sorted(doc.per_source.items(), key=lambda kv: (-kv[1], str(kv[0])))],
        "topics": rows,
        "paragraphs": [(p, roles.get(text[p.start:p.end], "")) for p in marked_paragraphs(text, marks, notes)],
        "dismissed": dismissed,
        "low_confidence_note": LOW_CONFIDENCE_NOTE,
        "garbled_note": GARBLED_NOTE,
        "copied": copied,
        "quoted": [QuotedView(i, q.text, report.source_name(q.source) if q.source else "", m is not None, q.review)
                   for i, q, m in quoted],
        "generic": [GenericView(i, g.kind.label if g.kind else "套话", g.text, [r for r in g.reasons or [] if r],
                                m is not None, g.review)
                    for i, g, m in generic],
    }


def source_page(origin: Source | None, links: dict[str, str]) -> str | None:
    """The page of a copy source that is one of this quarter's documents, None for any other source."""
    return links.get(origin.name) if origin is not None and origin.kind is SourceKind.DOC else None


def ratio_rows(report: QuarterReport, doc: DocumentFacts) -> list[tuple[str, str, str]]:
    """The CNKI-style figures as (name, value, what it means); a ratio this run did not give shows as —."""
    largest = doc.largest_source
    rows = [
        ("总文字复制比", percent(doc.scored_copy_ratio), "复制内容占全文字数（不含已注明出处的引用）"),
        ("去除引用复制比", percent(doc.ratio_without_quotes), "再去掉引号内的复制内容"),
        ("去除本人复制比", percent(doc.ratio_without_own), "再去掉与本人往期材料相同的内容"),
        ("单篇最大复制比", percent(largest[1]) if largest else "—",
         (f"来自{report.source_name(largest[0])}" + ("（审阅后）" if doc.dismissed.by_source else "")) if largest
         else "复制内容最多的单一来源"),
        ("套话占比", percent(doc.scored_generic_ratio), "套话、口号式语句占全文字数"),
        ("全文字数", str(doc.record.chars or "—"), "不含空白"),
    ]
    if doc.dismissed.copied:
        rows.insert(1, ("审阅后复制比", percent(doc.copy_ratio), "去掉审阅排除的复制内容，计入汇总和通报"))
    if doc.dismissed.generic:
        rows.insert(-1, ("审阅后套话占比", percent(doc.generic_ratio), "去掉审阅排除的套话，计入汇总和通报"))
    return rows


def topic_rows(report: QuarterReport, doc: DocumentFacts) -> list[TopicRow]:
    """One row per topic of the list (then any topic the results name that the list does not)."""
    found = {t.topic_id: t for t in doc.record.topics if t.topic_id}
    ids = [t.id for t in report.topics] + sorted(set(found) - set(report.topic_by_id))
    rows = []
    for tid in ids:
        topic = report.topic_by_id.get(tid)
        t = found.get(tid)
        level = doc.levels.get(tid)
        if t is None:  # a topic of the list the run did not assess
            rows.append(TopicRow(tid, topic.title, topic.required, None, "未评估", None, [], [], []))
            continue
        points = topic.key_points if topic else ()
        engaged = [points[i] for i in t.key_points_engaged if 0 <= i < len(points)]
        remarks = []
        if t.theory_only:
            remarks.append("只有理论阐述，没有联系实际工作")
        if t.practice_only:
            remarks.append("只讲具体工作，没有联系所学理论")
        rows.append(TopicRow(
            tid, topic.title if topic else tid, topic.required if topic else False, level,
            t.level_name or LEVEL_NAMES.get(level, ""), t.score, engaged, remarks,
            [(e.role.label, e.text) for e in t.evidence if e.text], t.review,
        ))
    return rows


def _mark(kind: FlagKind, number: int, locate: Locator, passage: Passage) -> Mark | None:
    span = locate.span(passage)
    return Mark(kind, number, *span) if span else None
