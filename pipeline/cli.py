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

from .errors import ConfigError, XuexiError, printable
from .files import workspace

app = typer.Typer(add_completion=False, no_args_is_help=True, help="xuexi: quarterly review of theory-study submissions.")
topics_app = typer.Typer(no_args_is_help=True, help="Check or draft the quarter's topic list.")


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


@app.command()
def score(
    batch: Path = typer.Argument(..., help="The quarter's batch folder (topics.yaml, submissions/, references/, prior/)."),
    out_dir: Path = typer.Option(None, "--out", help="Output folder [default: outputs/<batch name>/]."),
    semantic: str = typer.Option(None, "--semantic", help="Semantic backend (see `xuexi models`) [default: the active one]."),
    library: Path = typer.Option(None, "--library", help="A folder of texts to check copying against too (earlier speeches, templates)."),
    archive_path: Path = typer.Option(None, "--archive", help="The archive (学习档案) file [default: outputs/archive.sqlite]."),
    engine: str = typer.Option("local", "--engine", help="local (this process) or dask (a Dask cluster, see docs/scale.md)."),
    scheduler: str = typer.Option(None, "--scheduler", help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 [default: a cluster on this machine]."),
    config_path: Path = typer.Option(None, "--config", help="A YAML file of thresholds and weights that override the defaults (results.json's `config` lists them all)."),
    replace: bool = typer.Option(False, "--replace", help="Replace an archived quarter even if archived documents or reviewers' decisions are dropped."),
) -> None:
    """Score a quarter's batch, write results.json and keep the quarter in the archive."""
    from .config import ScoringConfig
    from .score import score_batch

    target = out_dir or OUTPUTS / batch.resolve().name
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        try:
            from .archive import Archive

            config = ScoringConfig.load(config_path) if config_path else ScoringConfig()
            archive = Archive.open(archive_path or ARCHIVE)  # a bad archive fails in a second, not after minutes
            run = score_batch(batch, target, progress=progress, semantic=semantic, library=library, archive=archive,
                              engine=engine, scheduler=scheduler, config=config, replace=replace)
        except XuexiError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
    _summary(run)
    raise typer.Exit(1 if run.failed else 0)


def _require_file(path: Path) -> None:
    if not path.is_file():
        err.print(f"[red]error:[/red] {path}: no such file")
        raise typer.Exit(2)


def _summary(run) -> None:
    """One screen: what was scored, topic coverage per topic, and every file that failed with its reason."""
    results = run.results
    docs = results["documents"]
    table = Table(title=f"xuexi — {results['batch']} ({results.get('quarter') or 'quarter not given'})", show_header=False)
    table.add_row("scored", f"{len(docs)} documents, {sum(d['chars'] for d in docs):,} characters")
    table.add_row("failed", str(len(run.failed)))
    table.add_row("time", f"{run.seconds:.1f} s" + (" (nothing changed since the last run: its outputs stand)"
                                                     if run.unchanged else ""))
    table.add_row("results", str(run.out_dir / "results.json"))
    err.print(table)
    topic_ids = [t["topic_id"] for t in docs[0]["topics"]] if docs else []
    if topic_ids:
        coverage = Table(title="topic coverage (documents per level)")
        coverage.add_column("topic")
        for name in ("0 未涉及", "1 提及", "2 阐述", "3 学用结合"):
            coverage.add_column(name, justify="right")
        for tid in topic_ids:
            counts = [sum(1 for d in docs for t in d["topics"] if t["topic_id"] == tid and t["level"] == lv) for lv in range(4)]
            coverage.add_row(tid, *map(str, counts))
        err.print(coverage)
    if run.replaced:
        err.print(f"[yellow]replaced:[/yellow] {escape(run.replaced.describe())}（审阅记录仍保留在审计记录中）")
    for f in run.failed:
        err.print(f"[red]failed[/red] {escape(printable(f['file']))}: {escape(printable(f['error']))}")
    for f in run.results.get("skipped", []):
        err.print(f"[yellow]skipped[/yellow] {escape(printable(f['file']))}: {escape(printable(f['error']))}")
    if run.report_error:
        err.print(f"[red]reports:[/red] {run.report_error}")
    else:
        err.print(f"reports: {run.out_dir / 'summary.html'} (open it in a browser), tongbao.docx, scores.xlsx")


@app.command()
def report(
    quarter: str = typer.Argument(..., help="The quarter, e.g. 2026Q3."),
    out_dir: Path = typer.Option(None, "--out", help="Output folder [default: outputs/<batch name>/]."),
    archive_path: Path = typer.Option(None, "--archive", help="The archive file [default: outputs/archive.sqlite]."),
    unit: str = typer.Option(None, "--unit", help="The unit, when the archive holds this quarter for several."),
) -> None:
    """Rebuild a quarter's outputs from the archive, with the reviewers' decisions, without rescoring."""
    from .archive import Archive
    from .files import write_json_atomic
    from .report import write_reports

    try:
        results = Archive.open(archive_path or ARCHIVE).results(quarter, unit=unit)
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    target = out_dir or OUTPUTS / (results.get("batch") or quarter)
    write_json_atomic(target / "results.json", results)
    for path in write_reports(results, target):
        err.print(f"wrote {path}")


@app.command()
def models(models_dir: Path = typer.Option(None, "--models", help="Model folder [default: models/ of the project].")) -> None:
    """List the semantic backends installed here and which one is active."""
    from .semantic import list_backends

    table = Table("", "backend", "kind", "from", "note")
    for b in list_backends(models_dir):
        mark = "active" if b["active"] else ("" if b["available"] else "unavailable")
        table.add_row(mark, b["name"], b["kind"], b["path"], b["note"])
    out.print(table)


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A submission (.docx, .pdf, .txt, .doc, or a scan: .jpg, .png, .tif)."),
    as_json: bool = typer.Option(False, "--json", help="Print the structure as JSON."),
) -> None:
    """Print a document as the pipeline sees it: title, byline, headings, paragraphs, sentences, quotations."""
    from .document import read_submission
    from .results import structure

    _require_file(file)
    try:
        submission = read_submission(file, batch_root=file.parent)
    except XuexiError as exc:
        err.print(f"[red]cannot read[/red] {exc}")
        raise typer.Exit(1)
    info = structure(submission)
    paragraphs = [
        {"kind": p.label_, "text": p.text, "sentences": [s.text.strip() for s in p.sents]} for p in submission.spans("paragraphs")
    ]
    if as_json:
        meta = {"doc_id": submission.doc_id, "author": submission.author, "doc_type": submission.doc_type,
                "format": submission.format, "chars": submission.chars}
        out.print_json(json.dumps({**meta, **info, "paragraph_list": paragraphs}, ensure_ascii=False))
        return
    out.print(f"[bold]{info['title'] or '(no title)'}[/bold]")
    out.print(f"byline: {info['byline'] or '—'}   author: {submission.author or '—'}   type: {submission.doc_type or '—'}"
              f"   format: {submission.format}   {submission.chars:,} characters")
    out.print(f"{info['paragraphs']} paragraphs, {info['sentences']} sentences")
    out.print("[bold]headings[/bold]")
    for h in info["headings"]:
        out.print("  " * h["level"] + h["text"], markup=False)
    out.print("[bold]paragraphs[/bold]")
    for i, p in enumerate(paragraphs, 1):
        out.print(f"{i:3} [{p['kind']}] {len(p['sentences'])} sentences: {p['text'][:60]}{'…' if len(p['text']) > 60 else ''}", markup=False)
    out.print("[bold]quotations[/bold]")
    for q in info["quotations"]:
        who = q["attribution"] or "(no attribution)"
        out.print(f"  {who} “{q['text']}”", markup=False)


