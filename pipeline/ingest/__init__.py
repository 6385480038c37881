"""Reading submissions: one `partition_<format>` function per file type, all returning the same `Element`s.

Takes a file (within ReaderLimits); gives its Elements (title, byline, headings, paragraphs, table rows), or a
XuexiError with a one-line reason.

The format is detected first and separately (by the file's bytes, then its suffix), so a .docx that is really
a PDF is read as a PDF and random bytes under any name get a clear reason instead of a crash."""

from __future__ import annotations

import zipfile
from enum import Enum
from pathlib import Path
from typing import Callable

from ..errors import ExtractionError, UnsupportedFormatError
from ..messages import N_
from .docx import partition_docx
from .elements import Element, ElementKind
from .image import partition_image
from .legacy import partition_legacy
from .limits import ReaderLimits, check_pdf, check_zip
from .ofd import partition_ofd
from .pdf import partition_pdf
from .txt import partition_txt

MIN_CHINESE_CHARS = 10  # fewer Chinese characters than a line of prose (a date, a page number): nothing to score
MIN_CHINESE_SHARE = 0.3  # below this share of Chinese among letters, topics and copying cannot be judged


class FileFormat(str, Enum):
    TXT = "txt"
    DOCX = "docx"
    PDF = "pdf"
    DOC = "doc"
    OFD = "ofd"
    IMAGE = "image"

    @property
    def suffixes(self) -> tuple[str, ...]:
        return {"txt": (".txt", ".text", ".md"), "docx": (".docx",), "pdf": (".pdf",), "doc": (".doc", ".wps"),
                "ofd": (".ofd",), "image": (".jpg", ".jpeg", ".png", ".tif", ".tiff")}[self.value]


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")  # JPEG, PNG, TIFF (both byte orders)


def detect_format(path: Path) -> FileFormat:
    """The file's format, in this order: the magic bytes (%PDF; JPEG, PNG and TIFF images; a ZIP named .docx or
    holding word/document.xml; a ZIP named .ofd or holding OFD.xml; an OLE container for .doc/.wps), then the
    suffix. A suffix xuexi does not read raises UnsupportedFormatError naming the ones it does."""
    with open(path, "rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return FileFormat.PDF
    if head.startswith(_IMAGE_MAGIC):
        return FileFormat.IMAGE
    if head.startswith(b"PK\x03\x04") and (suffix == ".docx" or _is_word_zip(path)):
        return FileFormat.DOCX
    if head.startswith(b"PK\x03\x04") and (suffix == ".ofd" or _zip_holds(path, "OFD.xml")):
        return FileFormat.OFD
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container is an old .doc/.wps, or a password-protected .docx (Word encrypts into OLE).
        return FileFormat.DOCX if suffix == ".docx" else FileFormat.DOC
    for fmt in FileFormat:
        if suffix in fmt.suffixes:
            return fmt
    known = ", ".join(s for fmt in FileFormat for s in fmt.suffixes)
    raise UnsupportedFormatError(N_("{name}: 不读取“{suffix}”文件；请提交以下格式之一：{known}",
                                    name=path.name, suffix=suffix or N_("无扩展名"), known=known))


def _is_word_zip(path: Path) -> bool:
    return _zip_holds(path, "word/document.xml")


def _zip_holds(path: Path, part: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return part in z.namelist()
    except Exception:  # BadZipFile, an unsupported ZIP version, a damaged directory: not a Word file we can read
        return False


def _readers() -> dict[FileFormat, Callable[..., list[Element]]]:
    return {FileFormat.TXT: partition_txt, FileFormat.DOCX: partition_docx, FileFormat.PDF: partition_pdf,
            FileFormat.DOC: partition_legacy, FileFormat.OFD: partition_ofd, FileFormat.IMAGE: partition_image}


def partition(path: Path, *, author: str | None = None, limits: ReaderLimits = ReaderLimits()) -> list[Element]:
    """The elements of one submission, whatever its format, within `limits`. Raises XuexiError subclasses with a
    one-line reason."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError(N_("{name}: 空文件（0 字节）", name=path.name))
    if size > limits.max_file_mb * 2**20:
        raise ExtractionError(
            N_("{name}: 文件有 {size:.0f} MB，超过每份材料 {limit} MB 的上限；请拆分后提交",
               name=path.name, size=size / 2**20, limit=limits.max_file_mb)
        )
    fmt = detect_format(path)
    if fmt in (FileFormat.DOCX, FileFormat.OFD):
        check_zip(path, limits)
    elif fmt is FileFormat.PDF:
        check_pdf(path, limits)
    elements = _readers()[fmt](path, author=author)
    chars = sum(len(e.text) for e in elements)
    if not any(e.text.strip() for e in elements):
        raise ExtractionError(N_("{name}: 文件中没有文字", name=path.name))
    if chars > limits.max_text_chars:
        raise ExtractionError(
            N_("{name}: 文件有 {chars:,} 字，超过每份材料 {limit:,} 字的上限；请拆分后提交",
               name=path.name, chars=chars, limit=limits.max_text_chars)
        )
    han = sum(1 for e in elements for c in e.text if "\u4e00" <= c <= "\u9fff")
    letters = sum(1 for e in elements for c in e.text if c.isalpha())
    if han < MIN_CHINESE_SHARE * letters:
        raise ExtractionError(
            N_("{name}: 不是中文材料（汉字只占 {share:.0%}）；本工具只读中文学习材料",
               name=path.name, share=han / max(letters, 1))
        )
    if han < MIN_CHINESE_CHARS:
        raise ExtractionError(N_("{name}: 文件几乎没有文字（只有{han}个汉字），没有可以分析的内容", name=path.name, han=han))
    return elements


__all__ = ["Element", "ElementKind", "FileFormat", "ReaderLimits", "detect_format", "partition"]
