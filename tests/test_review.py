"""The review page (pipeline.review) over an archive holding the dev batch as scored, one of its submissions
carrying `<script>alert(1)</script>` at the end of its text (flagged as boilerplate, so it is highlighted too).

Its safety through Flask's test client (where it may serve, sign-in, password hashes, CSRF, cookies, escaping,
Host names), what the decisions change in the exported outputs, and, in headless Chromium (Debian's
/usr/bin/chromium driven by Playwright, no browser download) against the waitress server `xuexi review` runs,
what a secretary does: open the queue, open a document, dismiss a flag with a note and find it kept after a
reload; see a submitted script as text; and two reviewers deciding on one document at once, both kept."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import threading
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from pipeline.archive import Archive
from pipeline.errors import ConfigError, XuexiError
from pipeline.model import Results, Source
from pipeline.report import QuarterReport
from pipeline.review import LOCAL_HOSTS, check_host, create_app, make_server
from pipeline.review.passwords import ScryptCost, hash_password, verify_password

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "<script>alert(1)</script>"
QUARTER = "2026Q3"
FAST = ScryptCost(ln=14)  # tests that only need an account; the default cost is checked once


@pytest.fixture(scope="module")
def quarter_results(dev_run) -> dict:
    results = copy.deepcopy(dev_run.results)
    doc = results["documents"][0]
    start = len(doc["text"]) + 1
    doc["text"] += "\n" + SCRIPT + "\n"
    doc["generic"].append({"text": SCRIPT, "kind": "slogan", "reasons": ["<b>不是粗体</b>"],
                           "start": start, "end": start + len(SCRIPT)})
    return results


@pytest.fixture
def archive(tmp_path, quarter_results) -> Archive:
    archive = Archive.open(tmp_path / "archive.sqlite")
    archive.store_quarter(quarter_results)
    return archive


@pytest.fixture
def app(archive, tmp_path):
    return create_app(archive, exports=tmp_path / "outputs", trusted_hosts=list(LOCAL_HOSTS))


def token(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))[1]


def signed_in(app, name: str = "李红"):
    """A test client whose session gave a reviewer's name (no accounts in the archive)."""
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": token(client.get("/login")), "name": name})
    assert response.status_code == 302
    return client


def document_url(doc_id: str, unit: str) -> str:
    return f"/quarters/{QUARTER}/documents/{quote(doc_id)}?unit={quote(unit)}"


def flag_action(html: str, anchor: str) -> str:
    """The form action of a flag's decision form on a document page."""
    form = re.search(rf'<form method="post" class="decide" id="decide-{anchor}"\s+action="([^"]+)"', html)
    return form[1].replace("&amp;", "&")


def first_flag(html: str) -> str:
    """The anchor (copied-1, diagnosis-…) of the first flag form on a document page."""
    return re.search(r'id="decide-((?:copied|generic|quoted)-\d+|diagnosis-\w+)"', html)[1]


def decide(client, doc_id: str, unit: str, anchor: str, verdict: str, note: str):
    page = client.get(document_url(doc_id, unit))
    return client.post(flag_action(page.get_data(as_text=True), anchor),
                       data={"csrf_token": token(page), "verdict": verdict, "note": note})


# ---- where it may serve, and who may use it

