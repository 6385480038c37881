"""tongbao.docx: a draft 季度学习情况通报 for the secretary to edit, in 公文 layout after GB/T 9704-2012
(党政机关公文格式): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 二号方正小标宋简体 title;
三号仿宋_GB2312 body with a two-character first-line indent; 黑体 for 一级标题 (一、), 楷体_GB2312 for
二级标题 (（一）), run in before their paragraph's text; 28 characters × 22 lines a page, approximated by an
exact line spacing of 28.95 pt on a line grid; page numbers 四号宋体 “— 1 —”, odd pages right, even pages left.

The text (标题, 主送, 正文 一、基本情况 / 二、好的做法和典型 / 三、存在的问题 / 四、下一步要求, 落款 with the unit
and the run's date, and an annex of review notes) is built from the QuarterReport's figures; good examples, those
who must 补学 (each member once), whose file could not be read and, with a roster (members.csv), who handed in
nothing are named; problems are stated as counts without names, as such 通报 do. The reviewers' decisions count
as QuarterReport says: dismissed flags are not problems, documents judged 需补学 or 退回修改 are named in 督促补学
with their notes in the annex (internal ids rewritten as names), and documents judged 合格 may be good examples.
A quarter with nothing to analyse says exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..errors import ConfigError
from ..lexicon import SOURCE_ID_IN_TEXT
from ..model import Source, Verdict
from .quarter import LEVEL_NAMES, DocumentFacts, QuarterReport, percent, run_timestamp

CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class GongwenLayout:
    """Fonts (East Asian name, size in pt) and page geometry (mm) of the 通报."""

    title_font: str = "方正小标宋简体"
    title_size: float = 22.0          # 二号
    body_font: str = "仿宋_GB2312"
    body_size: float = 16.0           # 三号
    heading1_font: str = "黑体"
    heading2_font: str = "楷体_GB2312"
    latin_font: str = "Times New Roman"
    page_number_font: str = "宋体"
    page_number_size: float = 14.0    # 四号
    line_pitch: float = 28.95         # pt: 22 lines in the 225 mm type area
    margin_top: float = 37.0
    margin_bottom: float = 35.0
    margin_left: float = 28.0
    margin_right: float = 26.0

    def __post_init__(self) -> None:
        for name in ("title_size", "body_size", "page_number_size", "line_pitch",
                     "margin_top", "margin_bottom", "margin_left", "margin_right"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"GongwenLayout.{name} must be positive, not {getattr(self, name)}")
        if self.line_pitch < self.body_size:
            raise ConfigError(f"line_pitch ({self.line_pitch} pt) must be at least the body size ({self.body_size} pt)")


@dataclass(frozen=True)
class Block:
    """One paragraph of the 通报: kind is title, addressee, heading1, body, signature, date, annex (the 附件
    mark) or annex_title; `lead` is a run-in 二级标题 printed before `text`."""

    kind: str
    text: str
    lead: str = ""


def tongbao_blocks(report: QuarterReport) -> list[Block]:
    """The 通报's paragraphs, from the quarter's figures."""
    t = report.totals()
    quarter = report.quarter_name or "本季度"
    blocks = [
        # two lines, broken where the phrase breaks (a 二号 line holds about 20 characters), never inside
        # 党组理论学习中心组
        Block("title", f"关于{quarter}\n党组理论学习中心组学习情况的通报"),
        Block("addressee", f"{report.unit or '党组'}理论学习中心组各位成员："),
    ]
    if not report.documents:  # nothing to analyse: say exactly that, and who must hand in
        blocks.append(Block("body", _nothing_scored(report, t)))
        return blocks + _signature(report)
    blocks += [
        Block("body", f"为全面了解{quarter}党组理论学习中心组学习情况，推动理论学习走深走实，按照中心组学习计划安排，"
                      "学习秘书组对本季度中心组成员提交的学习材料进行了梳理分析。现将有关情况通报如下。"),
        Block("heading1", "一、基本情况"),
    ]
    types = "、".join(f"{name}{n}篇" for name, n in t["doc_types"])
    basic = f"本季度共有{t['members']}名中心组成员提交学习材料{t['documents']}篇，{_chars(t['chars'])}"
    basic += f"，其中{types}。" if types else "。"
    basic += _missing_materials(report, t)
    blocks.append(Block("body", basic))
    required = report.required_topics
    if required and t["members"]:
        cells = sum(t["levels"].values())
        blocks.append(Block("body", (
            f"对照本季度确定的{len(required)}个必学专题，{t['members_complete']}名同志的学习材料涉及了全部必学专题。"
            f"从学习深度看，成员与必学专题共{cells}项对应中，达到“{LEVEL_NAMES[3]}”的{t['levels'][3]}项，"
            f"达到“{LEVEL_NAMES[2]}”的{t['levels'][2]}项，仅“{LEVEL_NAMES[1]}”的{t['levels'][1]}项，"
            f"“{LEVEL_NAMES[0]}”的{t['levels'][0]}项。材料平均文字复制比为{percent(t['mean_copy_ratio'])}。")))

    blocks.append(Block("heading1", "二、好的做法和典型"))
    good = report.good_examples()
    if good:
        blocks.append(Block("body", f"{len(good)}名同志的学习材料在必学专题上做到了理论学习与本职工作相结合，"
                                    "既有对所学理论的认识体会，又有具体做法、工作数据和下一步打算，具有较好的示范作用。"))
        for i, g in enumerate(good, 1):
            titles = "".join(_quoted(topic.title) for topic in g.topics[:2])
            more = {1: "专题", 2: "两个专题"}.get(len(g.topics), f"等{len(g.topics)}个专题")
            kinds = "、".join(dict.fromkeys(d.doc_type for d in g.documents if d.doc_type)) or "学习材料"
            blocks.append(Block("body", f"{i}．{g.member}同志在{kinds}中，围绕{titles}{more}，"
                                        "结合分管工作谈认识、谈做法、谈打算，做到了学用结合。"))
        blocks.append(Block("body", "以上同志的材料可供大家学习借鉴。"))
    else:
        blocks.append(Block("body", f"本季度材料中尚无在必学专题上达到“{LEVEL_NAMES[3]}”层次的典型，"
                                    "需在下一步学习中着力加强。"))

    blocks.append(Block("heading1", "三、存在的问题"))
    problems = _problems(report, t)
    if problems:
        blocks.extend(Block("body", text, lead=f"（{CHINESE_NUMBERS[i]}）{lead}") for i, (lead, text) in enumerate(problems))
    else:
        blocks.append(Block("body", "本季度材料未发现明显的照搬照抄、空话套话和漏学必学专题等问题。"))

    blocks.append(Block("heading1", "四、下一步要求"))
    missing = [m for m in report.members if m.missing_required]
    restudy = report.restudy()
    steps = []
    if missing:
        steps.append(("督促补学。", "请以下同志对照本季度必学专题，于下季度第一次集中学习前完成补学，并向学习秘书组提交补学心得："))
    elif restudy:
        steps.append(("督促补学。", "请以下同志按照学习秘书组的审阅意见，于下季度第一次集中学习前完成补学或修改："))
    else:
        steps.append(("巩固学习成果。", "本季度各位同志的材料均涉及了全部必学专题，要在学深悟透、学以致用上持续用力。"))
    steps += [
        ("端正学风文风。", "学习材料要由本人撰写，紧密联系思想和工作实际；引用讲话原文要注明出处，杜绝照搬照抄，力戒空话套话。"),
        ("推动学用结合。", "要把学习成效体现到推动分管工作上，在学习材料中讲清本领域的具体做法、存在问题和下一步打算。"),
        ("加强督促检查。", "学习秘书组将对补学和整改情况进行跟踪，有关情况在下季度学习情况通报中一并反映。"),
    ]
    notes = _review_notes(report, restudy)
    for i, (lead, text) in enumerate(steps):
        blocks.append(Block("body", text, lead=f"（{CHINESE_NUMBERS[i]}）{lead}"))
        if i == 0 and (missing or restudy):  # one line a member, each name once
            for j, line in enumerate(_restudy_lines(report, missing, restudy, notes), 1):
                blocks.append(Block("body", f"{j}．{line}"))
    if notes:
        blocks.append(Block("body", "附件：学习材料审阅意见"))
    blocks += _signature(report)
    if notes:  # the reviewers' notes as the annex, in the secretary's words, never internal ids
        blocks.append(Block("annex", "附件"))
        blocks.append(Block("annex_title", "学习材料审阅意见"))
        blocks += [Block("body", f"{j}．{note}") for j, note in enumerate(notes.values(), 1)]
    return blocks


def _signature(report: QuarterReport) -> list[Block]:
    """落款 and 成文日期: the unit's 中心组 and the day the analysis was run (公文 dates in Arabic numerals)."""
    when = run_timestamp(report.results)
    date = f"{when.year}年{when.month}月{when.day}日" if when else f"{report.year or '××××'}年×月×日"
    return [Block("signature", f"{report.unit}理论学习中心组" if report.unit else "（署名单位）"),
            Block("date", date)]


