"""Sign-in to the review page against guessing and stolen cookies, tested against the real server (waitress serving
the review app on 127.0.0.1, requests as the browser): back-off after 20 wrong guesses, the same password hash
for unknown names, weak passwords refused, `xuexi users remove` / `passwd`, and sessions that end on the server."""

from __future__ import annotations

import hashlib
import re
import threading
from contextlib import contextmanager

import pytest
import requests
from typer.testing import CliRunner

from pipeline.archive import Archive
from pipeline.cli import app as cli
from pipeline.review import LOCAL_HOSTS, create_app
from pipeline.review.passwords import ScryptCost, hash_password
from pipeline.review.signin import SignInConfig

# waitress has no clean stop: closing the server while its loop waits in select() ends that thread with EBADF
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
FAST = ScryptCost(ln=14)
PASSWORD = "correct horse battery"


@pytest.fixture
def archive(tmp_path) -> Archive:
    archive = Archive.open(tmp_path / "archive.sqlite")
    archive.add_user("lihong", "李红", hash_password(PASSWORD, FAST))
    archive.add_user("wangfang", "王芳", hash_password(PASSWORD, FAST))
    return archive


@contextmanager
def serve(archive, **options):
    """The review app served by waitress on a free port of 127.0.0.1, as `xuexi review` serves it; its address."""
    from waitress import create_server

    app = create_app(archive, trusted_hosts=list(LOCAL_HOSTS), **options)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


@pytest.fixture
def server(archive):
    with serve(archive, signin=SignInConfig(backoff_s=3)) as base:
        yield base


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


def sign_in(base: str, username: str, password: str, browser: requests.Session | None = None) -> requests.Response:
    browser = browser or requests.Session()
    form = browser.get(base + "/login")
    return browser.post(base + "/login", data={"csrf_token": token(form.text), "username": username,
                                               "password": password}, allow_redirects=False)


def test_twenty_wrong_guesses_make_that_name_and_address_wait(server):
    import time

    for _ in range(20):
        assert sign_in(server, "lihong", "wrong guess here").status_code == 401
    for username, password in (("lihong", PASSWORD), ("wangfang", PASSWORD)):  # the right one waits too
        refused = sign_in(server, username, password)
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 3
        assert "秒后再试" in refused.text
    time.sleep(3.2)
    assert sign_in(server, "lihong", PASSWORD).status_code == 302


def test_an_unknown_name_costs_the_same_password_hash_as_a_known_one(server, monkeypatch):
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append((k["n"], k["r"], k["p"])) or real(*a, **k))
    assert sign_in(server, "nobody", "wrong guess here").status_code == 401
    assert sign_in(server, "lihong", "wrong guess here").status_code == 401
    assert len(calls) == 2
    default = ScryptCost()
    assert calls[0] == (2 ** default.ln, default.r, default.p)  # the dummy hash has the default cost of an account


def test_a_cookie_from_before_logout_is_refused(server):
    browser = requests.Session()
    assert sign_in(server, "lihong", PASSWORD, browser).status_code == 302
    stolen = dict(browser.cookies)
    home = browser.get(server + "/")
    assert home.status_code == 200
    assert browser.post(server + "/logout", data={"csrf_token": token(home.text)}, allow_redirects=False).status_code == 302
    replay = requests.get(server + "/", cookies=stolen, allow_redirects=False)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


@pytest.mark.parametrize("command", ["passwd", "remove"])
def test_users_passwd_and_remove_end_that_users_sessions(server, archive, command):
    lihong, wangfang = requests.Session(), requests.Session()
    assert sign_in(server, "lihong", PASSWORD, lihong).status_code == 302
    assert sign_in(server, "wangfang", PASSWORD, wangfang).status_code == 302
    args = ["users", command, "lihong", "--archive", str(archive.path)] + (["--yes"] if command == "remove" else [])
    result = CliRunner().invoke(cli, args, input="a new long password\na new long password\n")
    assert result.exit_code == 0, result.output
    assert lihong.get(server + "/", allow_redirects=False).status_code == 302
    assert wangfang.get(server + "/", allow_redirects=False).status_code == 200  # others stay signed in
    if command == "passwd":
        assert sign_in(server, "lihong", PASSWORD).status_code == 401
        assert sign_in(server, "lihong", "a new long password").status_code == 302
    else:
        assert archive.user("lihong") is None and sign_in(server, "lihong", PASSWORD).status_code == 401


def test_weak_passwords_are_refused_by_the_commands(archive):
    for weak in ("short", " " * 12):
        result = CliRunner().invoke(cli, ["users", "add", "zhaolei", "--name", "赵磊", "--archive", str(archive.path)],
                                    input=f"{weak}\n{weak}\n")
        assert result.exit_code == 2 and "至少需要 10 个字符" in result.output
    assert archive.user("zhaolei") is None


def test_behind_an_https_proxy_the_cookie_is_secure(archive):
    with serve(archive, https_proxy=True) as base:
        response = requests.get(base + "/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in response.headers["Set-Cookie"]
    with serve(archive) as base:
        assert "Secure" not in requests.get(base + "/login").headers["Set-Cookie"]