def test_review_refuses_other_addresses_until_reviewer_accounts_exist(archive):
    from typer.testing import CliRunner

    from pipeline.cli import app as cli

    for host in LOCAL_HOSTS:
        check_host(archive, host)
    with pytest.raises(ConfigError, match="拒绝在 0.0.0.0 上提供审阅页面：.*还没有审阅人账号"):
        check_host(archive, "0.0.0.0")
    result = CliRunner().invoke(cli, ["review", "--archive", str(archive.path), "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    [reason] = [line for line in result.output.splitlines() if line.strip()]
    assert reason.startswith("错误：拒绝在 0.0.0.0 上提供审阅页面") and "xuexi users add" in reason

    archive.add_user("lihong", "李红", hash_password("correct horse", FAST))
    check_host(archive, "0.0.0.0")


def test_users_add_asks_twice_and_keeps_only_a_scrypt_hash(archive):
    from typer.testing import CliRunner

    from pipeline.cli import app as cli

    result = CliRunner().invoke(cli, ["users", "add", "lihong", "--name", "李红", "--archive", str(archive.path)],
                                input="correct horse\ncorrect horse\n")
    assert result.exit_code == 0, result.output
    stored = archive.user("lihong")
    assert stored["display_name"] == "李红" and "correct horse" not in stored["password_hash"]
    assert stored["password_hash"].startswith("scrypt:131072:8:1$")
    assert verify_password("correct horse", stored["password_hash"])
    assert not verify_password("correct hors", stored["password_hash"])
    again = CliRunner().invoke(cli, ["users", "add", "lihong", "--name", "李红", "--archive", str(archive.path)],
                               input="another horse\nanother horse\n")
    assert again.exit_code == 2 and "中已有用户 lihong" in again.output


def test_password_hashes_are_salted_scrypt_carrying_their_parameters():
    first, second = hash_password("correct horse", FAST), hash_password("correct horse", FAST)
    assert first != second, "each hash has its own salt"
    method, salt, digest = first.split("$")
    assert method == "scrypt:16384:8:1" and len(salt) == 22
    assert bytes.fromhex(digest) == hashlib.scrypt(b"correct horse", salt=salt.encode(), n=2 ** 14, r=8, p=1, dklen=64)
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("Correct horse", first)
    assert not verify_password("correct horse", first[:-2] + ("aa" if first[-2:] != "aa" else "bb"))
    assert not verify_password("correct horse", "correct horse") and not verify_password("", "")
    assert not verify_password("correct horse", "md5:1$salt$00") and not verify_password("correct horse", "scrypt:x:8:1$s$00")
    for weak in ("short", "123456789", " " * 12, "\t" * 10):  # under 10 characters, or only white space
        with pytest.raises(XuexiError, match="至少需要 10 个字符"):
            hash_password(weak)


def earlier_xuexi_hash(password: str, salt: bytes = b"0123456789abcdef") -> str:
    """A hash as xuexi wrote it before werkzeug did the hashing: a PHC string, base64 without padding."""
    def b64(data):
        return base64.b64encode(data).decode("ascii").rstrip("=")

    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"$scrypt$ln=14,r=8,p=1${b64(salt)}${b64(digest)}"


def test_an_account_from_an_earlier_xuexi_signs_in_and_is_hashed_again(archive, app):
    old = earlier_xuexi_hash("correct horse")
    assert verify_password("correct horse", old) and not verify_password("correct hors", old)
    archive.add_user("lihong", "李红", old)
    client = app.test_client()
    login = client.get("/login")
    wrong = client.post("/login", data={"csrf_token": token(login), "username": "lihong", "password": "wrong horse"})
    assert wrong.status_code == 401 and archive.user("lihong")["password_hash"] == old, "kept until the right one"
    right = client.post("/login", data={"csrf_token": token(login), "username": "lihong", "password": "correct horse"})
    assert right.status_code == 302
    new = archive.user("lihong")["password_hash"]
    assert new.startswith("scrypt:131072:8:1$") and verify_password("correct horse", new)
    assert client.get(f"/quarters/{QUARTER}").status_code == 200, "the sign-in that upgraded the hash goes on"
    again = app.test_client()
    assert again.post("/login", data={"csrf_token": token(again.get("/login")), "username": "lihong",
                                      "password": "correct horse"}).status_code == 302
    assert archive.user("lihong")["password_hash"] == new, "a current hash is not written again"


def test_with_accounts_every_page_needs_a_sign_in(archive, app, quarter_results):
    archive.add_user("lihong", "李红", hash_password("correct horse", FAST))
    client = app.test_client()
    queue = f"/quarters/{QUARTER}"
    response = client.get(queue)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    login = client.get("/login")
    assert 'name="password"' in login.get_data(as_text=True) and 'name="name"' not in login.get_data(as_text=True)
    assert client.post("/login", data={"csrf_token": token(login), "name": "冒名"}).status_code == 401
    wrong = client.post("/login", data={"csrf_token": token(login), "username": "lihong", "password": "wrong horse"})
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.get_data(as_text=True)
    assert client.get(queue).status_code == 302

    right = client.post("/login", data={"csrf_token": token(login), "username": "lihong", "password": "correct horse",
                                        "next": "https://elsewhere.example/"})
    assert right.status_code == 302 and right.headers["Location"] == "/", "only ever back to this server"
    assert client.get(queue).status_code == 200
    doc, unit = QuarterReport(archive.results(QUARTER)).ranked[0], quarter_results["unit"]
    anchor = first_flag(client.get(document_url(doc.doc_id, unit)).get_data(as_text=True))
    assert decide(client, doc.doc_id, unit, anchor, "confirm", "").status_code == 302
    assert archive.decisions(QUARTER)[-1]["reviewer"] == "李红（lihong）"

    page = client.get(queue)
    assert client.post("/logout", data={"csrf_token": token(page)}).status_code == 302
    assert client.get(queue).status_code == 302


@pytest.mark.parametrize("target, lands", [
    ("/quarters/2026Q3?member=马俊", "/quarters/2026Q3?member=马俊"),
    ("https://elsewhere.example/", "/"),
    ("//elsewhere.example/", "/"),
    ("/\\elsewhere.example/", "/"),
    ("/\t/elsewhere.example/", "/"),
    ("quarters", "/"),
])
def test_signing_in_leads_back_to_this_server_only(app, target, lands):
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": token(client.get("/login")), "name": "李红", "next": target})
    assert response.status_code == 302 and unquote(response.headers["Location"]) == lands


def test_a_post_without_this_sessions_csrf_token_is_refused(archive, app, quarter_results):
    unit = quarter_results["unit"]
    doc = QuarterReport(archive.results(QUARTER)).ranked[0]
    client = signed_in(app)
    page = client.get(document_url(doc.doc_id, unit))
    html = page.get_data(as_text=True)
    anchor = first_flag(html)
    action = flag_action(html, anchor)
    form = {"verdict": "dismiss", "note": "有出处"}

    other = signed_in(app, "王芳")
    stolen = token(other.get("/login"))
    for sent in ({}, {"csrf_token": ""}, {"csrf_token": "x" * 43}, {"csrf_token": stolen}):
        refused = client.post(action, data={**form, **sent})
        assert refused.status_code == 400 and "表单已失效" in refused.get_data(as_text=True)
    assert archive.decisions(QUARTER) == []
    assert app.test_client().post("/login", data={"name": "无令牌"}).status_code == 400

    accepted = client.post(action, data={**form, "csrf_token": token(page)})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith(f"#review-{anchor}")
    [decision] = archive.decisions(QUARTER)
    assert (decision["reviewer"], decision["verdict"], decision["note"]) == ("李红", "dismiss", "有出处")


def test_session_cookie_and_headers_keep_pages_to_this_browser(app):
    client = app.test_client()
    login = client.get("/login")
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    csp = login.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "form-action 'self'" in csp
    assert login.headers["Cache-Control"] == "no-store" and login.headers["X-Frame-Options"] == "DENY"
    # a page on 127.0.0.1 answers only to its own names (no DNS rebinding from a web page)
    assert client.get("/login", headers={"Host": "elsewhere.example:8000"}).status_code == 400
    assert client.get("/login", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_markup_in_a_submission_and_in_a_note_shows_as_text(archive, app, quarter_results):
    scripted = quarter_results["documents"][0]
    client = signed_in(app, "<i>李红</i>")
    anchor = f"generic-{len(scripted['generic'])}"
    assert decide(client, scripted["doc_id"], quarter_results["unit"], anchor, "confirm",
                  "<img src=x onerror=alert(2)>").status_code == 302
    html = client.get(document_url(scripted["doc_id"], quarter_results["unit"])).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html and "<i>" not in html and "<b>不是粗体</b>" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "&lt;i&gt;李红&lt;/i&gt;" in html


# ---- the queue, a member's history, the outputs

def queue_doc_ids(html: str) -> list[str]:
    return [unquote(d) for d in re.findall(r'<td><a href="/quarters/[^/]+/documents/([^"?]+)', html)]


def test_the_queue_ranks_by_concern_and_filters(archive, app, quarter_results):
    client = signed_in(app)
    report = QuarterReport(archive.results(QUARTER))
    base = f"/quarters/{QUARTER}?unit={quarter_results['unit']}"
    assert queue_doc_ids(client.get(base).get_data(as_text=True)) == [d.doc_id for d in report.ranked]

    member = report.ranked[3].member
    assert queue_doc_ids(client.get(f"{base}&member={member}").get_data(as_text=True)) == \
        [d.doc_id for d in report.ranked if d.member == member]
    unstudied = [d.doc_id for d in report.ranked if d.levels.get("DA1") == 0]
    assert unstudied and queue_doc_ids(client.get(f"{base}&topic=DA1&level=0").get_data(as_text=True)) == unstudied
    copied = [d.doc_id for d in report.ranked if d.copied]
    assert len(copied) < len(report.ranked)
    assert queue_doc_ids(client.get(f"{base}&kind=copied").get_data(as_text=True)) == copied
    assert queue_doc_ids(client.get(f"{base}&state=done").get_data(as_text=True)) == []

    # a document with every flag decided and a verdict is done
    done = report.ranked[-1]
    for flag in archive.flags(QUARTER, done.doc_id):
        archive.decide_flag(flag["flag_key"], reviewer="李红", verdict="confirm")
    archive.decide_document(QUARTER, done.doc_id, reviewer="李红", verdict="合格")
    assert queue_doc_ids(client.get(f"{base}&state=done").get_data(as_text=True)) == [done.doc_id]
    assert done.doc_id not in queue_doc_ids(client.get(f"{base}&state=open").get_data(as_text=True))


def queue_row(html: str, doc_id: str) -> str:
    return re.search(rf'<tr>((?:(?!</tr>).)*/documents/{re.escape(quote(doc_id))}[?"](?:(?!</tr>).)*)</tr>', html, re.S)[1]


def test_the_pages_come_from_the_quarters_view_and_a_decision_shows_on_reload(archive, app, quarter_results,
                                                                              monkeypatch):
    unit = quarter_results["unit"]
    ranked = QuarterReport(archive.results(QUARTER)).ranked
    read = []  # what the pages read of the quarter: None for all of it, else the doc_ids read again
    results = Archive.results
    monkeypatch.setattr(Archive, "results", lambda self, quarter, *, unit=None, doc_ids=None: (
        read.append(None if doc_ids is None else sorted(doc_ids)), results(self, quarter, unit=unit, doc_ids=doc_ids))[1])
    client = signed_in(app)
    base = f"/quarters/{QUARTER}?unit={quote(unit)}"
    top, other = ranked[0], ranked[1]
    for _ in range(3):
        assert queue_doc_ids(client.get(base).get_data(as_text=True)) == [d.doc_id for d in ranked]
        assert client.get(document_url(top.doc_id, unit)).status_code == 200
    assert read == [None]  # read once, not for every page

    html = client.get(document_url(top.doc_id, unit)).get_data(as_text=True)
    anchor = first_flag(html)
    waiting = r'\d+ / \d+ / \d+ / \d+</td>\s*<td class="num">(?:<strong>)?(\d+)'  # the row's flags left to decide
    before = re.search(waiting, queue_row(client.get(base).get_data(as_text=True), top.doc_id))[1]
    assert decide(client, top.doc_id, unit, anchor, "dismiss", "已注明出处，误报").status_code == 302
    page = client.get(document_url(top.doc_id, unit)).get_data(as_text=True)
    assert "已注明出处，误报" in page
    row = queue_row(client.get(base).get_data(as_text=True), top.doc_id)
    assert re.search(waiting, row)[1] == str(int(before) - 1)
    assert read[0] is None and len(read) == 2 and top.doc_id in read[1] and len(read[1]) < len(ranked) / 4  # the decided
    # document again (with the other side of a passage two members share, decided with it), not the quarter

    # a decision another process writes into the archive shows on the next page as well
    archive.decide_document(QUARTER, other.doc_id, reviewer="王芳", verdict="退回修改", note="")
    assert '<strong class="verdict">退回修改</strong>' in queue_row(client.get(base).get_data(as_text=True), other.doc_id)
    assert read[-1] == [other.doc_id]

    # the quarter scored again, without a document: read whole
    rescored = copy.deepcopy(quarter_results)
    rescored["documents"] = [d for d in rescored["documents"] if d["doc_id"] != other.doc_id]
    archive.store_quarter(rescored)
    assert other.doc_id not in queue_doc_ids(client.get(base).get_data(as_text=True))
    assert read[-1] is None
    assert client.get(document_url(other.doc_id, unit)).status_code == 404


def test_a_report_revised_for_decided_documents_is_the_report_of_the_quarter_read_again(archive, quarter_results):
    before = QuarterReport(archive.results(QUARTER))
    copying, judged = next(d for d in before.ranked if d.copied), before.ranked[-1]
    for flag in archive.flags(QUARTER, copying.doc_id):
        if flag["kind"] == "copied":
            archive.decide_flag(flag["flag_key"], reviewer="李红", verdict="dismiss", note="有出处")
    archive.decide_document(QUARTER, judged.doc_id, reviewer="李红", verdict="需补学", note="")
    topic = next(t for t in judged.levels if judged.levels[t] < 3)
    archive.correct_level(QUARTER, judged.doc_id, topic, reviewer="李红", level=3, note="第三段联系了本单位")

    decided = Results.from_dict(archive.results(QUARTER, doc_ids=[copying.doc_id, judged.doc_id])).documents
    revised = before.revised(decided)
    again = QuarterReport(archive.results(QUARTER))

    def facts(report: QuarterReport):
        return ([(d.doc_id, d.concern.score, d.concern.rank, d.concern.reasons, d.verdict, d.levels, d.copy_ratio)
                 for d in report.ranked],
                [(m.name, m.levels, [d.doc_id for d in m.documents], m.missing_required) for m in report.members],
                report.totals(), report.results)

    assert facts(revised) == facts(again) and facts(revised) != facts(before)


def test_a_long_queue_comes_a_page_at_a_time_with_its_filters(archive, app, quarter_results, monkeypatch):
    from pipeline.review import app as pages

    monkeypatch.setattr(pages, "QUEUE_PAGE", 5)
    client = signed_in(app)
    report = QuarterReport(archive.results(QUARTER))
    copied = [d.doc_id for d in report.ranked if d.copied]
    assert len(copied) > 10
    url, shown = f"/quarters/{QUARTER}?unit={quote(quarter_results['unit'])}&kind=copied", []
    while url:
        html = client.get(url).get_data(as_text=True)
        shown.append(queue_doc_ids(html))
        link = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = link[1].replace("&amp;", "&") if link else None
    assert [len(page) for page in shown[:-1]] == [5] * (len(shown) - 1)
    assert sum(shown, []) == copied
    assert "第 2 / " in client.get(f"/quarters/{QUARTER}?kind=copied&page=2").get_data(as_text=True)


def test_a_members_history_shows_every_quarter_with_its_verdicts(archive, app, quarter_results):
    later = copy.deepcopy(quarter_results)
    later["quarter"] = "2026Q4"
    archive.store_quarter(later)
    doc = quarter_results["documents"][1]
    archive.decide_document(QUARTER, doc["doc_id"], reviewer="李红", verdict="退回修改", note="照搬较多")
    client = signed_in(app)
    html = client.get(f"/members/{doc['author']}?unit={quarter_results['unit']}").get_data(as_text=True)
    sections = html.split('<section class="quarter">')[1:]
    assert [re.search(r"<h2>(\w+)", s)[1] for s in sections] == [QUARTER, "2026Q4"]
    assert "退回修改" in sections[0] and "退回修改" not in sections[1]
    assert f"/quarters/2026Q4/documents/" in sections[1]
    # the document page links there
    page = client.get(document_url(doc["doc_id"], quarter_results["unit"])).get_data(as_text=True)
    assert f"{doc['author']}的历次学习材料" in page
    assert client.get("/members/不在档案里的人").status_code == 404


def test_a_member_whose_name_holds_a_slash_has_a_page(tmp_path, quarter_results):
    results = copy.deepcopy(quarter_results)
    results["documents"][0]["author"] = "欧阳/明"
    archive = Archive.open(tmp_path / "slash.sqlite")
    archive.store_quarter(results)
    client = signed_in(create_app(archive, exports=tmp_path / "outputs", trusted_hosts=list(LOCAL_HOSTS)))
    queue = client.get(f"/quarters/{QUARTER}").get_data(as_text=True)
    link = re.search(r'href="(/members/[^"]*)"[^>]*>欧阳/明<', queue)[1].replace("&amp;", "&")
    for url in (link, "/members/" + quote("欧阳/明", safe="")):
        page = client.get(url)
        assert page.status_code == 200 and "欧阳/明" in page.get_data(as_text=True)


def test_dismissed_passages_leave_the_ratios_only_where_no_standing_flag_covers_them():
    text = "甲乙丙丁戊己庚辛壬癸"
    review = {"verdict": "dismiss", "decisions": [{"verdict": "dismiss", "note": "有出处"}]}
    record = {"doc_id": "a", "author": "甲", "chars": 10, "text": text, "copy_ratio": 0.5, "generic_ratio": 0.2,
              "copied": [{"text": "甲乙丙丁", "start": 0, "end": 4, "source": "ref:A", "review": review},
                         {"text": "丙丁戊", "start": 2, "end": 5, "source": "ref:B"}],
              "generic": [{"text": "庚辛", "start": 6, "end": 8, "review": review}],
              "copy_ratios": {"per_source": {"ref:A": 0.4, "ref:B": 0.3},
                              "largest_source": {"source": "ref:A", "ratio": 0.4}},
              "diagnoses": {"theory_without_practice": {"reason": "学用“两张皮”：…", "review": review},
                            "work_report_not_study": None}}
    doc = QuarterReport({"documents": [record]}).documents[0]
    assert doc.scored_copy_ratio == 0.5 and doc.copy_ratio == pytest.approx(0.3)  # 甲乙 only; 丙丁 is still B's
    b = Source.parse("ref:B")
    assert doc.per_source == pytest.approx({b: 0.3}) and doc.largest_source == (b, pytest.approx(0.3))
    assert doc.generic_ratio == pytest.approx(0.0) and doc.scored_generic_ratio == 0.2
    assert doc.diagnoses == [] and [d.key for d in doc.dismissed_diagnoses] == ["theory_without_practice"]


def test_the_export_writes_the_tongbao_from_the_decisions(archive, app, quarter_results, tmp_path):
    import docx

    unit = quarter_results["unit"]
    before = QuarterReport(archive.results(QUARTER))
    line = before.config.flag_copy_ratio
    copying = next(d for d in before.ranked if d.copy_ratio >= line)
    unclean = next(d for d in before.documents if 3 in d.levels.values() and not before._clean(d) and d is not copying
                   and d.member not in {g.member for g in before.good_examples()})
    good = next(g for g in before.good_examples() if len(g.documents) == 1 and g.member != unclean.member)
    returned = next(d for d in before.documents if d not in (copying, unclean, *good.documents))

    client = signed_in(app)
    for n in range(1, len(copying.copied) + 1):
        assert decide(client, copying.doc_id, unit, f"copied-{n}", "dismiss", "有出处，误报").status_code == 302
    for doc, verdict, note in ((unclean, "合格", ""), (good.documents[0], "需补学", "未联系分管工作"),
                               (returned, "退回修改", "大段照搬")):
        page = client.get(document_url(doc.doc_id, unit))
        action = re.search(r'id="decide-document"\s+action="([^"]+)"', page.get_data(as_text=True))[1].replace("&amp;", "&")
        assert client.post(action, data={"csrf_token": token(page), "verdict": verdict, "note": note}).status_code == 302

    export = client.get(f"/quarters/{QUARTER}/export?unit={unit}")
    assert client.post(f"/quarters/{QUARTER}/export?unit={unit}", data={"csrf_token": token(export)}).status_code == 302
    out = tmp_path / "outputs" / quarter_results["batch"]
    text = "\n".join(p.text for p in docx.Document(out / "tongbao.docx").paragraphs)
    after = QuarterReport(archive.results(QUARTER))
    assert after.totals()["documents_copying"] == before.totals()["documents_copying"] - 1
    assert f"有{before.totals()['documents_copying'] - 1}篇材料文字复制比在20%以上" in text
    examples = {re.match(r"\d+．(.+?)同志在", p)[1] for p in text.split("\n") if re.match(r"\d+．.+同志在", p)}
    assert unclean.member in examples and good.member not in examples
    assert examples == {g.member for g in after.good_examples()}
    restudy = good.documents[0]
    # one line a member in 督促补学, the reviewers' notes in the annex
    assert f"{restudy.doc_type}经审阅需补学（审阅意见见附件）" in text and f"{restudy.member}同志：" in text
    assert f"{returned.doc_type}经审阅退回修改（审阅意见见附件），请修改后重新报送" in text
    assert f"{restudy.member}同志的{restudy.doc_type}：未联系分管工作。" in text
    assert f"{returned.member}同志的{returned.doc_type}：大段照搬。" in text

    # the other outputs carry the decisions too, and the export can be downloaded
    scores = (out / "scores.csv").read_text(encoding="utf-8-sig")
    assert any(row.startswith(returned.doc_id + ",") and row.endswith(",退回修改") for row in scores.splitlines())
    summary = (out / "summary.html").read_text(encoding="utf-8")
    row = re.search(rf'<tr>((?:(?!</tr>).)*>{re.escape(returned.doc_id)}</a>(?:(?!</tr>).)*)</tr>', summary, re.S)[1]
    assert '<td class="nowrap">退回修改</td>' in row
    page = (out / "documents" / f"{copying.doc_id}.html").read_text(encoding="utf-8")
    assert "审阅后复制比" in page and "已排除" in page and "有出处，误报" in page
    download = client.get(f"/quarters/{QUARTER}/export/tongbao.docx?unit={unit}")
    assert download.status_code == 200 and download.data == (out / "tongbao.docx").read_bytes()
    assert client.get(f"/quarters/{QUARTER}/export/..%2Farchive.sqlite?unit={unit}").status_code == 404


# ---- in the browser, against the server `xuexi review` runs

@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def served(archive, tmp_path):
    """The review page served by waitress on a free port of 127.0.0.1, as `xuexi review` serves it."""
    server = make_server(archive, host="127.0.0.1", port=0, exports=tmp_path / "outputs")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()


def open_as(chromium, base: str, name: str):
    """A browser of its own (cookies apart), signed in with `name`, on the queue; and the dialogs it saw."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/")
    page.fill("input[name=name]", name)
    page.click("form.login button[type=submit]")
    page.wait_for_selector("table.queue")
    return page, dialogs


def test_browser_dismiss_a_flag_with_a_note_and_find_it_after_a_reload(chromium, served, archive):
    page, _ = open_as(chromium, served, "王秘书")
    report = QuarterReport(archive.results(QUARTER))
    assert page.locator("table.queue tbody tr").count() == len(report.documents)
    assert page.locator("h1").inner_text() == "2026年第三季度学习材料审阅队列"
    page.locator("table.queue tbody tr").first.locator("td:nth-child(2) a").click()
    top = report.ranked[0]
    assert page.locator("h1").inner_text() == top.title

    form = page.locator("form.decide:not(#decide-document)").first
    anchor = form.get_attribute("id").removeprefix("decide-")
    form.locator("input[value=dismiss]").check()
    form.locator("input[name=note]").fill("已注明出处，属误报")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "已记录" in page.locator("p.flash").inner_text()

    page.reload()
    box = page.locator(f"#review-{anchor}")
    assert "已排除" in box.locator(".state").inner_text()
    assert "王秘书" in box.locator("ol.trail").inner_text() and "已注明出处，属误报" in box.inner_text()
    assert "已注明出处，属误报" in page.locator("#trail tbody").inner_text()
    if not anchor.startswith("diagnosis"):  # its passage stays marked, outlined as dismissed
        assert "dismissed" in page.locator(f"mark[data-mark='{anchor}']").first.get_attribute("class")
    [decision] = archive.decisions(QUARTER, top.doc_id)
    assert (decision["reviewer"], decision["verdict"], decision["note"]) == ("王秘书", "dismiss", "已注明出处，属误报")

    # printed, the forms give way to the decisions
    page.emulate_media(media="print")
    assert page.locator(f"#decide-{anchor}").is_hidden() and box.locator("ol.trail").is_visible()
    page.context.close()


def test_browser_a_submitted_script_shows_as_text_and_never_runs(chromium, served, quarter_results):
    page, dialogs = open_as(chromium, served, "王秘书")
    scripted = quarter_results["documents"][0]
    page.goto(served + document_url(scripted["doc_id"], quarter_results["unit"]))
    assert SCRIPT in page.locator("#fulltext").inner_text()
    assert SCRIPT in page.locator("#fulltext mark.generic").last.inner_text()
    assert page.evaluate("document.scripts.length") == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    page.context.close()


def test_browser_two_reviewers_deciding_on_one_document_at_once_both_kept(chromium, served, archive):
    first, _ = open_as(chromium, served, "甲秘书")
    second, _ = open_as(chromium, served, "乙秘书")
    doc = QuarterReport(archive.results(QUARTER)).ranked[0]
    for page in (first, second):  # both read the page before either decides
        page.locator("table.queue tbody tr").first.locator("td:nth-child(2) a").click()
        page.wait_for_selector("#decide-document")
    anchor = first.locator("form.decide:not(#decide-document)").first.get_attribute("id").removeprefix("decide-")

    def choose(page, form_id: str, verdict: str, note: str):
        form = page.locator(f"#{form_id}")
        form.locator(f"input[value='{verdict}']").check()
        form.locator("input[name=note]").fill(note)
        return form.locator("button[type=submit]")

    for first_choice, second_choice in (((f"decide-{anchor}", "dismiss", "甲：有出处"), (f"decide-{anchor}", "confirm", "乙：确属照搬")),
                                        (("decide-document", "合格", "甲：可以"), ("decide-document", "需补学", "乙：须补学"))):
        a, b = choose(first, *first_choice), choose(second, *second_choice)
        with first.expect_navigation(), second.expect_navigation():
            a.click(no_wait_after=True)
            b.click(no_wait_after=True)

    trail = archive.decisions(QUARTER, doc.doc_id)
    assert sorted((d["reviewer"], d["verdict"], d["note"]) for d in trail) == sorted([
        ("甲秘书", "dismiss", "甲：有出处"), ("乙秘书", "confirm", "乙：确属照搬"),
        ("甲秘书", "合格", "甲：可以"), ("乙秘书", "需补学", "乙：须补学")])
    flag_trail = [d for d in trail if d["flag_key"]]
    assert len({d["flag_key"] for d in flag_trail}) == 1
    for page in (first, second):
        page.reload()
        shown = page.locator("#trail tbody").inner_text()
        assert all(note in shown for note in ("甲：有出处", "乙：确属照搬", "甲：可以", "乙：须补学"))
        # the current verdicts are the later decisions
        current = {"confirm": "已确认", "dismiss": "已排除"}[flag_trail[-1]["verdict"]]
        assert current in page.locator(f"#review-{anchor} .state").inner_text()
        assert [d for d in trail if not d["flag_key"]][-1]["verdict"] in page.locator("#verdict p").first.inner_text()
        page.context.close()
