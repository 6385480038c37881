"""Chinese first: the command line speaks Chinese with LANG unset or Chinese and English when the locale asks for
it, from one message catalogue; the reasons kept in results, the summary and the 通报 are Chinese whatever LANG."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import makers
from conftest import DEMO, ROOT
from pipeline.messages import CATALOGUES, LOCALE_DIR, N_, _Templates, catalogue, language

XUEXI = str(Path(sys.executable).with_name("xuexi"))
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")  # three English words in a row
SCREENS = {"unset": None, "zh": "zh_CN.UTF-8", "en": "en_US.UTF-8"}


def environment(lang: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    if lang:
        env["LANG"] = lang
    return env


def xuexi(*args, lang: str | None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([XUEXI, *map(str, args)], env=environment(lang), cwd=cwd, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("environ, expected", [
    ({}, "zh"), ({"LANG": "C.UTF-8"}, "zh"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"), ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW"}, "zh"),
    ({"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, "zh"), ({"LANG": "en_US.UTF-8", "LANGUAGE": ""}, "en"),
])
def test_the_screen_language_follows_the_locale_and_is_chinese_by_default(environ, expected):
    assert language(environ) == expected


def test_the_catalogue_holds_every_message_of_the_code_and_each_is_translated():
    """The compiled catalogues are the .po files as committed, the .po files hold what the code marks, and every
    message has its other language (Chinese messages their English, typer's English words their Chinese)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    marked = {message for _, _, message, _, _ in extract_from_dir(
        ROOT / "pipeline", method_map=[("**.py", "python")], keywords={"_": (1,), "N_": (1,)})}
    assert len(marked) > 200
    for lang, folder in CATALOGUES.items():
        with open(LOCALE_DIR / folder / "LC_MESSAGES" / "xuexi.po", "rb") as f:
            po = read_po(f)
        entries = {m.id: m for m in po if m.id}
        assert marked <= set(entries), f"{folder}: run pipeline/locale/update.sh ({sorted(marked - set(entries))[:3]})"
        compiled = catalogue(lang)
        for msgid in marked:
            entry = entries[msgid]
            assert not entry.fuzzy, (folder, msgid)
            needs_translation = bool(CJK.search(msgid)) == (lang == "en")
            assert bool(entry.string) == needs_translation, (folder, msgid)
            assert compiled.gettext(msgid) == (entry.string or msgid), f"{folder}: recompile ({msgid})"
            if entry.string:  # the same fields, so a translation never fails to format
                assert sorted(re.findall(r"\{(\w*)", entry.string)) == sorted(re.findall(r"\{(\w*)", msgid)), msgid


def test_a_kept_reason_is_read_back_into_english_with_its_values():
    reason = N_("{name}: PDF 有 {pages:,} 页，超过每个文件 {limit:,} 页的上限，已拒绝读取", name="报告.pdf", pages=1500, limit=1000)
    english = _Templates.of("en").translate(reason)
    assert english == "报告.pdf: the PDF has 1,500 pages, over the limit of 1,000 pages per file; refused"
    assert _Templates.of("en").translate("王五的文件") == "王五的文件"  # text no template made stays as it is
    assert _Templates.of("zh").translate("Missing option '--name'.") == "缺少选项 '--name'。"  # typer's, read back
    assert _Templates.of("zh").translate("[default: 3]") == "[default: 3]"  # a template filled by position is not


