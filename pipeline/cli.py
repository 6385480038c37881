"""The `xuexi` command. It only parses options, calls the stages and prints; the work is in the stage modules.

Exit status: 0 all scored, 1 some file could not be scored (each listed with its reason), 2 unusable arguments
or batch (no such folder, a topics.yaml with errors)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .annotations import PARAGRAPHS
from .archive import Archive
from .errors import ConfigError, XuexiError, printable
from .util.files import workspace, write_json_atomic
from .messages import _, shown
from .semantic import list_backends
from .topiclist import TopicList
from .util.typer_words import typer_speaks_the_screen_language

typer_speaks_the_screen_language()
app = typer.Typer(add_completion=False, no_args_is_help=True, help=_("xuexi：理论学习中心组季度学习材料评阅。"))
topics_app = typer.Typer(no_args_is_help=True, help=_("检查或起草本季度的专题清单。"))


@app.callback()
def private_by_default() -> None:
    """Everything xuexi writes (outputs, caches, the archive) holds confidential documents: readable by this user
    only (files 0600, folders 0700)."""
    os.umask(0o077)
app.add_typer(topics_app, name="topics")

err = Console(stderr=True, soft_wrap=True)  # a reason stays on one line, however long
out = Console()
OUTPUTS = workspace() / "outputs"
ARCHIVE = OUTPUTS / "archive.sqlite"


@app.command(help=_("为一个季度的批次评分，写出 results.json，并把该季度存入学习档案。"))
def score(
    batch: Path = typer.Argument(..., help=_("本季度的批次文件夹（含 topics.yaml、submissions/、references/、prior/）。")),
    out_dir: Path = typer.Option(None, "--out", help=_("输出文件夹。"), show_default=_("outputs/<批次名>/")),
    semantic: str = typer.Option(None, "--semantic", help=_("语义模型（见 `xuexi models`）。"), show_default=_("当前启用的模型")),
    library: Path = typer.Option(None, "--library", help=_("另一个用来比对复制的文字文件夹（往年讲话、范文）。"), show_default=_("无")),
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
    engine: str = typer.Option("local", "--engine", help=_("local（本进程）或 dask（Dask 集群，见 docs/scale.md）。")),
    scheduler: str = typer.Option(None, "--scheduler", help=_("与 --engine dask 同用：调度器地址，如 tcp://10.0.0.5:8786。"), show_default=_("在本机启动的集群")),
    config_path: Path = typer.Option(None, "--config", help=_("覆盖默认阈值和权重的 YAML 文件（results.json 的 `config` 列出全部参数）。"), show_default=_("默认参数")),
    replace: bool = typer.Option(False, "--replace", help=_("即使会丢弃已归档的材料或审阅结论，也替换档案中的该季度。")),
) -> None:
    """Score a quarter's batch, write results.json and keep the quarter in the archive."""
    from .config import ScoringConfig  # spaCy and torch: loaded only by the commands that score or read
    from .engines.local import score_batch  # spaCy and torch: loaded only by the commands that score or read

    target = out_dir or OUTPUTS / batch.resolve().name
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(escape(shown(what)), total=total)
            bar.update(tasks[what], completed=done)

        try:
            config = ScoringConfig.load(config_path) if config_path else ScoringConfig()
            archive = Archive.open(archive_path or ARCHIVE)  # a bad archive fails in a second, not after minutes
            run = score_batch(batch, target, progress=progress, semantic=semantic, library=library, archive=archive,
                              engine=engine, scheduler=scheduler, config=config, replace=replace)
        except XuexiError as exc:
            _error(exc)
            raise typer.Exit(2)
    _summary(run)
    raise typer.Exit(1 if run.failed else 0)


def _error(exc: XuexiError | str) -> None:
    err.print(Text.assemble((_("错误："), "red"), shown(exc)))


def _require_file(path: Path) -> None:
    if not path.is_file():
        _error(_("{path}: 没有这个文件", path=path))
        raise typer.Exit(2)


