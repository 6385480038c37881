"""The summary's charts, drawn with matplotlib's Agg canvas (no pyplot, no global backend) and embedded in the
page as base64 PNG data URIs, so the page needs no other file and no network.

Chinese labels need a CJK font: the first installed of PREFERRED_FONTS, else any font with the glyphs, looked up
where matplotlib looks (MPL_IGNORE_SYSTEM_FONTS=1 hides the system's fonts from it). Without one the charts still
draw, labelled with topic ids and document numbers (the summary's tables carry the names); the page says so, and
so does the run, in one line (NO_FONT_NOTICE). matplotlib's own notes on font matching (findfont: …) are kept off
the terminal: the font is chosen here, and a substituted weight is no news to a secretary.

Each chart carries the texts it was drawn with (read back from the figure), so what it says can be checked
without reading pixels.
"""

from __future__ import annotations

import base64
import io
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from .quarter import LEVEL_NAMES, QuarterReport

PREFERRED_FONTS = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Noto Sans SC", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Noto Serif CJK SC",
    "Source Han Serif SC", "AR PL UMing CN", "Noto Sans CJK JP",
)
LEVEL_COLOURS = {0: "#f1a7a7", 1: "#ffe38a", 2: "#b9dcae", 3: "#5fae5a"}  # the heat map's hues, printable
COPY_COLOUR, GENERIC_COLOUR = "#c0392b", "#8c8c8c"
DPI = 110
NO_FONT_NOTICE = "本机没有中文字体：汇总页的图表以专题编号和材料编号代替名称（编号见汇总页的表格）；安装中文字体（如文泉驿正黑）后重新生成即可显示名称。"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chart:
    """A drawn chart: the PNG as a data URI, and every text on it (title, axis and tick labels, legend)."""

    uri: str
    labels: tuple[str, ...]