def _nothing_scored(report: QuarterReport, t: dict) -> str:
    quarter = report.quarter_name or "本季度"
    if t["failed"]:
        text = f"{quarter}共收到{t['failed']}个文件，均未能读取，本季度没有可供分析的学习材料。"
    else:
        text = f"{quarter}未收到中心组成员的学习材料，本季度没有可供分析的学习材料。"
    return text + _missing_materials(report, t)


def _missing_materials(report: QuarterReport, t: dict) -> str:
    """Who handed in a file that could not be read, who (by the roster) handed in nothing: by name."""
    text = ""
    failed, absent = report.failed_members(), report.not_submitted()
    if failed:
        text += f"{'、'.join(failed)}同志报送的文件未能读取，请重新报送。"
    elif t["failed"] and report.documents:
        text += f"另有{t['failed']}个文件未能读取，未纳入本次分析。"
    if absent:
        text += f"{'、'.join(absent)}同志本季度未提交学习材料，请抓紧报送。"
    return text


def _restudy_lines(report: QuarterReport, missing: list, restudy: list[DocumentFacts],
                   notes: dict[str, str]) -> list[str]:
    """A line for each member who must 补学 or revise: the topics not studied, then the reviewers' verdicts."""
    judged: dict[str, list[DocumentFacts]] = {}
    for doc in restudy:
        judged.setdefault(doc.member, []).append(doc)
    lines = []
    for name in dict.fromkeys([m.name for m in missing] + list(judged)):
        parts = []
        topics = next((m.missing_required for m in missing if m.name == name), [])
        if topics:
            parts.append("补学" + "、".join(_quoted(t.title) for t in topics))
        for doc in judged.get(name, []):
            seen = "（审阅意见见附件）" if doc.doc_id in notes else ""
            if doc.verdict == Verdict.RETURNED:
                parts.append(f"{doc.doc_type or '学习材料'}经审阅退回修改{seen}，请修改后重新报送")
            else:
                parts.append(f"{doc.doc_type or '学习材料'}经审阅需补学{seen}，请完成补学后重新提交学习心得")
        lines.append(f"{name}同志：{'；'.join(parts)}。")
    return lines


