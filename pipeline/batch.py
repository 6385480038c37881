"""A quarter's batch folder: topics.yaml, manifest.csv, submissions/, references/, prior/ (see the README)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .topiclist import TopicList

# Which copy of a submission handed in twice (same name, two formats) is scored: the one closest to the
# author's original.
FORMAT_PREFERENCE = (".docx", ".doc", ".wps", ".txt", ".pdf")


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be scored, with the one-line reason shown to the secretary."""

    file: str
    error: str

    def to_dict(self) -> dict:
        return {"file": self.file, "error": self.error}


@dataclass
class Batch:
    root: Path
    topics: TopicList
    submissions: list[Path]
    references: dict[str, Path]
    prior: list[Path]
    manifest: dict[str, dict[str, str]] = field(default_factory=dict)   # relative path -> row
    problems: list[FailedFile] = field(default_factory=list)           # found before any file is read

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
            raise ConfigError(f"{root}: no such batch folder")
        submissions_dir = root / "submissions"
        if not submissions_dir.is_dir():
            raise ConfigError(f"{root}: no submissions/ folder; put the quarter's documents in {submissions_dir}")
        references_dir = root / "references"
        topics = TopicList.load(root / "topics.yaml", references_dir=references_dir)
        problems: list[FailedFile] = []
        manifest = _read_manifest(root, problems)
        files = sorted(p for p in submissions_dir.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")))
        chosen = _one_per_doc_id(root, files, problems)
        references = {}
        if references_dir.is_dir():
            for p in sorted(references_dir.iterdir()):
                if p.is_file() and not p.name.startswith("."):
                    references.setdefault(p.stem, p)
        prior_dir = root / "prior"
        prior = sorted(p for p in prior_dir.rglob("*") if p.is_file() and not p.name.startswith(".")) if prior_dir.is_dir() else []
        return cls(root, topics, chosen, references, prior, manifest, problems)


def _read_manifest(root: Path, problems: list[FailedFile]) -> dict[str, dict[str, str]]:
    path = root / "manifest.csv"
    if not path.exists():
        return {}
    rows: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ConfigError(f"manifest.csv line 1: needs the columns file,author,doc_type,quarter")
        for row in reader:
            line = reader.line_num
            name = (row.get("file") or "").strip()
            if not name:
                continue
            if not (root / name).is_file():
                problems.append(FailedFile(name, f"manifest.csv line {line} names {name}, which is not in the batch folder"))
                continue
            rows[name] = {k: (v or "").strip() for k, v in row.items() if k}
    return rows


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
                f"same doc_id '{stem}' as {group[0].name} (one submission in two formats); only {group[0].name} is scored",
            ))
    return sorted(chosen)