@topics_app.command("check")
def topics_check(file: Path = typer.Argument(..., help="A topics.yaml.")) -> None:
    """Validate a topics.yaml and list its topics."""
    from .topiclist import TopicList

    refs = file.parent / "references"
    try:
        topics = TopicList.load(file, references_dir=refs if refs.is_dir() else None)
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    out.print(f"{file}: {len(topics)} topics, quarter {topics.quarter or '—'}, unit {topics.unit or '—'}")
    for t in topics:
        out.print(f"  {t.id}  {t.title}  ({len(t.keywords)} keywords, {len(t.key_points)} key points, references: {', '.join(t.references) or '—'})", markup=False)


@topics_app.command("import")
def topics_import(
    plan: Path = typer.Argument(..., help="A learning plan (学习计划) .docx, .pdf or .txt: a heading per 专题, points below."),
    out_file: Path = typer.Option(None, "--out", help="Where to write the draft [default: print it]."),
) -> None:
    """Draft a topics.yaml from a learning plan, for the secretary to check and edit."""
    from .plan import draft_topics
    from .topiclist import TopicList

    _require_file(plan)
    try:
        draft = draft_topics(plan)
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1)
    if out_file is None:
        out.print(draft, markup=False, highlight=False, end="")
        return
    out_file.write_text(draft, encoding="utf-8")
    topics = TopicList.load(out_file)
    err.print(f"wrote {out_file}: {len(topics)} topics drafted; check the keywords and add each topic's references")