def _summary(run) -> None:
    """One screen: what was scored, topic coverage per topic, and every file that failed with its reason."""
    results = run.results
    docs = results["documents"]
    quarter = results.get("quarter") or _("未写季度")
    table = Table(title=escape(f"xuexi — {results['batch']} ({quarter})"), show_header=False)
    table.add_row(_("已评分"), _("{documents} 篇材料，{chars:,} 字", documents=len(docs), chars=sum(d['chars'] for d in docs)))
    table.add_row(_("未能评分"), str(len(run.failed)))
    table.add_row(_("用时"), _("{seconds:.1f} 秒", seconds=run.seconds) + (_("（自上次运行以来没有变化：沿用上次的输出）")
                                                                       if run.unchanged else "")
                  + (_("（{reused} 篇材料所依据的内容未变，沿用上次的评定）", reused=run.reused) if run.reused else ""))
    table.add_row(_("结果"), escape(str(run.out_dir / "results.json")))
    err.print(table)
    topic_ids = [t["topic_id"] for t in docs[0]["topics"]] if docs else []
    if topic_ids:
        coverage = Table(title=_("专题覆盖（各等级的材料篇数）"))
        coverage.add_column(_("专题"))
        for name in (_("0 未涉及"), _("1 提及"), _("2 阐述"), _("3 学用结合")):
            coverage.add_column(name, justify="right")
        for tid in topic_ids:
            counts = [sum(1 for d in docs for t in d["topics"] if t["topic_id"] == tid and t["level"] == lv) for lv in range(4)]
            coverage.add_row(tid, *map(str, counts))
        err.print(coverage)
    if run.replaced:
        err.print(Text.assemble((_("已替换："), "yellow"),
                                _("{dropped}（审阅记录仍保留在审计记录中）", dropped=shown(run.replaced.describe()))))
    for label, style, files in ((_("未能评分"), "red", run.failed), (_("已跳过"), "yellow", run.results.get("skipped", []))):
        for f in files:
            err.print(Text.assemble((label, style), f" {printable(shown(f['file']))}: {printable(shown(f['error']))}"))
    if run.report_error:
        err.print(Text.assemble((_("报告："), "red"), shown(run.report_error)))
    else:
        err.print(escape(_("报告：{summary}（用浏览器打开）、tongbao.docx、scores.xlsx", summary=run.out_dir / "summary.html")))
        if run.pages and run.pages.rerun:
            err.print(escape(_("材料页：重写 {written} 页，{kept} 页内容未变、沿用原文件",
                               written=len(run.pages.written), kept=len(run.pages.kept))))


@app.command(help=_("不重新评分，从学习档案按审阅结论重新生成一个季度的输出。"))
def report(
    quarter: str = typer.Argument(..., help=_("季度，如 2026Q3。")),
    out_dir: Path = typer.Option(None, "--out", help=_("输出文件夹。"), show_default=_("outputs/<批次名>/")),
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
    unit: str = typer.Option(None, "--unit", help=_("档案中有多个单位的该季度时，指定单位。"), show_default=_("档案中唯一的单位")),
) -> None:
    """Rebuild a quarter's outputs from the archive, with the reviewers' decisions, without rescoring."""
    from .report import write_reports  # matplotlib: loaded only by the commands that write reports

    try:
        results = Archive.open(archive_path or ARCHIVE).results(quarter, unit=unit)
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(2)
    target = out_dir or OUTPUTS / (results.get("batch") or quarter)
    write_json_atomic(target / "results.json", results)
    for path in write_reports(results, target).files:
        err.print(escape(_("已写出 {path}", path=path)))


@app.command(help=_("列出本机安装的语义模型及当前启用的一个。"))
def models(models_dir: Path = typer.Option(None, "--models", help=_("模型文件夹。"), show_default=_("项目的 models/"))) -> None:
    """List the semantic backends installed here and which one is active."""
    table = Table("", _("模型"), _("类型"), _("位置"), _("说明"))
    for b in list_backends(models_dir):
        mark = _("启用") if b["active"] else ("" if b["available"] else _("不可用"))
        table.add_row(mark, b["name"], b["kind"], b["path"], b["note"])
    out.print(table)


