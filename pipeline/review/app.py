"""The review page's Flask app: server-rendered pages over the archive, forms without JavaScript.

    GET  /                                          the latest quarter's queue
    GET  /quarters/<q>?unit=&member=&topic=&level=&kind=&state=&page=
                                                    its documents ranked by concern (QuarterReport.ranked), filtered,
                                                    QUEUE_PAGE at a time
    GET  /quarters/<q>/documents/<doc_id>?at=       the report's document page with a form per flag and a verdict;
                                                    Alt+J / Alt+K go to the flag after / before `at`
    POST /quarters/<q>/documents/<doc_id>/flags/<key>   confirm or dismiss one flag, with a note
    POST /quarters/<q>/documents/<doc_id>/kinds/<kind>  confirm or dismiss every undecided flag of one kind at once
    POST /quarters/<q>/documents/<doc_id>/topics/<t>    correct the document's level on a topic, with a note
    POST /quarters/<q>/documents/<doc_id>/verdict       合格 / 需补学 / 退回修改, with a note
    GET  /members/<name>?unit=                      the member's documents across quarters (Archive.member_history)
    GET  /quarters/<q>/export, POST the same        the quarter's outputs (通报 draft …) written again from the archive
    GET  /quarters/<q>/export/<file>                one of them, downloaded
    GET, POST /login; POST /logout

The queue and the document pages are served from the quarter's view (pipeline.review.cache), read from the
archive once and brought up to date with the decisions before each page. Every decision is appended to the
archive's audit trail with the reviewer and the time (Archive.decide_*), so two reviewers deciding at once each
keep their decision; a page shows the latest as current. Attributed
quotations are shown, not queued: quoting with the source named is not a fault to confirm or dismiss. A passage
two members share (each flagged as copied from the other) is one finding: a decision on either side is recorded
on both. A form sent incomplete comes back with the error beside it and the choice kept. No page runs a script,
so the keyboard shortcuts for the next and the previous flag are access keys on two links whose targets the
server sets from the flag the reviewer is at (`?at=`, kept after each decision).

Safety (pipeline.review explains the choices): login with a reviewer account whenever the archive has one, else
the reviewer's name once per session; a CSRF token per session checked on every POST (Flask-WTF's CSRFProtect);
signed session cookies, HttpOnly and SameSite=Strict; document text escaped by Jinja's autoescape and, behind
that, a Content-Security-Policy that runs no script at all; pages marked not to be cached.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request,
                   send_from_directory, session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from ..archive import Archive
from ..errors import XuexiError
from ..util.files import write_json_atomic
from ..model import DOCUMENT_VERDICTS, FLAG_VERDICTS, CopiedPassage, FlagKind, Results, Source, SourceKind, Verdict
from ..report import QuarterReport, write_reports
from ..report.document_page import document_context
from ..report.html import OPTIONS, TEMPLATES, configure
from ..report.quarter import DIAGNOSIS_LABELS, FLAG_VERDICT_LABELS, DocumentFacts
from ..util.textnorm import fold
from .cache import FlagCounts, Quarters
from .passwords import hash_password, needs_rehash
from .signin import Busy, SignInConfig, SignInGuard, TooManyAttempts

HERE = Path(__file__).parent
NOTE_LIMIT = 2000  # characters of a decision's note
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
FLAG_KIND_LABELS = {kind.value: kind.label for kind in FlagKind}
QUEUE_PAGE = 200  # documents per queue page: a province's quarter has thousands, read most concerning first
BULK_KINDS = (FlagKind.COPIED, FlagKind.GENERIC)  # kinds decided all at once per document
PAGE_ORDER = {FlagKind.DIAGNOSIS: 0, FlagKind.COPIED: 1, FlagKind.GENERIC: 2}  # where each kind stands on the page
DISMISS_NEEDS_NOTE = "排除一条标注须写明理由（例如：已注明出处、属于正常表述）。"
STATES = {"open": "待审（有未审的标注或没有结论）", "done": "已审完"}
EXPORTED = ("tongbao.docx", "scores.xlsx", "scores.csv", "summary.html", "results.json")

pages = Blueprint("review", __name__)


@dataclass(frozen=True)
class Review:
    """What the app serves: the archive, the folder exports go into (one subfolder per batch), the guard of its
    sign-in, and the quarters' views the pages are served from."""

    archive: Archive
    exports: Path
    signin: SignInGuard
    quarters: Quarters


