"""The reports secretaries read, written into the output folder beside results.json:

- documents/<doc_id>.html — one page per document (document_page);
- summary.html — the quarter at a glance (summary_page, charts);
- tongbao.docx — a draft 季度学习情况通报 in 公文 layout (tongbao);
- scores.csv, scores.xlsx — one row per document (scores);

Pages are self-contained HTML (styles inline, charts as data URIs, no scripts, nothing fetched), so they open
offline, and carry a print stylesheet for A4. Everything is read from the results dict (schema
xuexi.results/1) with every stage optional: QuarterReport derives what the outputs share.

Takes a results dict (from a run or from the archive, with the reviewers' decisions); gives the files above.
"""

from __future__ import annotations

from pathlib import Path

from .document_page import write_document_pages
from .quarter import ConcernConfig, QuarterReport
from .scores import write_scores_csv, write_scores_xlsx
from .summary_page import write_summary_page
from .tongbao import write_tongbao

__all__ = ["ConcernConfig", "QuarterReport", "write_reports"]


def write_reports(results: dict, out_dir: Path) -> list[Path]:
    """Write every report for `results` into `out_dir` (created if missing); returns the files written, the
    summary first."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = QuarterReport(results)
    paths = [write_summary_page(report, out_dir)]
    paths += write_document_pages(report, out_dir)
    paths.append(write_tongbao(report, out_dir / "tongbao.docx"))
    paths.append(write_scores_csv(report, out_dir / "scores.csv"))
    paths.append(write_scores_xlsx(report, out_dir / "scores.xlsx"))
    return paths
