"""Whether a batch has changed since it was last scored into an output folder.

A rerun with nothing changed should cost a glance, not a scoring: copy detection and boilerplate statistics are
batch-wide, so one changed file changes every document's results, but an unchanged batch has nothing new to say.
`RunInputs` digests everything a results.json depends on: every file of the batch folder and of the reference
library (by content), the semantic backend (name and weights), the scoring configuration, xuexi's code and shipped phrase lists, and the
earlier quarters the archive supplies. The digest is written after results.json and the reports are complete,
so an interrupted run never leaves a digest that would skip its own completion."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Iterator

from .. import __version__
from ..errors import ConfigError
from ..messages import N_
from .files import write_json_atomic
from ..lexicon import PHRASES

# xuexi itself, the whole package (not util/ alone): a changed detector changes the results, version or not
CODE = Path(__file__).resolve().parents[1]
STATE_FILE = Path(".cache") / "last_run.json"
OUTPUTS = ("results.json", "summary.html", "tongbao.docx", "scores.csv", "scores.xlsx")
LOCK_FILE = Path(".cache") / "run.lock"
# Present while a run replaces the outputs: until it is gone, the folder may hold outputs of two runs.
INCOMPLETE = "INCOMPLETE.txt"
INCOMPLETE_TEXT = ("本文件夹中的输出正在更新，或上一次评分在写出结果时中断：结果文件与报告可能不属于同一次运行。"
                   "请重新运行 xuexi score，完成后此文件会自动删除。\n")


@contextlib.contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one run. A second run into the same folder refuses at once (ConfigError) instead
    of doing the whole work beside the first. The lock is the operating system's, so a run that is killed
    releases it with its process."""
    path = Path(out_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        if not _try_lock(f):
            f.seek(0)
            holder = f.read().strip() or "?"
            raise ConfigError(N_("输出文件夹 {folder} 正在被另一次评分使用（进程 {holder}）；请等它结束后再运行，"
                                 "或用 --out 指定另一个文件夹", folder=out_dir, holder=holder))
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        yield


def _try_lock(f) -> bool:
    try:
        import fcntl  # Unix's file locks
    except ImportError:  # Windows
        import msvcrt  # Windows' file locks

        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def mark_incomplete(out_dir: Path) -> None:
    """The outputs are about to be replaced: say so in the folder until `mark_complete`."""
    (Path(out_dir) / INCOMPLETE).write_text(INCOMPLETE_TEXT, encoding="utf-8")


def mark_complete(out_dir: Path) -> None:
    (Path(out_dir) / INCOMPLETE).unlink(missing_ok=True)


def _digest_folder(h, folder: Path, skip: Path | None = None) -> None:
    """Every file's name and bytes, but hidden files, __pycache__ and what lies under `skip`."""
    folder = folder.resolve()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                       and "__pycache__" not in p.parts and not (skip and p.is_relative_to(skip))):
        h.update(f"{path.relative_to(folder).as_posix()}\0".encode())
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of xuexi itself: its version, code and shipped phrase lists."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for folder in (CODE, PHRASES):
        h.update(f"\1{folder.name}\1".encode())
        _digest_folder(h, folder)
    return h.hexdigest()


class RunInputs:
    """The digest of what one scoring of `batch_dir` into an output folder reads."""

    def __init__(self, batch_dir: Path, *, library: Path | None, encoder: str, earlier: list[str],
                 archive: Path | None, out_dir: Path, config: str):
        h = hashlib.blake2b(digest_size=16)
        h.update(json.dumps([code_digest(), encoder, sorted(earlier), str(archive or ""), config]).encode())
        for folder in (Path(batch_dir), *([Path(library)] if library else [])):
            h.update(f"\1{folder.name}\1".encode())
            _digest_folder(h, folder, skip=Path(out_dir).resolve())  # outputs kept inside the batch are not inputs
        self.digest = h.hexdigest()

    def unchanged_since_last_run(self, out_dir: Path) -> bool:
        """True when the last complete run into out_dir read exactly these inputs and its outputs are all there."""
        try:
            state = json.loads((Path(out_dir) / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (state.get("inputs") == self.digest and all((Path(out_dir) / name).is_file() for name in OUTPUTS)
                and not (Path(out_dir) / INCOMPLETE).exists())

    def remember(self, out_dir: Path) -> None:
        write_json_atomic(Path(out_dir) / STATE_FILE, {"inputs": self.digest})

    @staticmethod
    def forget(out_dir: Path) -> None:
        """A run has started: until it completes, the folder's outputs are not those of any inputs."""
        (Path(out_dir) / STATE_FILE).unlink(missing_ok=True)