def create_app(archive: Archive, *, exports: Path | None = None, trusted_hosts: list[str] | None = None,
               https_proxy: bool = False, signin: SignInConfig | None = None) -> Flask:
    """The review app over `archive`, exporting into `exports` (default: the archive's folder, so outputs land
    where `xuexi report` puts them). `trusted_hosts`: the Host names it answers to, None for any; a page served on
    127.0.0.1 answers only to its own names, so a web page in the same browser cannot reach it by DNS rebinding.

    The session secret is new at every start (secrets.token_bytes): nothing secret is kept on disk, and
    restarting the server is how every session ends; a reviewer signs in again after a restart. A sign-in is also
    kept in the archive (review_sessions), so logging out, a changed password or a removed account ends it on
    the server, whatever the browser keeps. `https_proxy`: served behind an HTTPS reverse proxy on this machine,
    whose X-Forwarded-For and X-Forwarded-Proto are trusted; cookies are then sent over HTTPS only (Secure)."""
    app = Flask(__name__, static_folder=str(HERE / "static"), template_folder=str(HERE / "templates"))
    app.jinja_options = {**app.jinja_options, **OPTIONS}
    # the review's templates first, then the report's: the document page is the report's, with forms added
    app.jinja_loader = ChoiceLoader([FileSystemLoader(HERE / "templates"), FileSystemLoader(TEMPLATES)])
    configure(app.jinja_env)
    app.jinja_env.globals.update(FLAG_KIND_LABELS=FLAG_KIND_LABELS, DIAGNOSIS_LABELS=DIAGNOSIS_LABELS)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME="xuexi_review",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),  # a signed-in session lasts a working day at most
        MAX_CONTENT_LENGTH=256 * 1024,
        TRUSTED_HOSTS=trusted_hosts,
        SESSION_COOKIE_SECURE=https_proxy,
        WTF_CSRF_TIME_LIMIT=None,  # a form stays good as long as its session (PERMANENT_SESSION_LIFETIME)
        # the pages send no Referer (layout.html: no-referrer), so Flask-WTF's Referer check over HTTPS would
        # refuse every form; the token and SameSite=Strict cookies make the check
        WTF_CSRF_SSL_STRICT=False,
    )
    if https_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.extensions["xuexi_review"] = Review(archive, Path(exports) if exports else archive.path.parent,
                                            SignInGuard(signin or SignInConfig()), Quarters(archive))
    CSRFProtect(app)  # before the blueprint, so a POST without this session's token is refused first
    app.register_blueprint(pages)
    return app


def _review() -> Review:
    return current_app.extensions["xuexi_review"]


# -- safety: who is reviewing, CSRF, headers ---------------------------------------------------------------------

def _reviewer() -> str | None:
    """Who is deciding: the signed-in account (display name and user name) when the archive has accounts, else
    the name given at the start of the session; None when the session's sign-in has ended on the server."""
    archive = _review().archive
    open_, username = archive.session_user(session["sid"]) if session.get("sid") else (False, None)
    if not open_:
        return None
    if archive.users():
        user = archive.user(username) if username else None
        return f"{user['display_name']}（{user['username']}）" if user else None
    return session.get("name")


@pages.before_app_request
def _guard():
    if request.endpoint == "static" or request.routing_exception is not None:  # Flask answers 404, 405, bad Host
        return None
    g.reviewer = _reviewer()
    if g.reviewer is None and request.endpoint != "review.login":
        return redirect(url_for("review.login", next=request.full_path if request.query_string else request.path))
    return None


@pages.after_app_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":  # confidential pages stay out of the browser's cache
        response.headers["Cache-Control"] = "no-store"
    return response


@pages.app_errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if isinstance(error, SecurityError):  # a Host name this page does not answer to: no page, no links
        return error.get_response()
    return render_template("error.html", code=error.code, message=error.description), error.code


