"""scores.csv and scores.xlsx: the same table, one row per document (so per member and document), in doc_id
order: who wrote it, its level on every topic, the CNKI-style ratios, the boilerplate share, both as they count
after review, the diagnoses not dismissed, its concern score and rank and the reviewers' verdict. The CSV is UTF-8 with a byte-order mark so Excel opens its Chinese correctly; the
workbook has its header frozen, widths set, ratios as percentages and level cells coloured like the heat map.
A value a run did not produce is left empty."""

from __future__ import annotations

import csv
from pathlib import Path

from .quarter import QuarterReport, run_timestamp

LEVEL_FILLS = {0: "FBE0E0", 1: "FFF3C4", 2: "D8ECD2", 3: "9FD49A"}
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
            [d.doc_id, d.member, d.doc_type, d.record.get("file") or "", d.record.get("chars")]
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
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header, rows = score_table(report)
    book = Workbook()
    sheet = book.active
    sheet.title = "材料得分"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "C2"  # header and the document/author columns stay in view
    level_columns = {header.index(f"{t.id} 层次") + 1 for t in report.topics}
    ratio_columns = {header.index(name) + 1 for name in RATIO_COLUMNS}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if _live(cell.value):
                cell.data_type = "s"  # stored as a string, never as a formula
            if cell.column in ratio_columns and cell.value is not None:
                cell.number_format = "0.0%"
            elif cell.column in level_columns and isinstance(cell.value, int) and cell.value in LEVEL_FILLS:
                cell.fill = PatternFill("solid", fgColor=LEVEL_FILLS[cell.value])
                cell.alignment = Alignment(horizontal="center")
    for index, name in enumerate(header, 1):
        values = [name] + [row[index - 1] for row in rows]
        widest = max(_display_width(v) for v in values)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 48)
    sheet.auto_filter.ref = sheet.dimensions
    # the workbook's dates are the run's, so writing a results.json twice gives the same properties
    stamp = run_timestamp(report.results)
    if stamp:
        book.properties.created = book.properties.modified = stamp
    book.properties.title = f"{report.unit}{report.quarter_name}学习材料得分"
    book.save(path)
    return path


def _live(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def _display_width(value) -> int:
    """Column width in Excel character units: a CJK character takes two."""
    if value is None:
        return 0
    text = f"{value:.1%}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
