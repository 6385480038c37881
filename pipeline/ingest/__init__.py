"""Reading submissions: one `partition_<format>` function per file type, all returning the same `Element`s.

Takes a file (within ReaderLimits); gives its Elements (title, byline, headings, paragraphs, table rows), or a
XuexiError with a one-line reason.

The format is detected first and separately (by the file's bytes, then its suffix), so a .docx that is really
a PDF is read as a PDF and random bytes under any name get a clear reason instead of a crash."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Callable

from ..errors import ExtractionError, UnsupportedFormatError
from .elements import Element, ElementKind
from .limits import ReaderLimits, check_pdf, check_zip

MIN_CHINESE_CHARS = 10  # fewer Chinese characters than a line of prose (a date, a page number): nothing to score
MIN_CHINESE_SHARE = 0.3  # below this share of Chinese among letters, topics and copying cannot be judged


class FileFormat(str, Enum):
    TXT = "txt"
    DOCX = "docx"
    PDF = "pdf"
    DOC = "doc"
    IMAGE = "image"

    @property
    def suffixes(self) -> tuple[str, ...]:
        return {"txt": (".txt", ".text", ".md"), "docx": (".docx",), "pdf": (".pdf",), "doc": (".doc", ".wps"),
                "image": (".jpg", ".jpeg", ".png", ".tif", ".tiff")}[self.value]


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*")  # JPEG, PNG, TIFF (both byte orders)


def detect_format(path: Path) -> FileFormat:
    """The file's format, in this order: the magic bytes (%PDF; JPEG, PNG and TIFF images; a ZIP named .docx or holding word/document.xml;
    an OLE container for .doc/.wps), then the suffix. A suffix xuexi does not read raises UnsupportedFormatError naming the ones it does."""
    with open(path, "rb") as f:
        head = f.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return FileFormat.PDF
    if head.startswith(_IMAGE_MAGIC):
        return FileFormat.IMAGE
    if head.startswith(b"PK\x03\x04") and (suffix == ".docx" or _is_word_zip(path)):
        return FileFormat.DOCX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container is an old .doc/.wps, or a password-protected .docx (Word encrypts into OLE).
        return FileFormat.DOCX if suffix == ".docx" else FileFormat.DOC
    for fmt in FileFormat:
        if suffix in fmt.suffixes:
            return fmt
    known = ", ".join(s for fmt in FileFormat for s in fmt.suffixes)
    raise UnsupportedFormatError(f"{path.name}: '{suffix or 'no suffix'}' files are not read; submit one of {known}")


def _is_word_zip(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except Exception:  # BadZipFile, an unsupported ZIP version, a damaged directory: not a Word file we can read
        return False


def _readers() -> dict[FileFormat, Callable[..., list[Element]]]:
    from .docx import partition_docx
    from .image import partition_image
    from .legacy import partition_legacy
    from .pdf import partition_pdf
    from .txt import partition_txt

    return {FileFormat.TXT: partition_txt, FileFormat.DOCX: partition_docx, FileFormat.PDF: partition_pdf,
            FileFormat.DOC: partition_legacy, FileFormat.IMAGE: partition_image}


def partition(path: Path, *, author: str | None = None, limits: ReaderLimits = ReaderLimits()) -> list[Element]:
    """The elements of one submission, whatever its format, within `limits`. Raises XuexiError subclasses with a
    one-line reason."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError(f"{path.name}: empty file (0 bytes)")
    if size > limits.max_file_mb * 2**20:
        raise ExtractionError(
            f"{path.name}: {size / 2**20:.0f} MB is over the {limits.max_file_mb} MB limit for one submission; split it"
        )
    fmt = detect_format(path)
    if fmt is FileFormat.DOCX:
        check_zip(path, limits)
    elif fmt is FileFormat.PDF:
        check_pdf(path, limits)
    elements = _readers()[fmt](path, author=author)
    chars = sum(len(e.text) for e in elements)
    if not any(e.text.strip() for e in elements):
        raise ExtractionError(f"{path.name}: no text in the file")
    if chars > limits.max_text_chars:
        raise ExtractionError(
            f"{path.name}: {chars:,} characters is over the {limits.max_text_chars:,}-character limit for one submission; split it"
        )
    han = sum(1 for e in elements for c in e.text if "\u4e00" <= c <= "\u9fff")
    letters = sum(1 for e in elements for c in e.text if c.isalpha())
    if han < MIN_CHINESE_SHARE * letters:
        raise ExtractionError(
            f"{path.name}: not a Chinese document ({han / max(letters, 1):.0%} Chinese characters); xuexi reads Chinese study materials"
        )
    if han < MIN_CHINESE_CHARS:
        raise ExtractionError(f"{path.name}: 文件几乎没有文字（只有{han}个汉字），没有可以分析的内容")
    return elements


__all__ = ["Element", "ElementKind", "FileFormat", "ReaderLimits", "detect_format", "partition"]