@app.command(help=_("按流程所见打印一份材料：标题、署名、各级标题、段落、句子、引文。"))
def parse(
    file: Path = typer.Argument(..., help=_("一份材料（.docx、.pdf、.ofd、.txt、.doc，或扫描件：.jpg、.png、.tif）。")),
    as_json: bool = typer.Option(False, "--json", help=_("以 JSON 打印结构。")),
) -> None:
    """Print a document as the pipeline sees it: title, byline, headings, paragraphs, sentences, quotations."""
    from .submission import read_submission  # spaCy and torch: loaded only by the commands that score or read
    from .results import structure  # spaCy and torch: loaded only by the commands that score or read

    _require_file(file)
    try:
        submission = read_submission(file, batch_root=file.parent)
    except XuexiError as exc:
        err.print(Text.assemble((_("无法读取："), "red"), shown(exc)))
        raise typer.Exit(1)
    info = structure(submission)
    paragraphs = [
        {"kind": p.label_, "text": p.text, "sentences": [s.text.strip() for s in p.sents]} for p in submission.spans(PARAGRAPHS)
    ]
    if as_json:
        meta = {"doc_id": submission.doc_id, "author": submission.author, "doc_type": submission.doc_type,
                "format": submission.format, "chars": submission.chars}
        out.print_json(json.dumps({**meta, **info, "paragraph_list": paragraphs}, ensure_ascii=False))
        return
    out.print(Text(info["title"] or _("（无标题）"), style="bold"))
    out.print(_("署名：{byline}   作者：{author}   类型：{type}   格式：{format}   {chars:,} 字", byline=info["byline"] or "—",
                author=submission.author or "—", type=submission.doc_type or "—", format=submission.format,
                chars=submission.chars), markup=False)
    out.print(_("{paragraphs} 段，{sentences} 句", paragraphs=info["paragraphs"], sentences=info["sentences"]))
    out.print(Text(_("各级标题"), style="bold"))
    for h in info["headings"]:
        out.print("  " * h["level"] + h["text"], markup=False)
    out.print(Text(_("段落"), style="bold"))
    for i, p in enumerate(paragraphs, 1):
        out.print(f"{i:3} [{p['kind']}] " + _("{count} 句：", count=len(p["sentences"]))
                  + f"{p['text'][:60]}{'…' if len(p['text']) > 60 else ''}", markup=False)
    out.print(Text(_("引文"), style="bold"))
    for q in info["quotations"]:
        who = q["attribution"] or _("（未注明出处）")
        out.print(f"  {who} “{q['text']}”", markup=False)


@topics_app.command("check", help=_("检查 topics.yaml 并列出其中的专题。"))
def topics_check(file: Path = typer.Argument(..., help=_("一个 topics.yaml 文件。"))) -> None:
    """Validate a topics.yaml and list its topics."""
    refs = file.parent / "references"
    try:
        topics = TopicList.load(file, references_dir=refs if refs.is_dir() else None)
    except ConfigError as exc:
        _error(exc)
        raise typer.Exit(2)
    out.print(_("{file}: {count} 个专题，季度 {quarter}，单位 {unit}", file=file, count=len(topics), quarter=topics.quarter or "—",
                unit=topics.unit or "—"), markup=False)
    for t in topics:
        out.print("  " + _("{id}  {title}（{keywords} 个关键词，{points} 条要点，参考材料：{references}）", id=t.id, title=t.title,
                           keywords=len(t.keywords), points=len(t.key_points), references=", ".join(t.references) or "—"), markup=False)


@topics_app.command("import", help=_("根据学习计划起草 topics.yaml，供书记检查修改。"))
def topics_import(
    plan: Path = typer.Argument(..., help=_("学习计划（.docx、.pdf 或 .txt）：每个专题一个标题，要点列在下面。")),
    out_file: Path = typer.Option(None, "--out", help=_("草稿写到哪里。"), show_default=_("打印到屏幕")),
) -> None:
    """Draft a topics.yaml from a learning plan, for the secretary to check and edit."""
    from .topics.plan import draft_topics  # spaCy and torch: loaded only by the commands that score or read

    _require_file(plan)
    try:
        draft = draft_topics(plan)
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(1)
    if out_file is None:
        out.print(draft, markup=False, highlight=False, end="")
        return
    out_file.write_text(draft, encoding="utf-8")
    topics = TopicList.load(out_file)
    err.print(escape(_("已写出 {file}：起草了 {count} 个专题；请检查关键词，并为每个专题补上参考材料", file=out_file, count=len(topics))))


