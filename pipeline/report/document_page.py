"""One HTML page per document (documents/<doc_id>.html): the CNKI-style ratios, the diagnoses, topic coverage
with its evidence, the full text with copied passages (red), attributed quotations (green) and boilerplate
(grey) marked and topic evidence noted beside each paragraph, then every copied passage beside its source
with the differences marked, and the reasons for every boilerplate flag. The reviewers' decisions show beside
each flag and the document; a dismissed passage stays marked, outlined only.

The page's blocks `nav`, `document_review` and `<kind>_review` (one per flag, scoped) are where the review page
(pipeline.review) puts its forms; here they show the decisions taken."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..util.forking import forked_map
from ..model import CopyKind, Source, SourceKind, Verdict
from .highlight import DiffPiece, Locator, Mark, char_diff, marked_paragraphs
from .html import render_page
from .quarter import (COPY_KIND_LABELS, EVIDENCE_ROLE_LABELS, GARBLED_NOTE, GENERIC_KIND_LABELS, LEVEL_NAMES,
                      LOW_CONFIDENCE_NOTE, DocumentFacts, QuarterReport, percent, verdict)


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
    review: dict | None       # the reviewers' decisions on it (Archive.results), None while undecided
    measure: str = "相似度"    # a paraphrase's figure is the calibrated confidence, not a likeness of characters
    reason: str = ""          # why a paraphrase was flagged


@dataclass(frozen=True)
class QuotedView:
    number: int
    text: str
    source: str
    located: bool
    review: dict | None


@dataclass(frozen=True)
class GenericView:
    number: int
    kind: str
    text: str
    reasons: list[str]
    located: bool
    review: dict | None


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
    review: dict | None = None        # a reviewer's correction: {scored: the machine's level, decisions}


def write_document_pages(report: QuarterReport, out_dir: Path) -> list[Path]:
    """One page per document, written in forked processes: a province's quarter has thousands."""
    links = {d.doc_id: PurePosixPath(d.page).name for d in report.documents}  # pages share one folder
    written = list(forked_map(lambda doc: render_page("document.html", out_dir / doc.page,
                                                      **document_context(report, doc, links)), report.documents))
    # a document no longer in the quarter keeps no page: the folder shows one run's documents
    for folder in {p.parent for p in written}:
        for stale in set(folder.glob("*.html")) - set(written):
            stale.unlink()
    return written


