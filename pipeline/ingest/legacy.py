"""Old Word (.doc) and WPS (.wps) files: converted to .docx by LibreOffice headless, then read as .docx."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExtractionError, UnsupportedFormatError
from .docx import partition_docx
from .elements import Element

CONVERT_TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def partition_legacy(path: Path, *, author: str | None = None) -> list[Element]:
    binary = soffice()
    if binary is None:
        raise UnsupportedFormatError(
            f"{path.name}: {path.suffix} files need LibreOffice to be read; install it "
            "(Debian/Ubuntu: apt-get install libreoffice-writer-nogui) or save the file as .docx"
        )
    with tempfile.TemporaryDirectory(prefix="xuexi-convert-") as tmp:
        # A private profile, so a LibreOffice the user has open does not block the conversion.
        profile = Path(tmp, "profile").as_uri()
        try:
            result = subprocess.run(
                [binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "docx",
                 "--outdir", tmp, str(path)],
                capture_output=True, timeout=CONVERT_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExtractionError(f"{path.name}: LibreOffice did not convert it within {CONVERT_TIMEOUT_S} s") from exc
        converted = Path(tmp, path.stem + ".docx")
        if result.returncode != 0 or not converted.exists():
            raise ExtractionError(f"{path.name}: LibreOffice could not convert it (damaged or encrypted?); save it as .docx")
        return partition_docx(converted, author=author)
