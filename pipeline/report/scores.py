"""scores.csv and scores.xlsx. The CSV is one table, one row per document in doc_id order: who wrote it, its level
on every topic, the CNKI-style ratios, the boilerplate share, both as they count after review, the diagnoses not
dismissed, its concern score and rank and the reviewers' verdict; UTF-8 with a byte-order mark so Excel opens its
Chinese correctly. The workbook is what a secretary works from: the same table sorted by concern with level
names, level cells coloured like the heat map and a link to each document's page; every flag; the 未学 list; the
copy sources; each sheet with a frozen header, widths set, ratios as percentages, A4 landscape printing. A value
a run did not produce is left empty; a cell that would be a formula is text."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..model import LEVEL_NAMES, Reviewed
from .quarter import FLAG_VERDICT_LABELS, QuarterReport, run_timestamp

LEVEL_FILLS = {0: "FBE0E0", 1: "FFF3C4", 2: "D8ECD2", 3: "9FD49A"}
# The styles, made once: openpyxl files a cell's style by looking it up among the workbook's, and an object made
# anew for every cell is compared field by field there (a quarter of writing 10,000 documents' workbook).
LEVEL_STYLES = {level: PatternFill("solid", fgColor=colour) for level, colour in LEVEL_FILLS.items()}
CENTRED = Alignment(horizontal="center")
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
WRAPPED = Alignment(wrap_text=True, vertical="top")
# A cell beginning with one of these is taken by Excel and other spreadsheets for a formula (or DDE command): names
# and file names come from the batch folder and manifest.csv, so they are always written as text.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


RATIO_COLUMNS = ("总文字复制比", "去除引用复制比", "去除本人复制比", "套话占比", "审阅后复制比", "审阅后套话占比")


def score_table(report: QuarterReport) -> tuple[list[str], list[list]]:
    """(header, rows); levels are ints, ratios floats in 0..1, a missing value None."""
    header = (["材料", "作者", "类型", "文件", "字数"] + [f"{t.id} 层次" for t in report.topics]
              + list(RATIO_COLUMNS) + ["问题诊断", "关注度", "关注排名", "审阅结论"])
    rows = []
    for d in report.documents:
        rows.append(
            [d.doc_id, d.member, d.doc_type, d.brief.file or "", d.brief.chars]
            + [d.levels.get(t.id) for t in report.topics]
            + [d.scored_copy_ratio, d.ratio_without_quotes, d.ratio_without_own, d.scored_generic_ratio,
               d.copy_ratio, d.generic_ratio]
            + ["；".join(x.label for x in d.diagnoses), d.concern.score, d.concern.rank, d.verdict]
        )
    return header, rows


def write_scores_csv(report: QuarterReport, path: Path) -> Path:
    header, rows = score_table(report)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        # a leading apostrophe is the spreadsheets' own mark for "this is text"
        writer.writerows([["" if v is None else "'" + v if _live(v) else v for v in row] for row in rows])
    return path


def write_scores_xlsx(report: QuarterReport, path: Path) -> Path:
    """The workbook a secretary works from: the documents by concern (level names, a link to each page), every
    flag with its source and review state, the 未学 list and the copy sources; each sheet prints on A4 landscape."""
    book = Workbook()
    documents = book.active
    documents.title = "材料（按关注度）"
    _document_sheet(report, documents)
    _fill(book.create_sheet("问题标记"), ["关注排名", "材料", "作者", "类别", "种类", "文字", "来源", "相似度", "审阅状态"],
          _flag_rows(report), text_columns={"文字"})
    _fill(book.create_sheet("未学名单"), ["专题", "专题名称", "须补学的同志"],
          [[t.id, t.title, "、".join(names)] for t, names in report.missing_by_topic()])
    _fill(book.create_sheet("复制来源"), ["关注排名", "材料", "作者", "来源", "占全文比例"],
          [[d.concern.rank, d.doc_id, d.member, report.source_name(source), share]
           for d in report.ranked for source, share in sorted(d.per_source.items(), key=lambda kv: -kv[1])],
          ratio_columns={"占全文比例"})
    # the workbook is created when the run was (openpyxl stamps `modified` itself, with the time it saves)
    stamp = run_timestamp(report.results)
    if stamp:
        book.properties.created = stamp
    book.properties.title = f"{report.unit}{report.quarter_name}学习材料得分"
    book.save(path)
    return path


def _document_sheet(report: QuarterReport, sheet) -> None:
    """score_table's columns in concern order, levels in words ("2 阐述"), and a link to each document's page."""
    header, rows = score_table(report)
    by_id = {row[0]: row for row in rows}
    level_columns = {header.index(f"{t.id} 层次") for t in report.topics}
    ordered = []
    for doc in report.ranked:
        row = list(by_id[doc.doc_id])
        for c in level_columns:
            row[c] = f"{row[c]} {LEVEL_NAMES[row[c]]}" if isinstance(row[c], int) else row[c]
        ordered.append(row + ["打开"])
    _fill(sheet, header + ["材料页面"], ordered, ratio_columns=set(RATIO_COLUMNS))
    link = len(header) + 1
    for doc, row in zip(report.ranked, sheet.iter_rows(min_row=2, min_col=link, max_col=link)):
        row[0].hyperlink = doc.page  # relative to the workbook, which sits beside documents/
        row[0].style = "Hyperlink"
    for row in sheet.iter_rows(min_row=2):
        for c in level_columns:
            level = int(str(row[c].value).split()[0]) if row[c].value is not None else None
            if level in LEVEL_STYLES:
                row[c].fill = LEVEL_STYLES[level]
                row[c].alignment = CENTRED
    sheet.freeze_panes = "C2"  # header and the rank/document columns stay in view


def _flag_rows(report: QuarterReport) -> list[list]:
    def state(flag: Reviewed) -> str:
        return FLAG_VERDICT_LABELS.get(flag.verdict, "待审")

    rows = []
    for d in report.ranked:
        head = [d.concern.rank, d.doc_id, d.member]
        rows += [[*head, "复制", c.kind.label if c.kind else "", c.text, report.source_name(c.source), c.similarity, state(c)]
                 for c in d.copied]
        rows += [[*head, "引用", "注明出处的引用", q.text, report.source_name(q.source) if q.source else "", None,
                  state(q)] for q in d.quoted]
        rows += [[*head, "套话", g.kind.label if g.kind else "", g.text, "", None, state(g)] for g in d.generic]
        rows += [[*head, "诊断", x.label, x.reason, "", None, state(x)] for x in d.diagnoses]
    return rows


def _fill(sheet, header: list[str], rows: list[list], *, ratio_columns: set[str] = frozenset(),
          text_columns: set[str] = frozenset()) -> None:
    """A sheet of rows under a bold, wrapped header: widths to fit (long text wrapped), cells that would be
    formulas kept as text, a filter, and A4 landscape printing fitted to the page width."""
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.alignment = HEADER_ALIGNMENT
    ratios = {header.index(name) + 1 for name in ratio_columns if name in header}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if _live(cell.value):
                cell.data_type = "s"  # stored as a string, never as a formula
            if cell.column in ratios and isinstance(cell.value, float):
                cell.number_format = "0.0%"
    for index, name in enumerate(header, 1):
        widest = max(_display_width(v) for v in [name] + [row[index - 1] for row in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60 if name in text_columns else 40)
        if name in text_columns:
            for cell in sheet[get_column_letter(index)][1:]:
                cell.alignment = WRAPPED
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _live(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def _display_width(value) -> int:
    """Column width in Excel character units: a CJK character takes two."""
    if value is None:
        return 0
    text = f"{value:.1%}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
