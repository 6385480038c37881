"""The reports secretaries read, written into the output folder beside results.json:

- documents/<doc_id>.html — one page per document (document_page), written again only when what it shows
  changed;
- summary.html — the quarter at a glance (summary_page, charts);
- tongbao.docx — a draft 季度学习情况通报 in 公文 layout (tongbao);
- scores.csv, scores.xlsx — one row per document (scores);

Pages are self-contained HTML (styles inline, charts as data URIs, no scripts, nothing fetched), so they open
offline, and carry a print stylesheet for A4. Everything is read from the results model (pipeline.model.Results,
schema xuexi.results/1) with every stage optional: QuarterReport derives what the outputs share.

Takes results (from a run or from the archive, with the reviewers' decisions); gives the files above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..model import Results
from .document_page import PagesWritten, write_document_pages
from .quarter import ConcernConfig, QuarterReport
from .scores import write_scores_csv, write_scores_xlsx
from .summary_page import write_summary_page
from .tongbao import write_tongbao

__all__ = ["ConcernConfig", "PagesWritten", "QuarterReport", "Reports", "write_reports"]


@dataclass(frozen=True)
class Reports:
    files: list[Path]    # written by this call, the summary first
    pages: PagesWritten  # the document pages written and those kept unchanged


def write_reports(results: Results | dict, out_dir: Path) -> Reports:
    """Write every report for `results` into `out_dir` (created if missing): the summary, the 通报 and the score
    sheets always, a document's page when what it shows changed since the last write there."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = QuarterReport(results)
    pages = write_document_pages(report, out_dir)
    files = [write_summary_page(report, out_dir), *pages.written, write_tongbao(report, out_dir / "tongbao.docx"),
             write_scores_csv(report, out_dir / "scores.csv"), write_scores_xlsx(report, out_dir / "scores.xlsx")]
    return Reports(files, pages)