def _review_notes(report: QuarterReport, restudy: list[DocumentFacts]) -> dict[str, str]:
    """doc_id -> the reviewers' note on a document judged 需补学 or 退回修改, made readable: another document
    named by its author and type, a source by its name, never an internal id."""
    notes = {}
    for doc in restudy:
        note = (doc.record.review.decisions[-1].note or "").strip().rstrip("。；;.")
        if not note:
            continue
        for other in sorted(report.documents, key=lambda d: -len(d.doc_id)):
            note = note.replace(other.doc_id, f"{other.member}的{other.doc_type or '材料'}")
        note = SOURCE_ID_IN_TEXT.sub(lambda m: report.source_name(Source.parse(m.group(0))), note)
        notes[doc.doc_id] = f"{doc.member}同志的{doc.doc_type or '学习材料'}：{note}。"
    return notes


def _problems(report: QuarterReport, t: dict) -> list[tuple[str, str]]:
    """(run-in heading, text) for each kind of problem found; counts, not names."""
    c = report.config
    out = []
    if t["documents_copying"]:
        sources = "、".join(t["copy_source_kinds"]) or "其他材料"
        few = "个别" if t["documents_copying"] <= 2 else "部分"
        out.append((f"{few}材料存在照搬照抄现象。",
                    f"经比对，有{t['documents_copying']}篇材料文字复制比在{percent(c.flag_copy_ratio, 0)}以上，"
                    f"部分段落与{sources}基本相同，未能体现本人的学习思考。"))
    if t["documents_generic"]:
        out.append(("有的材料空话套话较多。",
                    f"有{t['documents_generic']}篇材料中套话、口号式语句占全文字数的{percent(c.flag_generic_ratio, 0)}以上，"
                    "表态性语言多，结合本人思想和工作实际的具体内容少。"))
    split, report_only = t["diagnoses"]["theory_without_practice"], t["diagnoses"]["work_report_not_study"]
    if split or report_only:
        parts = []
        if split:
            parts.append(f"{split}篇材料只有理论阐述，没有联系本人、本单位的具体工作，存在学用“两张皮”现象")
        if report_only:
            parts.append(f"{report_only}篇材料以工作总结代替学习体会，缺少对所学理论的思考")
        out.append(("学用结合不够紧密。", "；".join(parts) + "。"))
    by_topic = report.missing_by_topic()
    if by_topic:
        topic, names = max(by_topic, key=lambda tn: len(tn[1]))
        cells = sum(len(n) for _, n in by_topic)
        out.append(("部分必学专题学习不够全面。",
                    f"有{t['members_missing']}名同志的材料未涉及部分必学专题，共{len(by_topic)}个专题、{cells}人次；"
                    f"其中未涉及{_quoted(topic.title)}的有{len(names)}人。"))
    return out


def _quoted(title: str) -> str:
    """A title in “”, its own quotation marks turned to the inner ‘’."""
    return "“" + title.replace("“", "‘").replace("”", "’") + "”"