# -- the review page and its reviewer accounts -------------------------------------------------------------------

users_app = typer.Typer(no_args_is_help=True, help="Reviewer accounts of the review page.")
app.add_typer(users_app, name="users")


@app.command()
def review(
    archive_path: Path = typer.Option(None, "--archive", help="The archive file [default: outputs/archive.sqlite]."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on; any but 127.0.0.1 or localhost needs reviewer accounts."),
    port: int = typer.Option(8000, "--port", help="Port to serve on."),
    https_proxy: bool = typer.Option(False, "--https-proxy", help="Served behind an HTTPS reverse proxy on this machine: trust its X-Forwarded-For/-Proto and send cookies over HTTPS only."),
) -> None:
    """Serve the secretaries' review page: confirm or dismiss flags, give verdicts, export the 通报 draft."""
    from .archive import Archive
    from .review import make_server

    try:
        # exports land where `xuexi report` writes, never beside an archive kept in a batch folder
        server = make_server(Archive.open(archive_path or ARCHIVE), host=host, port=port, https_proxy=https_proxy,
                             exports=OUTPUTS)
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    err.print(f"review page: http://{host}:{server.effective_port}/ (open it in a browser; Ctrl+C stops it)")
    server.run()  # waitress returns from it on Ctrl+C


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="The user name to sign in with."),
    name: str = typer.Option(..., "--name", help="The name shown on every decision, e.g. 李红."),
    archive_path: Path = typer.Option(None, "--archive", help="The archive file [default: outputs/archive.sqlite]."),
) -> None:
    """Add a reviewer account to the archive; asks for the password twice, without showing it."""
    from .archive import Archive
    from .review.passwords import hash_password

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        archive = Archive.open(archive_path or ARCHIVE)
        archive.add_user(username, name, hash_password(password))
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    err.print(f"added reviewer {username} ({name}) to {archive.path}; `xuexi review` now asks everyone to sign in")


@users_app.command("remove")
def users_remove(
    username: str = typer.Argument(..., help="The user name of the account to remove."),
    archive_path: Path = typer.Option(None, "--archive", help="The archive file [default: outputs/archive.sqlite]."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove a reviewer account and end its sessions; its decisions stay in the audit trail."""
    from .archive import Archive

    if not yes:
        typer.confirm(f"remove reviewer {username}?", abort=True)
    try:
        Archive.open(archive_path or ARCHIVE).remove_user(username)
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    err.print(f"removed reviewer {username}; their sessions have ended")


@users_app.command("passwd")
def users_passwd(
    username: str = typer.Argument(..., help="The user name whose password changes."),
    archive_path: Path = typer.Option(None, "--archive", help="The archive file [default: outputs/archive.sqlite]."),
) -> None:
    """Set a reviewer's new password (asked twice, not shown); every session signed in with the old one ends."""
    from .archive import Archive
    from .review.passwords import hash_password

    password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    try:
        Archive.open(archive_path or ARCHIVE).set_password(username, hash_password(password))
    except XuexiError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    err.print(f"changed the password of {username}; their sessions have ended")


if __name__ == "__main__":
    app()