def font_notice() -> str | None:
    """What the summary says about its charts' labels: NO_FONT_NOTICE without a CJK font, else None."""
    return None if cjk_font() else NO_FONT_NOTICE


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that has Chinese glyphs, or None (said once on the terminal).
    matplotlib lists the fonts it found when its cache was built; fonts installed since (fonts-wqy-zenhei after a
    first run) are added."""
    font = _find_cjk_font()
    if font is None:
        _log.warning(NO_FONT_NOTICE)
    return font


def _find_cjk_font() -> str | None:
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in sorted(font_manager.findSystemFonts()):
        if path not in known:
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # a font file matplotlib cannot read is no use to it either
    names = {f.name for f in manager.ttflist}
    for name in PREFERRED_FONTS:
        if name in names:
            return name
    for entry in sorted(manager.ttflist, key=lambda f: (f.name, f.fname)):
        if _has_glyphs(entry.fname, "学习专题"):
            return entry.name
    return None


def _has_glyphs(path: str, text: str) -> bool:
    """Whether the font draws each character of `text` (all different) with a glyph of its own: a fallback font
    that draws a whole Unicode block with one box (matplotlib ships "Last Resort") has no Chinese glyphs."""
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(path)
    except (OSError, RuntimeError):
        return False
    glyphs = [face.get_char_index(ord(c)) for c in text]
    return all(glyphs) and len(set(glyphs)) == len(set(text))


def level_distribution(report: QuarterReport) -> Chart | None:
    """Stacked horizontal bars: per topic, how many members reached each level this quarter."""
    topics = [t for t in report.topics if any(t.id in m.levels for m in report.members)]
    if not topics:
        return None
    font = cjk_font()
    with rc_context(_font_rc(font)), _quiet_font_matching():
        return _levels_png(report, topics, font)


def _levels_png(report: QuarterReport, topics: list, font: str | None) -> Chart:
    fig, ax = _figure(width=7.5, height=0.5 * len(topics) + 1.4)
    rows = list(reversed(topics))  # first topic on top
    left = [0] * len(rows)
    for level, name in LEVEL_NAMES.items():
        counts = [sum(1 for m in report.members if m.levels.get(t.id) == level) for t in rows]
        bars = ax.barh([t.id for t in rows], counts, left=left, color=LEVEL_COLOURS[level], edgecolor="white",
                       label=f"{level} {name}" if font else str(level))
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center", fontsize=8)
        left = [a + b for a, b in zip(left, counts)]
    ax.set_xlabel("成员人数" if font else "members")
    fig.suptitle("各专题成员学习层次分布" if font else "Members per level, by topic", fontsize=11)
    fig.legend(ncol=4, loc="outside lower center", frameon=False, fontsize=9)
    ax.set_xlim(0, max(left) or 1)
    return _drawn(fig)


MAX_RATIO_BARS = 40  # documents in the ratio chart: past a page, bars are unreadable; the table lists them all


def document_ratios(report: QuarterReport) -> Chart | None:
    """Paired horizontal bars per document: copy ratio (red) and boilerplate ratio (grey), with dashed lines
    where each becomes a concern (ConcernConfig.flag_copy_ratio, flag_generic_ratio). A quarter of more than
    MAX_RATIO_BARS documents shows the documents with the highest ratios."""
    if not report.documents:
        return None
    font = cjk_font()
    with rc_context(_font_rc(font)), _quiet_font_matching():
        return _ratios_png(report, font)


def _ratios_png(report: QuarterReport, font: str | None) -> Chart:
    shown = report.documents
    if len(shown) > MAX_RATIO_BARS:
        highest = sorted(shown, key=lambda d: -max(d.copy_ratio, d.generic_ratio or 0))[:MAX_RATIO_BARS]
        shown = [d for d in report.documents if d in highest]
    fig, ax = _figure(width=7.5, height=0.32 * len(shown) + 1.5)
    rows = list(reversed(shown))
    y = list(range(len(rows)))
    labels = [f"{d.number} {d.member}" if font else str(d.number) for d in rows]
    ax.barh([v + 0.2 for v in y], [d.copy_ratio * 100 for d in rows], height=0.38, color=COPY_COLOUR,
            label="总文字复制比" if font else "copied")
    ax.barh([v - 0.2 for v in y], [(d.generic_ratio or 0) * 100 for d in rows], height=0.38, color=GENERIC_COLOUR,
            label="套话占比" if font else "boilerplate")
    c = report.config
    ax.axvline(c.flag_copy_ratio * 100, color=COPY_COLOUR, linestyle="--", linewidth=0.8)
    ax.axvline(c.flag_generic_ratio * 100, color=GENERIC_COLOUR, linestyle="--", linewidth=0.8)
    highest = max([c.flag_copy_ratio, c.flag_generic_ratio] + [d.copy_ratio for d in rows] + [d.generic_ratio or 0 for d in rows])
    ax.set_xlim(0, min(100, highest * 110))
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel("占全文字数（%）" if font else "% of characters")
    if len(shown) < len(report.documents):
        title = (f"复制比与套话占比最高的{len(shown)}篇材料（共{len(report.documents)}篇）" if font
                 else f"The {len(shown)} documents of {len(report.documents)} with the highest shares")
    else:
        title = "各篇材料复制比与套话占比" if font else "Copied and boilerplate share per document"
    fig.suptitle(title, fontsize=11)
    fig.legend(ncol=2, loc="outside lower center", frameon=False, fontsize=9)
    return _drawn(fig)


def _figure(*, width: float, height: float) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9)
    return fig, ax


def _drawn(fig: Figure) -> Chart:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible()]
    return Chart("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
                 tuple(t for t in texts if t.strip()))


@contextmanager
def _quiet_font_matching():
    """matplotlib's font matching logs a warning whenever the chosen font lacks the asked weight (WenQuanYi has
    only 500): keep those notes off the terminal while a chart is drawn."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _font_rc(font: str | None) -> dict:
    """Text is laid out with the rc settings in force when it is made, so charts are built inside them."""
    return {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            "axes.unicode_minus": False}