@pages.app_errorhandler(CSRFError)
def _csrf_refused(error: CSRFError):
    return render_template("error.html", code=400,
                           message="表单已失效（缺少或不符的安全令牌），请刷新页面后重新提交。"), 400


@pages.app_errorhandler(XuexiError)
def _archive_error(error: XuexiError):
    return render_template("error.html", code=404, message=str(error)), 404


@pages.route("/login", methods=["GET", "POST"])
def login():
    archive = _review().archive
    accounts = bool(archive.users())
    target = _local_target(request.values.get("next"))
    error = None
    if request.method == "POST":
        if accounts:
            username = request.form.get("username", "").strip()[:80]
            user = archive.user(username) if username else None
            try:
                right = _review().signin.check(username, request.remote_addr or "", request.form.get("password", ""),
                                               user["password_hash"] if user else None)
            except TooManyAttempts as wait:
                return _refused(429, f"尝试次数过多，请 {wait.retry_after} 秒后再试。", wait.retry_after)
            except Busy:
                return _refused(503, "登录请求过多，请稍后再试。", 1)
            if right:
                if needs_rehash(user["password_hash"]):  # an earlier xuexi's hash: kept from now on as werkzeug's
                    archive.upgrade_password(username, user["password_hash"], hash_password(request.form["password"]))
                _new_session(username, user=username)
                return redirect(target)
            error = "用户名或密码不正确。"
        else:
            name = " ".join(request.form.get("name", "").split())[:40]
            if name:
                _new_session(None, name=name)
                return redirect(target)
            error = "请填写审阅人姓名，每条审阅记录都会写上它。"
    return render_template("login.html", accounts=accounts, error=error, target=target), 401 if error else 200


def _refused(code: int, message: str, retry_after: int):
    response = current_app.make_response((render_template("error.html", code=code, message=message), code))
    response.headers["Retry-After"] = str(retry_after)
    return response


@pages.post("/logout")
def logout():
    if session.get("sid"):
        _review().archive.end_session(session["sid"])
    session.clear()
    return redirect(url_for("review.login"))


def _new_session(username: str | None, **who: str) -> None:
    """A fresh session for a reviewer who just signed in: nothing carried over (the CSRF token neither: the next
    page makes a new one), a new sign-in kept in the archive."""
    session.clear()
    session.update(who, sid=_review().archive.start_session(username))


def _local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this server only, never another site."""
    parts = urlsplit(target or "")
    # browsers drop tabs and line breaks from a URL and read /\host as //host
    if (not target or parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\")
            or not target.isprintable()):
        return url_for("review.home")
    return target


# -- the queue ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    doc: DocumentFacts
    counts: FlagCounts

    @property
    def flags(self) -> Counter:  # flags by kind
        return self.counts.kinds

    @property
    def open_flags(self) -> int:  # flags without a decision
        return self.counts.open

    @property
    def done(self) -> bool:
        """Every flag decided and a verdict given."""
        return not self.open_flags and self.doc.verdict is not None


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters, from the query string; empty is any. `level` applies to `topic`; a topic alone keeps
    the documents assessed on it and shows their level."""

    member: str = ""
    topic: str = ""
    level: str = ""
    kind: str = ""
    state: str = ""              # "open" or "done" (STATES)

    @classmethod
    def of(cls, args) -> "QueueFilter":
        return cls(**{name: args.get(name, "") for name in cls.__dataclass_fields__})

    def keeps(self, row: QueueRow) -> bool:
        level = row.doc.levels.get(self.topic)
        return ((not self.member or row.doc.member == self.member)
                and (not self.topic or level is not None and (not self.level or str(level) == self.level))
                and (not self.kind or row.flags[self.kind] > 0)
                and (not self.state or row.done == (self.state == "done")))


@pages.get("/")
def home():
    quarters = _review().archive.quarters()
    if not quarters:
        return render_template("error.html", code=200,
                               message="档案中还没有季度：请先用 xuexi score 对本季度材料评分。")
    latest = quarters[-1]
    return redirect(url_for("review.queue", quarter=latest["quarter"], unit=latest["unit"]))


