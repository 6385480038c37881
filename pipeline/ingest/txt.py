"""Plain-text submissions: the encoding is read from the bytes (BOM, UTF-16 NUL pattern, strict UTF-8, strict
GB18030), never assumed from the extension; a hard-wrapped text (copied out of a PDF) is re-joined."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import ExtractionError
from ..messages import N_
from .elements import Element
from .layout import Line, classify, is_hard_wrapped, join_lines, lines_from_wrapped_text

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file's bytes, trying in order: a byte-order mark, the NUL pattern of BOM-less UTF-16,
    strict UTF-8, strict GB18030 (which covers GBK and GB2312)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data[:65536]:
        # Text files hold no NUL bytes, except UTF-16 (every ASCII character, a line break included, has one).
        decoded = [d for d in (_try(data, "utf-16-le"), _try(data, "utf-16-be")) if d is not None]
        if decoded:
            return max(decoded, key=_chinese_share)
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ExtractionError(N_("{name}: 不是可读的文本（既非 UTF-8、UTF-16，也非 GB18030 编码）；请另存为 UTF-8 文本", name=name))


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _chinese_share(text: str) -> float:
    """Share of characters that are line breaks or everyday Chinese (GB2312), to choose between byte orders."""
    sample = text[:4000]
    good = 0
    for c in sample:
        if c in "\n\r":
            good += 1
        elif c >= "\u3000":
            try:
                c.encode("gb2312")
                good += 1
            except UnicodeEncodeError:
                pass
    return good / max(len(sample), 1)


def partition_txt(path: Path, *, author: str | None = None) -> list[Element]:
    """Elements of a .txt submission: one paragraph per line, or re-joined lines where the text is hard-wrapped."""
    text = decode_text(path.read_bytes(), path.name)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if is_hard_wrapped(raw_lines):
        lines = join_lines(lines_from_wrapped_text(raw_lines))
    else:
        lines = [Line(l.strip()) for l in raw_lines if l.strip()]
    return classify(lines, author=author)