# -- the review page and its reviewer accounts -------------------------------------------------------------------

users_app = typer.Typer(no_args_is_help=True, help=_("审阅页面的审阅人账号。"))
app.add_typer(users_app, name="users")


@app.command(help=_("开启书记审阅页面：确认或排除标记、给出结论、导出通报草稿。"))
def review(
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
    host: str = typer.Option("127.0.0.1", "--host", help=_("服务地址；127.0.0.1 或 localhost 以外的地址需要审阅人账号。")),
    port: int = typer.Option(8000, "--port", help=_("服务端口。")),
    https_proxy: bool = typer.Option(False, "--https-proxy", help=_("在本机 HTTPS 反向代理之后提供服务：信任其 X-Forwarded-For/-Proto，Cookie 只经 HTTPS 发送。")),
) -> None:
    """Serve the secretaries' review page: confirm or dismiss flags, give verdicts, export the 通报 draft."""
    from .review import make_server  # Flask and the report's matplotlib: loaded only to serve

    try:
        # exports land where `xuexi report` writes, never beside an archive kept in a batch folder
        server = make_server(Archive.open(archive_path or ARCHIVE), host=host, port=port, https_proxy=https_proxy,
                             exports=OUTPUTS)
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(2)
    err.print(escape(_("审阅页面：http://{host}:{port}/（用浏览器打开；按 Ctrl+C 停止）", host=host, port=server.effective_port)))
    server.run()  # waitress returns from it on Ctrl+C


@users_app.command("add", help=_("在学习档案中添加审阅人账号；密码输入两次，不显示。"))
def users_add(
    username: str = typer.Argument(..., help=_("登录用的用户名。")),
    name: str = typer.Option(..., "--name", help=_("每条结论上显示的姓名，如 李红。")),
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
) -> None:
    """Add a reviewer account to the archive; asks for the password twice, without showing it."""
    from .review.passwords import hash_password  # the review package loads Flask and matplotlib

    password = typer.prompt(_("密码"), hide_input=True, confirmation_prompt=_("再输入一次"))
    try:
        archive = Archive.open(archive_path or ARCHIVE)
        archive.add_user(username, name, hash_password(password))
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(2)
    err.print(escape(_("已在 {path} 添加审阅人 {username}（{name}）；此后 `xuexi review` 要求每个人登录", path=archive.path, username=username, name=name)))


@users_app.command("remove", help=_("删除审阅人账号并结束其会话；其结论仍保留在审计记录中。"))
def users_remove(
    username: str = typer.Argument(..., help=_("要删除的账号的用户名。")),
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
    yes: bool = typer.Option(False, "--yes", help=_("不再询问确认。")),
) -> None:
    """Remove a reviewer account and end its sessions; its decisions stay in the audit trail."""
    if not yes:
        typer.confirm(_("删除审阅人 {username}？", username=username), abort=True)
    try:
        Archive.open(archive_path or ARCHIVE).remove_user(username)
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(2)
    err.print(escape(_("已删除审阅人 {username}；其会话已结束", username=username)))


@users_app.command("passwd", help=_("为审阅人设置新密码（输入两次，不显示）；用旧密码登录的会话全部结束。"))
def users_passwd(
    username: str = typer.Argument(..., help=_("要改密码的用户名。")),
    archive_path: Path = typer.Option(None, "--archive", help=_("学习档案文件。"), show_default="outputs/archive.sqlite"),
) -> None:
    """Set a reviewer's new password (asked twice, not shown); every session signed in with the old one ends."""
    from .review.passwords import hash_password  # the review package loads Flask and matplotlib

    password = typer.prompt(_("新密码"), hide_input=True, confirmation_prompt=_("再输入一次"))
    try:
        Archive.open(archive_path or ARCHIVE).set_password(username, hash_password(password))
    except XuexiError as exc:
        _error(exc)
        raise typer.Exit(2)
    err.print(escape(_("已修改 {username} 的密码；其会话已结束", username=username)))


if __name__ == "__main__":
    app()