@pages.get("/quarters/<quarter>")
def queue(quarter: str):
    review = _review()
    unit = request.args.get("unit") or None
    view = review.quarters.view(quarter, unit)
    chosen = QueueFilter.of(request.args)
    rows = [row for row in (QueueRow(doc, view.counts[doc.doc_id]) for doc in view.report.ranked) if chosen.keeps(row)]
    last = max(1, -(-len(rows) // QUEUE_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), last)
    shown = rows[(page - 1) * QUEUE_PAGE:page * QUEUE_PAGE]
    turn = {name: url_for("review.queue", quarter=quarter, **{**request.args, "page": n})
            for name, n in (("previous", page - 1), ("next", page + 1)) if 1 <= n <= last}
    return render_template("queue.html", report=view.report, rows=shown, matching=len(rows), page=page, pages=last,
                           turn=turn, first=(page - 1) * QUEUE_PAGE, chosen=chosen, quarter=quarter, unit=unit,
                           quarters=review.archive.quarters(), states=STATES, members=view.members)


# -- one document ------------------------------------------------------------------------------------------------

@pages.get("/quarters/<quarter>/documents/<doc_id>")
def document(quarter: str, doc_id: str):
    return _document_page(quarter, doc_id)


def _document_page(quarter: str, doc_id: str, *, refused: dict[str, dict] | None = None, status: int = 200):
    """The document page; `refused` maps a form's anchor to what was sent and why it was refused ({verdict,
    note, level, error}), shown beside that form with the choice kept."""
    archive = _review().archive
    unit = request.args.get("unit") or None
    report = _review().quarters.view(quarter, unit).report
    doc = report.document_by_id.get(doc_id)
    if doc is None:
        abort(404, f"{quarter} 没有材料 {doc_id}。")
    links = DocumentLinks(report, quarter, unit)
    own = archive.flags(quarter, doc_id, unit=unit)
    flags = {_anchor(f): f for f in own}
    shared = {}  # anchor -> (the other document, its link): one passage two members share
    for f in own:
        for other in _shared_passage(archive, quarter, unit, f):
            partner = report.document_by_id[other["doc_id"]]
            shared[_anchor(f)] = (partner, links[partner.doc_id] + f"#review-{_anchor(other)}")
    queued = [_anchor(f) for f in sorted((f for f in own if f["kind"] in PAGE_ORDER),
                                         key=lambda f: (PAGE_ORDER[f["kind"]], f["position"] or 0))]
    at = queued.index(request.args["at"]) if request.args.get("at") in queued else -1
    around = {"previous": at - 1 if at > 0 else None, "next": at + 1 if at + 1 < len(queued) else None}
    step = {name: url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id, at=queued[i])
            + f"#review-{queued[i]}" for name, i in around.items() if i is not None}
    context = document_context(report, doc, links)
    context.update(
        layout="layout.html", summary_page=url_for("review.queue", quarter=quarter, unit=unit), flags=flags,
        shared=shared, refused=refused or {}, step=step, position=(at + 1, len(queued)),
        undecided={kind: [f for f in own if f["kind"] == kind and f["verdict"] is None] for kind in BULK_KINDS},
        trail=archive.decisions(quarter, doc_id, unit=unit), quarter=quarter, unit=unit,
        member_page=url_for("review.member", name=doc.record.author, unit=unit) if doc.record.author else None,
        document_verdicts=DOCUMENT_VERDICTS)
    return render_template("document_review.html", **context), status


class DocumentLinks(Mapping):
    """doc_id -> its document page, for the documents of the quarter a page names (a copy source, a shared
    passage's other side): made when asked for, not for all of a quarter's thousands on every page."""

    def __init__(self, report: QuarterReport, quarter: str, unit: str | None):
        self.report, self.quarter, self.unit = report, quarter, unit

    def __getitem__(self, doc_id: str) -> str:
        if doc_id not in self.report.document_by_id:
            raise KeyError(doc_id)
        return url_for("review.document", quarter=self.quarter, unit=self.unit, doc_id=doc_id)

    def __iter__(self):
        return iter(self.report.document_by_id)

    def __len__(self) -> int:
        return len(self.report.document_by_id)


def _anchor(flag: dict) -> str:
    """The flag's id on the page: copied-1 for the first copied passage (as the report numbers them), or
    diagnosis-<name>."""
    if flag["kind"] == FlagKind.DIAGNOSIS:
        return f"diagnosis-{flag['text']}"
    return f"{flag['kind']}-{flag['position'] + 1}"


def _shared_passage(archive: Archive, quarter: str, unit: str | None, flag: dict) -> list[dict]:
    """The flags on the other side of a passage shared between two members: `flag` copies from document Y, and Y's
    copied flags naming this document as their source whose text is the passage this one copied."""
    if flag["kind"] != FlagKind.COPIED:
        return []
    copied = CopiedPassage.from_dict(flag["detail"])
    if copied.source is None or copied.source.kind is not SourceKind.DOC:
        return []
    ours, theirs = fold(flag["text"]), fold(copied.source_text or "")
    this = Source(SourceKind.DOC, flag["doc_id"])
    return [f for f in archive.flags(quarter, copied.source.name, unit=unit)
            if f["kind"] == FlagKind.COPIED and CopiedPassage.from_dict(f["detail"]).source == this
            and (fold(f["text"]) in theirs or theirs in fold(f["text"]) or fold(f["text"]) == ours)]


@pages.post("/quarters/<quarter>/documents/<doc_id>/flags/<key>")
def decide_flag(quarter: str, doc_id: str, key: str):
    archive = _review().archive
    unit = request.args.get("unit") or None
    flag = next((f for f in archive.flags(quarter, doc_id, unit=unit) if f["flag_key"] == key), None)
    back = url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id)
    if flag is None:
        flash("这条标注已不在档案中（本季度可能已重新评分），请看刷新后的页面。", "error")
        return redirect(back)
    anchor = _anchor(flag)
    choice, note = request.form.get("verdict", ""), _note()
    error = _refusal(choice, note)
    if error:
        return _document_page(quarter, doc_id, refused={anchor: {"verdict": choice, "note": note, "error": error}},
                              status=422)
    partners = _decide(archive, quarter, unit, flag, choice, note)
    flash(f"已记录：{FLAG_KIND_LABELS[flag['kind']]}标注{FLAG_VERDICT_LABELS[choice]}"
          + (f"，共用此段的{'、'.join(o['doc_id'] for o in partners)}同时记录" if partners else "") + "。", "ok")
    return redirect(url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id, at=anchor) + f"#review-{anchor}")


