"""Where xuexi keeps its folders, and writing outputs whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def workspace() -> Path:
    """The folder that holds outputs/ and models/: the project checkout xuexi runs from, or, for an installed
    wheel (no checkout around the package), the current folder."""
    return _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()


def write_json_atomic(path: Path, data: dict) -> None:
    """Write whole or not at all: a temporary file in the same folder, flushed, then renamed over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False)  # without indent, so the C encoder writes it: 10x faster
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
