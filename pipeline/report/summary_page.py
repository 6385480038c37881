"""summary.html: the quarter's figures, the members × topics heat map of levels, the 未学 list (who must 补学
which required topic), charts, the documents ranked by concern, and the files that could not be read."""

from __future__ import annotations

from pathlib import Path

from . import charts
from .html import render_page
from .quarter import QuarterReport


def write_summary_page(report: QuarterReport, out_dir: Path) -> Path:
    return render_page("summary.html", out_dir / "summary.html", report=report, totals=report.totals(),
                       missing_by_topic=report.missing_by_topic(),
                       level_chart=charts.level_distribution(report), ratio_chart=charts.document_ratios(report))