@pytest.mark.parametrize("screen", SCREENS)
def test_help_speaks_the_screen_language_and_shows_every_default(screen):
    main = xuexi("--help", lang=SCREENS[screen])
    score = xuexi("score", "--help", lang=SCREENS[screen])
    users = xuexi("users", "add", "--help", lang=SCREENS[screen])
    assert main.returncode == score.returncode == users.returncode == 0, main.stderr + score.stderr
    if screen == "en":
        assert "Usage: xuexi" in main.stdout and "Commands" in main.stdout and "Show this message" in main.stdout
        assert "Score a quarter's batch" in main.stdout and "Options" in score.stdout
        assert "Output folder. [default: (outputs/<batch name>/)]" in " ".join(score.stdout.split())
        assert not CJK.search(main.stdout.replace("学习档案", "").replace("通报", ""))
    else:
        for text in (main.stdout, score.stdout, users.stdout):
            assert "用法：xuexi" in text and "选项" in text and "显示本帮助并退出" in text
            assert "Usage" not in text and "Show this message" not in text
        assert "命令" in main.stdout and "为一个季度的批次评分" in main.stdout
        flat = "".join(score.stdout.split())
        assert "输出文件夹。[默认：(outputs/<批次名>/)]" in flat and "[默认：local]" in flat
        assert "[默认：(outputs/archive.sqlite)]" in flat
        assert not ENGLISH_WORDS.search(main.stdout)
    missing = xuexi("score", lang=SCREENS[screen])  # typer's own usage errors
    assert missing.returncode == 2
    assert ("Missing argument 'batch'." if screen == "en" else "缺少参数 'batch'。") in missing.stderr
    options = ("--out", "--semantic", "--library", "--archive", "--engine", "--scheduler", "--config", "--replace")
    flat = " ".join(score.stdout.split())
    for option, following in zip(options, options[1:]):  # a default shown with every option that has one
        described = flat.split(f"│ {option} ", 1)[1].split(f"│ {following} ", 1)[0]
        assert "[default:" in described or "[默认：" in described, option


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory) -> Path:
    """The demo batch with the bad files a secretary meets: a non-Word file named .docx, random bytes named .pdf,
    an empty file, an encrypted PDF, a format not read."""
    root = tmp_path_factory.mktemp("bad") / "batch"
    shutil.copytree(DEMO, root)
    sub = root / "submissions"
    (sub / "020_甲某_学习心得.docx").write_text("这不是 Word 文件", encoding="utf-8")
    (sub / "021_乙某_学习心得.pdf").write_bytes(bytes(range(256)) * 12)
    (sub / "022_丙某_学习心得.txt").write_bytes(b"")
    makers.encrypted_pdf(sub / "006_吴海燕_学习心得.pdf", sub / "023_丁某_学习心得.pdf")
    (sub / "024_戊某_学习心得.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    return root


@pytest.fixture(scope="module")
def bad_runs(bad_batch, tmp_path_factory) -> tuple[Path, dict]:
    """The batch scored on an English screen first (the hardest case for what is kept), then shown again on a
    Chinese screen and with LANG unset (nothing changed: the same outputs, the reasons read back from results)."""
    work = tmp_path_factory.mktemp("runs")
    runs = {}
    for screen in ("en", "zh", "unset"):
        runs[screen] = xuexi("score", bad_batch, "--out", work / "out", "--archive", work / "a.sqlite",
                             "--semantic", "static", lang=SCREENS[screen], cwd=work)
        assert runs[screen].returncode == 1 and "Traceback" not in runs[screen].stderr, runs[screen].stderr[-3000:]
    return work / "out", runs


BAD = {"020_甲某_学习心得.docx": ("不是 Word .docx 文件", "not a Word .docx file"),
       "021_乙某_学习心得.pdf": ("PDF 无法读取", "not a readable PDF"),
       "022_丙某_学习心得.txt": ("空文件", "empty file"),
       "023_丁某_学习心得.pdf": ("PDF 已加密", "the PDF is encrypted"),
       "024_戊某_学习心得.xlsx": ("不读取“.xlsx”文件", "'.xlsx' files are not read")}


def test_every_failure_is_told_in_the_screen_language_and_kept_in_chinese(bad_runs):
    out, runs = bad_runs
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    kept = {f["file"].split("/")[-1]: f["error"] for f in results["failed"]}
    assert set(kept) == set(BAD)
    for name, (chinese, english) in BAD.items():
        assert chinese in kept[name] and not ENGLISH_WORDS.search(kept[name].replace(name, ""))
        failed_lines = {screen: [l for l in run.stderr.splitlines() if name in l] for screen, run in runs.items()}
        assert any(english in l for l in failed_lines["en"]) and not any(chinese in l for l in failed_lines["en"])
        for screen in ("zh", "unset"):
            assert any(chinese in l for l in failed_lines[screen]) and not any(english in l for l in failed_lines[screen])
    assert "failed" in runs["en"].stderr and "topic coverage" in runs["en"].stderr
    for screen in ("zh", "unset"):
        assert "未能评分" in runs[screen].stderr and "专题覆盖" in runs[screen].stderr
        assert "failed" not in runs[screen].stderr and "reports:" not in runs[screen].stderr


def test_no_english_failure_reason_reaches_the_summary_or_the_tongbao(bad_runs):
    from docx import Document

    out, _ = bad_runs
    page = open(out / "summary.html", encoding="utf-8").read()
    visible = re.sub(r"<[^>]+>", "\n", re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page))
    tongbao = Document(str(out / "tongbao.docx"))
    notice = "\n".join([p.text for p in tongbao.paragraphs]
                       + [c.text for t in tongbao.tables for row in t.rows for c in row.cells])
    for name, (chinese, english) in BAD.items():
        assert chinese in visible and english not in visible and english not in notice
    for text in (visible, notice):
        assert not [line for line in text.splitlines() if ENGLISH_WORDS.search(line)]
    assert "甲某" in notice  # the 通报 names whose file failed