@pages.post("/quarters/<quarter>/documents/<doc_id>/kinds/<kind>")
def decide_kind(quarter: str, doc_id: str, kind: str):
    """Every undecided flag of one kind (套话, 复制) in one document, decided at once with one note."""
    archive = _review().archive
    unit = request.args.get("unit") or None
    if kind not in BULK_KINDS:
        abort(404, f"没有可批量审阅的标注类型 {kind}。")
    choice, note = request.form.get("verdict", ""), _note()
    error = _refusal(choice, note)
    if error:
        return _document_page(quarter, doc_id, refused={f"all-{kind}": {"verdict": choice, "note": note, "error": error}},
                              status=422)
    undecided = [f for f in archive.flags(quarter, doc_id, unit=unit) if f["kind"] == kind and f["verdict"] is None]
    for flag in undecided:
        _decide(archive, quarter, unit, flag, choice, note)
    flash(f"已记录：{len(undecided)} 处{FLAG_KIND_LABELS[kind]}标注{FLAG_VERDICT_LABELS[choice]}。", "ok")
    return redirect(url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id) + f"#{kind}")


def _decide(archive: Archive, quarter: str, unit: str | None, flag: dict, choice: str, note: str) -> list[dict]:
    """Record the reviewer's decision on `flag` and, for a passage two members share, on the other member's side
    too (one passage, one finding); returns those other flags."""
    archive.decide_flag(flag["flag_key"], reviewer=g.reviewer, verdict=choice, note=note)
    partners = _shared_passage(archive, quarter, unit, flag)
    done = FLAG_VERDICT_LABELS[choice].removeprefix("已")  # 确认, 排除
    for other in partners:
        archive.decide_flag(other["flag_key"], reviewer=g.reviewer, verdict=choice,
                            note=f"{note}（共用段落，随{flag['doc_id']}一并{done}）")
    return partners


