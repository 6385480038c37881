"""The secretaries' review page (学习秘书组审阅): `xuexi review` serves it on this machine, where secretaries go
through the quarter's documents by concern, confirm or dismiss each flag with the evidence beside it, give each
document a verdict and export the 通报 draft written from their decisions (pipeline.review.app has the pages).
Takes the archive; gives the pages, append-only decisions in the archive, and exported outputs.

Safe defaults, because the documents are confidential and the reviewers are not administrators:

- it serves on 127.0.0.1 unless told otherwise, and refuses any other address while the archive has no reviewer
  accounts (`xuexi users add`): without accounts nobody would need to sign in;
- with accounts every page needs a sign-in; passwords are kept as werkzeug's scrypt hashes
  (pipeline.review.passwords); guessing is slowed by a back-off per name and per address, and sign-ins end on
  the server at logout (pipeline.review.signin); every form carries Flask-WTF's CSRF token;
- waitress serves it (a pure-Python production WSGI server), nothing is fetched from the network and no page
  runs JavaScript. Connections are plain HTTP: across a network, put it behind an HTTPS reverse proxy on this
  machine (`xuexi review --https-proxy`: cookies are then Secure) or use a trusted network.
"""

from __future__ import annotations

from pathlib import Path

from waitress import create_server

from ..archive import Archive
from ..errors import ConfigError
from ..messages import N_
from .app import create_app

__all__ = ["LOCAL_HOSTS", "check_host", "create_app", "make_server"]

LOCAL_HOSTS = ("127.0.0.1", "localhost")  # reachable from this machine only
THREADS = 4                                # requests served at once


def check_host(archive: Archive, host: str) -> None:
    """Raise ConfigError when `host` is not this machine's own address and the archive has no reviewer account."""
    if host not in LOCAL_HOSTS and not archive.users():
        raise ConfigError(N_("拒绝在 {host} 上提供审阅页面：学习档案 {path} 还没有审阅人账号，网络上的任何人都能读到材料；"
                             "请先用 `xuexi users add 用户名 --name 显示名` 添加账号，或在 127.0.0.1 上提供",
                             host=host, path=archive.path))


def make_server(archive: Archive, *, host: str = "127.0.0.1", port: int = 8000, exports: Path | None = None,
                https_proxy: bool = False):
    """The waitress server of the review page, bound and ready to `run()`. Raises ConfigError for a host refused
    by check_host or an address that cannot be bound. `https_proxy`: see create_app."""
    check_host(archive, host)
    app = create_app(archive, exports=exports, trusted_hosts=list(LOCAL_HOSTS) if host in LOCAL_HOSTS else None,
                     https_proxy=https_proxy)
    try:
        return create_server(app, host=host, port=port, threads=THREADS, ident="xuexi")
    except OSError as exc:
        raise ConfigError(N_("无法在 {host}:{port} 上提供审阅页面（{cause}）；请换一个 --port 或 --host",
                             host=host, port=port, cause=exc.strerror or exc)) from exc
