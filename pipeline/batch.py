"""A quarter's batch folder: topics.yaml, manifest.csv, submissions/, references/, prior/ (see the README)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import ConfigError, printable
from .messages import N_
from .model import FailedFile, RosterEntry
from .topiclist import TopicList

# Which copy of a submission handed in twice (same name, two formats) is scored: the one closest to the
# author's original.
FORMAT_PREFERENCE = (".docx", ".doc", ".wps", ".txt", ".pdf", ".ofd")
MAX_MANIFEST_BYTES = 10_000_000  # manifest.csv, members.csv: a line per file or member, well under a megabyte


@dataclass
class Batch:
    root: Path
    topics: TopicList
    submissions: list[Path]
    references: dict[str, Path]
    prior: list[Path]
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)   # relative path -> row
    problems: list[FailedFile] = field(default_factory=list)           # found before any file is read
    skipped: list[FailedFile] = field(default_factory=list)            # hidden files, links: never read
    roster: list[RosterEntry] = field(default_factory=list)           # members.csv: who should hand in

    @property
    def name(self) -> str:
        return self.root.name

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @classmethod
    def open(cls, root: Path) -> "Batch":
        """Discover a batch. Raises ConfigError (unusable batch) for a missing folder or a bad topics.yaml;
        problems of single files (a manifest row naming a missing file, two files with one doc_id) are kept in
        `problems` so the rest of the batch is still scored."""
        root = Path(root)
        if not root.is_dir():
            raise ConfigError(N_("{path}: 没有这个批次文件夹", path=root))
        submissions_dir = root / "submissions"
        if not submissions_dir.is_dir():
            raise ConfigError(N_("{path}: 没有 submissions/ 文件夹；请把本季度的材料放进 {folder}", path=root,
                                    folder=submissions_dir))
        references_dir = root / "references"
        topics = TopicList.load(root / "topics.yaml", references_dir=references_dir)
        problems: list[FailedFile] = []
        skipped: list[FailedFile] = []
        files = batch_files(root, submissions_dir, skipped)
        chosen = _one_per_doc_id(root, files, problems)
        manifest = _read_manifest(root, chosen, skipped)
        references = {}
        for p in batch_files(root, references_dir, skipped, recursive=False):
            references.setdefault(p.stem, p)
        prior = batch_files(root, root / "prior", skipped)
        return cls(root, topics, chosen, references, prior, manifest, problems, skipped, _read_roster(root))


def batch_files(root: Path, folder: Path, skipped: list[FailedFile], *, recursive: bool = True) -> list[Path]:
    """The files of a batch subfolder that may be read, sorted. Only the batch is read: a file or folder that is a
    link leading outside the batch folder (or nowhere), a hidden file (.name) and an office lock file (~$name)
    are listed in `skipped` with the reason, never read. Links are followed only inside the batch."""
    inside = root.resolve()
    if not folder.exists() and not folder.is_symlink():
        return []
    if not _within(folder, inside):
        skipped.append(FailedFile(_shown(root, folder), N_("文件夹是指向批次文件夹以外的链接，已拒绝读取")))
        return []
    if not folder.is_dir():
        return []
    found = []
    for base, dirs, names in os.walk(folder):
        here = Path(base)
        for d in sorted(dirs):  # a linked folder is not walked unless it leads inside the batch
            if (here / d).is_symlink() and not _within(here / d, inside):
                skipped.append(FailedFile(_shown(root, here / d), N_("文件夹是指向批次文件夹以外的链接，已拒绝读取")))
        dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".") and _within(here / d, inside))
        for name in sorted(names):
            path = here / name
            reason = _refusal(path, inside)
            if reason:
                skipped.append(FailedFile(_shown(root, path), reason))
            elif path.is_file():
                found.append(path)
        if not recursive:
            break
    return sorted(found)


def _refusal(path: Path, inside: Path) -> str | None:
    if path.name.startswith("."):
        return N_("隐藏文件，已跳过")
    if path.name.startswith("~$"):
        return N_("Office 临时锁定文件，已跳过")
    if path.is_symlink() and not path.exists():
        return N_("链接指向的文件不存在，已跳过")
    if not _within(path, inside):
        return N_("是指向批次文件夹以外的链接，已拒绝读取")
    return None


def _within(path: Path, inside: Path) -> bool:
    try:
        return path.resolve().is_relative_to(inside)
    except (OSError, RuntimeError):  # a link loop
        return False


def _shown(root: Path, path: Path) -> str:
    """A path as the secretary sees it: relative to the batch folder, control characters escaped."""
    return printable(path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name)


def _read_manifest(root: Path, files: list[Path], skipped: list[FailedFile]) -> dict[str, dict[str, str]]:
    """manifest.csv's rows by the batch-relative path of the submission each names. A row may name its file as a
    secretary types it: the path under the batch (submissions/001_周建民_党课讲稿.txt), the bare file name, or the
    name without its extension. A row that names no submission is listed in `skipped`, once, as that row."""
    path = root / "manifest.csv"
    if not path.exists():
        return {}
    named: dict[str, Path] = {}
    for f in files:  # a stem first, so a full name or path wins over it
        named.setdefault(f.stem, f)
    for f in files:
        named[f.name] = named[f.relative_to(root).as_posix()] = f
    rows: dict[str, dict[str, str]] = {}
    for line, row in _csv_rows(path, "file", "file,author,doc_type,quarter"):
        name = (row.get("file") or "").strip().replace("\\", "/")
        if not name:
            continue
        found = named.get(name) or named.get(f"submissions/{name}")
        if found is None:
            skipped.append(FailedFile(N_("manifest.csv 第{line}行", line=line),
                                      N_("所列文件“{name}”不在 submissions/ 中，这一行未使用", name=printable(name))))
            continue
        rows[found.relative_to(root).as_posix()] = {
            k: (v or "").strip() for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
    return rows


def _csv_rows(path: Path, required: str, columns: str) -> Iterator[tuple[int, dict]]:
    """(line number, row) of a CSV file a secretary saves from Excel (UTF-8, with or without the byte-order mark).
    Raises ConfigError, with the line, for a file over MAX_MANIFEST_BYTES, a header without `required`, text that
    is not UTF-8, or a line that is not CSV (a field over csv's size limit, a NUL byte)."""
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ConfigError(N_("{name}: 超过 {limit:,} 字节；它每行只列一个文件或一名成员", name=path.name,
                               limit=MAX_MANIFEST_BYTES))
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        try:
            if not reader.fieldnames or required not in reader.fieldnames:
                raise ConfigError(N_("{name} 第1行：需要这些列：{columns}", name=path.name, columns=columns))
            for row in reader:
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise ConfigError(N_("{name} 第{line}行：不是 UTF-8 文本；请另存为“CSV UTF-8”", name=path.name,
                                   line=reader.line_num + 1)) from exc
        except csv.Error as exc:
            raise ConfigError(N_("{name} 第{line}行：无法按 CSV 读取（{cause}）", name=path.name, line=reader.line_num + 1,
                                   cause=exc)) from exc


def _read_roster(root: Path) -> list[RosterEntry]:
    """members.csv: the group's members (name, role, unit), so the reports can say who did not hand anything in.
    Optional; a row without a name is left out, a name given twice counts once."""
    path = root / "members.csv"
    if not path.exists():
        return []
    roster: dict[str, RosterEntry] = {}
    for _, row in _csv_rows(path, "name", "name,role,unit"):
        name = " ".join((row.get("name") or "").split())
        if name:
            roster.setdefault(name, RosterEntry(name, (row.get("role") or "").strip(), (row.get("unit") or "").strip()))
    return list(roster.values())


def _one_per_doc_id(root: Path, files: list[Path], problems: list[FailedFile]) -> list[Path]:
    """A doc_id is the file name without its extension, so two formats of one name would collide: the
    preferred format is scored and the other is reported."""
    by_stem: dict[str, list[Path]] = {}
    for p in files:
        by_stem.setdefault(p.stem, []).append(p)
    chosen = []
    for stem, group in sorted(by_stem.items()):
        group.sort(key=lambda p: FORMAT_PREFERENCE.index(p.suffix.lower()) if p.suffix.lower() in FORMAT_PREFERENCE else 99)
        chosen.append(group[0])
        for other in group[1:]:
            problems.append(FailedFile(
                other.relative_to(root).as_posix(),
                N_("与 {kept} 的编号“{stem}”相同（同一份材料的两种格式）；只评 {kept}", stem=stem, kept=group[0].name),
            ))
    return sorted(chosen)
