"""Old Word (.doc) and WPS (.wps) files: converted to .docx by LibreOffice headless, then read as .docx."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExtractionError, UnsupportedFormatError
from ..messages import N_
from .docx import partition_docx
from .elements import Element

CONVERT_TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def partition_legacy(path: Path, *, author: str | None = None) -> list[Element]:
    binary = soffice()
    if binary is None:
        raise UnsupportedFormatError(
            N_("{name}: 读取 {suffix} 文件需要 LibreOffice；请安装（Debian/Ubuntu：apt-get install "
               "libreoffice-writer-nogui），或把文件另存为 .docx", name=path.name, suffix=path.suffix)
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
            raise ExtractionError(N_("{name}: LibreOffice 未能在 {seconds} 秒内完成转换", name=path.name,
                                     seconds=CONVERT_TIMEOUT_S)) from exc
        converted = Path(tmp, path.stem + ".docx")
        if result.returncode != 0 or not converted.exists():
            raise ExtractionError(N_("{name}: LibreOffice 无法转换（文件可能已损坏或加密）；请另存为 .docx", name=path.name))
        return partition_docx(converted, author=author)