@pytest.mark.parametrize("screen", SCREENS)
def test_a_full_width_colon_in_topics_yaml_is_reported_on_its_line_with_the_fix(tmp_path, screen):
    topics = tmp_path / "topics.yaml"
    topics.write_text("quarter: 2026Q3\nunit: 某单位\ntopics:\n  - id: T1\n    title：学习党的二十大精神\n"
                      "    keywords: [二十大]\n", encoding="utf-8")
    done = xuexi("topics", "check", topics, lang=SCREENS[screen])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    if screen == "en":
        assert "error: topics.yaml line 5: 'title' is followed by a full-width colon" in done.stderr
    else:
        assert "错误：topics.yaml 第5行：“title”后面是全角冒号“：”；请改成半角冒号加空格“: ”" in done.stderr


def test_copy_detection_reports_its_progress_document_by_document():
    from pipeline.copying import CopyConfig, CopyDetector, CopySource
    from pipeline.copying.records import CheckedText

    heard = []
    texts = [CheckedText(f"00{i}", f"第{i}篇：我们认真学习了会议精神，结合本单位实际抓好落实。") for i in range(3)]
    CopyDetector(CopyConfig(paraphrase=False)).detect(texts, [CopySource("ref:RA1", "认真学习会议精神。")],
                          progress=lambda done, total: heard.append((done, total)))
    assert heard == [(0, 3), (1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("line, message", [
    ("    keywords: [乡村振兴，脱贫攻坚]", "topics.yaml 第5行：“keywords”列表中用了全角逗号“，”；请改成半角逗号“,”"),
    ("\u3000\u3000keywords: [乡村振兴]", "topics.yaml 第5行：缩进用了全角空格；请改用半角空格"),
    ("    keywords：[乡村振兴]", "topics.yaml 第5行：“keywords”后面是全角冒号“：”"),
])
def test_full_width_punctuation_in_topics_yaml_is_named_on_its_line(tmp_path, line, message):
    from pipeline.errors import ConfigError
    from pipeline.topiclist import TopicList

    path = tmp_path / "topics.yaml"
    path.write_text(f"quarter: 2026Q3\ntopics:\n  - id: T1\n    title: 题目：副题\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        TopicList.load(path)
    path.write_text("quarter: 2026Q3\ntopics:\n  - id: T1\n    title: 题目：副题，再副题\n    keywords: [乡村振兴, 脱贫]\n"
                    "    key_points: [要点一，要点二]\n", encoding="utf-8")  # in the text itself they are Chinese
    assert TopicList.load(path).topics[0].key_points == ("要点一，要点二",)
