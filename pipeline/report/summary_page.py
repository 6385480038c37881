"""summary.html: first what to act on (who must 补学 which required topic, the documents to review first), then
the quarter's figures with the documents each counts, the members × topics heat map of levels, the 未学 list,
charts, the documents ranked by concern, and the files that could not be read."""

from __future__ import annotations

from pathlib import Path

from . import charts
from .html import render_page
from .quarter import QuarterReport


def write_summary_page(report: QuarterReport, out_dir: Path) -> Path:
    return render_page("summary.html", out_dir / "summary.html", report=report, totals=report.totals(),
                       missing_by_topic=report.missing_by_topic(), flagged=report.flagged(),
                       first=report.to_review_first(),
                       missing_cells=sum(len(m.missing_required) for m in report.members),
                       font_note=charts.font_notice(), level_chart=charts.level_distribution(report),
                       ratio_chart=charts.document_ratios(report))