def _chars(n: int) -> str:
    return f"共约{n / 10000:.1f}万字" if n >= 10000 else f"共{n}字"


def write_tongbao(report: QuarterReport, path: Path, layout: GongwenLayout | None = None) -> Path:
    lay = layout or GongwenLayout()
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(lay.margin_top), Mm(lay.margin_bottom)
    section.left_margin, section.right_margin = Mm(lay.margin_left), Mm(lay.margin_right)
    section.footer_distance = Mm(lay.margin_bottom - 7 - 5)  # the number's line (~5 mm) 7 mm below the type area
    _line_grid(section, lay.line_pitch)

    normal = document.styles["Normal"]
    _fonts(normal.element, normal.font, lay.body_font, lay.latin_font, lay.body_size)
    _chinese_language(normal.element)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(lay.line_pitch)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False  # every page keeps its 22 lines

    indent = Pt(lay.body_size * 2)
    blocks = tongbao_blocks(report)
    for block in blocks:
        if block.kind == "signature":
            for _ in range(2):  # 正文下空两行署名
                document.add_paragraph()
        p = document.add_paragraph()
        pf = p.paragraph_format
        if block.kind == "title":
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
            pf.line_spacing = Pt(lay.line_pitch * 1.2)  # 二号 needs more than one grid line
            for n, line in enumerate(block.text.split("\n")):
                if n:
                    p.runs[-1].add_break()
                _run(p, line, lay.title_font, lay.latin_font, lay.title_size)
            document.add_paragraph()  # 标题下空一行
        elif block.kind == "addressee":
            _run(p, block.text, lay.body_font, lay.latin_font, lay.body_size)
        elif block.kind == "annex":  # 附件 on a page of its own, 黑体, top left
            p.paragraph_format.page_break_before = True
            _run(p, block.text, lay.heading1_font, lay.latin_font, lay.body_size)
        elif block.kind == "annex_title":
            pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, block.text, lay.title_font, lay.latin_font, lay.title_size)
        elif block.kind in ("signature", "date"):
            pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            pf.right_indent = indent * 2  # 成文日期右空四字
            _run(p, block.text, lay.body_font, lay.latin_font, lay.body_size)
        else:
            pf.first_line_indent = indent
            pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if block.lead:
                _run(p, block.lead, lay.heading2_font, lay.latin_font, lay.body_size)
            font = lay.heading1_font if block.kind == "heading1" else lay.body_font
            _run(p, block.text, font, lay.latin_font, lay.body_size)
    _page_numbers(document, lay)

    props = document.core_properties
    props.title = blocks[0].text.replace("\n", "")
    props.author = props.last_modified_by = "xuexi"
    props.comments = "草稿：由 xuexi 根据本季度学习材料分析结果生成，请学习秘书审改后使用。"
    when = run_timestamp(report.results)
    if when:  # the run's time, so the same results give the same document
        props.created = props.modified = when
    document.save(path)
    return path


def _fonts(element, font, east_asian: str, latin: str, size: float) -> None:
    """Set a run's or style's fonts: `latin` for letters and digits, `east_asian` (w:eastAsia) for Chinese."""
    font.name = latin
    font.size = Pt(size)
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _chinese_language(style_element) -> None:
    """Mark the style's text as Chinese, so Word applies Chinese line-breaking and punctuation rules."""
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    style_element.get_or_add_rPr().append(lang)


def _run(paragraph, text: str, east_asian: str, latin: str, size: float):
    run = paragraph.add_run(text)
    _fonts(run._r, run.font, east_asian, latin, size)
    return run


def _line_grid(section, pitch: float) -> None:
    """The section's document grid: lines every `pitch` points (w:docGrid, in twentieths of a point)."""
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(pitch * 20)))
    sect.append(grid)


def _page_numbers(document, lay: GongwenLayout) -> None:
    """“— N —” in 四号宋体: odd pages right, even pages left, one character in from the margin."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(lay.page_number_size)
        else:
            p.paragraph_format.left_indent = Pt(lay.page_number_size)
        _run(p, "— ", lay.page_number_font, lay.page_number_font, lay.page_number_size)
        field = _run(p, "", lay.page_number_font, lay.page_number_font, lay.page_number_size)
        for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                node = OxmlElement("w:fldChar")
                node.set(qn("w:fldCharType"), kind)
            elif instruction.strip() == "PAGE":
                node = OxmlElement("w:instrText")
                node.set(qn("xml:space"), "preserve")
                node.text = instruction
            else:
                node = OxmlElement("w:t")
                node.text = instruction
            field._r.append(node)
        _run(p, " —", lay.page_number_font, lay.page_number_font, lay.page_number_size)