def document_context(report: QuarterReport, doc: DocumentFacts, links: dict[str, str]) -> dict:
    """What document.html shows of one document; `links` maps each doc_id of the quarter to its page."""
    text = doc.record.get("text") or ""
    locate = Locator(text)

    def page_of(source: str | None) -> str | None:
        origin = Source.read(source)
        return links.get(origin.name) if origin is not None and origin.kind is SourceKind.DOC else None

    copied = []
    for i, c in enumerate(doc.copied, 1):
        ours, theirs = char_diff(c.get("text") or "", c.get("source_text") or "")
        similarity = c.get("similarity")
        copied.append(CopiedView(_mark("copied", i, locate, c), i,
                                 COPY_KIND_LABELS.get(c.get("kind"), c.get("kind") or ""),
                                 percent(similarity) if isinstance(similarity, (int, float)) else "—",
                                 report.source_name(c.get("source")), page_of(c.get("source")), ours, theirs,
                                 c.get("review"), "把握度" if c.get("kind") == CopyKind.PARAPHRASE else "相似度",
                                 c.get("reason") or ""))
    quoted = [(i, q, _mark("quoted", i, locate, q)) for i, q in enumerate(doc.quoted, 1)]
    generic = [(i, g, _mark("generic", i, locate, g)) for i, g in enumerate(doc.generic, 1)]
    marks = [c.mark for c in copied if c.mark] + [m for _, _, m in quoted + generic if m]
    dismissed = {f"{kind}-{i}" for kind in ("copied", "quoted", "generic")
                 for i, passage in enumerate(doc.record.get(kind) or [], 1) if verdict(passage) == Verdict.DISMISS}

    rows = topic_rows(report, doc)
    order = {row.id: n for n, row in enumerate(rows)}
    notes = []  # (start, end, "DA1 理论阐述"), in topic-list order
    for t in sorted(doc.record.get("topics") or [], key=lambda t: order.get(str(t.get("topic_id")), len(order))):
        for e in t.get("evidence") or []:
            span = locate.span(e)
            if span:
                notes.append((*span, f"{t.get('topic_id')} {EVIDENCE_ROLE_LABELS.get(e.get('role'), e.get('role') or '')}".strip()))
    structure = doc.record.get("structure") or {}
    roles = {h.get("text"): "heading" for h in structure.get("headings") or [] if h.get("text")}
    roles.update({structure.get("byline"): "byline", structure.get("title"): "title"})  # set out as in the original
    return {
        "report": report,
        "doc": doc,
        "summary_page": "../summary.html",
        "ratios": ratio_rows(report, doc),
        "per_source": [(report.source_name(s), page_of(s), r, sum(1 for c in doc.copied if c.get("source") == s))
                       for s, r in sorted(doc.per_source.items(), key=lambda kv: (-kv[1], kv[0]))],
        "topics": rows,
        "paragraphs": [(p, roles.get(text[p.start:p.end], "")) for p in marked_paragraphs(text, marks, notes)],
        "dismissed": dismissed,
        "low_confidence_note": LOW_CONFIDENCE_NOTE,
        "garbled_note": GARBLED_NOTE,
        "copied": copied,
        "quoted": [QuotedView(i, q.get("text") or "", report.source_name(q["source"]) if q.get("source") else "",
                              m is not None, q.get("review")) for i, q, m in quoted],
        "generic": [GenericView(i, GENERIC_KIND_LABELS.get(g.get("kind"), g.get("kind") or "套话"), g.get("text") or "",
                                [r for r in g.get("reasons") or [] if r], m is not None, g.get("review"))
                    for i, g, m in generic],
    }


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
        ("全文字数", str(doc.record.get("chars") or "—"), "不含空白"),
    ]
    if doc.dismissed.copied:
        rows.insert(1, ("审阅后复制比", percent(doc.copy_ratio), "去掉审阅排除的复制内容，计入汇总和通报"))
    if doc.dismissed.generic:
        rows.insert(-1, ("审阅后套话占比", percent(doc.generic_ratio), "去掉审阅排除的套话，计入汇总和通报"))
    return rows


def topic_rows(report: QuarterReport, doc: DocumentFacts) -> list[TopicRow]:
    """One row per topic of the list (then any topic the results name that the list does not)."""
    found = {str(t.get("topic_id")): t for t in doc.record.get("topics") or [] if t.get("topic_id")}
    ids = [t.id for t in report.topics] + sorted(set(found) - set(report.topic_by_id))
    rows = []
    for tid in ids:
        topic = report.topic_by_id.get(tid)
        t = found.get(tid, {})
        level = doc.levels.get(tid)
        points = topic.key_points if topic else ()
        engaged = [points[i] for i in t.get("key_points_engaged") or [] if isinstance(i, int) and 0 <= i < len(points)]
        remarks = []
        if t.get("theory_only"):
            remarks.append("只有理论阐述，没有联系实际工作")
        if t.get("practice_only"):
            remarks.append("只讲具体工作，没有联系所学理论")
        rows.append(TopicRow(
            tid, topic.title if topic else tid, topic.required if topic else False, level,
            t.get("level_name") or (LEVEL_NAMES.get(level, "") if level is not None else "未评估"),
            t.get("score") if isinstance(t.get("score"), int) else None, engaged, remarks,
            [(EVIDENCE_ROLE_LABELS.get(e.get("role"), e.get("role") or ""), e.get("text") or "")
             for e in t.get("evidence") or [] if e.get("text")],
            t.get("review"),
        ))
    return rows


def _mark(kind: str, number: int, locate: Locator, passage: dict) -> Mark | None:
    span = locate.span(passage)
    return Mark(kind, number, *span) if span else None