def _refusal(choice: str, note: str) -> str | None:
    """Why a flag decision cannot be recorded as sent, or None."""
    if choice not in FLAG_VERDICTS:
        return "请选择“确认”或“排除”。"
    if choice == Verdict.DISMISS and not note:
        return DISMISS_NEEDS_NOTE
    return None


@pages.post("/quarters/<quarter>/documents/<doc_id>/topics/<topic_id>")
def correct_level(quarter: str, doc_id: str, topic_id: str):
    """A reviewer's level for this document on a topic, with the reason; the exports use it."""
    unit = request.args.get("unit") or None
    level, note = request.form.get("level", ""), _note()
    error = None
    if level not in ("0", "1", "2", "3"):
        error = "请选择更正后的层次（0–3）。"
    elif not note:
        error = "更正层次须写明理由（例如：第三段结合了本单位做法）。"
    if error:
        return _document_page(quarter, doc_id, refused={f"topic-{topic_id}": {"level": level, "note": note, "error": error}},
                              status=422)
    _review().archive.correct_level(quarter, doc_id, topic_id, reviewer=g.reviewer, level=int(level), note=note, unit=unit)
    flash(f"已记录：{topic_id} 层次更正为 {level}。", "ok")
    return redirect(url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id) + f"#topic-{topic_id}")


@pages.post("/quarters/<quarter>/documents/<doc_id>/verdict")
def decide_document(quarter: str, doc_id: str):
    unit = request.args.get("unit") or None
    choice = request.form.get("verdict", "")
    if choice not in DOCUMENT_VERDICTS:
        flash(f"请选择结论：{'、'.join(DOCUMENT_VERDICTS)}。", "error")
    else:
        _review().archive.decide_document(quarter, doc_id, reviewer=g.reviewer, verdict=choice, note=_note(), unit=unit)
        flash(f"已记录结论：{choice}。", "ok")
    return redirect(url_for("review.document", quarter=quarter, unit=unit, doc_id=doc_id) + "#verdict")


def _note() -> str:
    return request.form.get("note", "").strip()[:NOTE_LIMIT]


# -- a member across quarters ------------------------------------------------------------------------------------

@pages.get("/members/<path:name>")  # a name may hold any character, "/" too
def member(name: str):
    unit = request.args.get("unit") or None
    history = _review().archive.member_history(name, unit=unit)
    if not history:
        abort(404, f"档案中没有 {name} 的材料。")
    return render_template("member.html", name=name, unit=unit, history=history)


# -- export ------------------------------------------------------------------------------------------------------

@pages.route("/quarters/<quarter>/export", methods=["GET", "POST"])
def export(quarter: str):
    review = _review()
    unit = request.args.get("unit") or None
    report = review.quarters.view(quarter, unit).report
    folder = _export_folder(report.results, quarter)
    if request.method == "POST":
        results = review.archive.results(quarter, unit=unit)  # the archive's own word for what is written
        write_json_atomic(folder / "results.json", results)
        written = write_reports(results, folder).files
        flash(f"已根据审阅结论重新生成 {len(written) + 1} 个文件，保存在 {folder}。", "ok")
        return redirect(url_for("review.export", quarter=quarter, unit=unit))
    files = [{"name": name, "size": stat.st_size, "written": datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M")}
             for name in EXPORTED if (folder / name).is_file() for stat in [(folder / name).stat()]]
    return render_template("export.html", quarter=quarter, unit=unit, report=report, folder=folder, files=files)


@pages.get("/quarters/<quarter>/export/<name>")
def download(quarter: str, name: str):
    if name not in EXPORTED:
        abort(404, f"没有可下载的文件 {name}。")
    unit = request.args.get("unit") or None
    folder = _export_folder(_review().quarters.view(quarter, unit).report.results, quarter)
    return send_from_directory(folder, name, as_attachment=True)


def _export_folder(results: Results, quarter: str) -> Path:
    return _review().exports / (results.batch or quarter)
