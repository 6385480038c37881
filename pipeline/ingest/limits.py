"""What one file may cost to read. A submission is a few thousand characters on a few pages; a file built to
exhaust the machine (a .docx whose XML unpacks to gigabytes, a PDF of a hundred thousand pages or one heavy
content stream drawn on every page) is refused with the limit it passed, and the rest of the batch is scored.

The checks before reading look at what the file declares (ZIP entry sizes, PDF page count and content streams);
what no declaration shows is bounded while reading: every file is read in a worker process whose address space
may grow by at most `memory_mb` and which gives up after `seconds_per_file` (`guarded`, where the platform allows).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from ..errors import ConfigError, ExtractionError
from ..messages import N_

MB = 1 << 20


@dataclass(frozen=True)
class ReaderLimits:
    """Limits of reading one file; every one is far above any real study submission."""

    max_file_mb: int = 100               # a .docx full of photographs can be large; its text is limited below
    max_text_chars: int = 1_000_000      # about 500 pages of text
    max_zip_entries: int = 5_000         # a Word file has tens of parts; media add hundreds at most
    max_unzipped_mb: int = 512           # what a .docx's parts declare they unpack to, all together
    max_pdf_pages: int = 1_000           # pages of one PDF
    max_pdf_content_mb: int = 64         # decoded page content streams, counted on every page that draws them
    memory_mb: int = 2_048               # address space a reading worker may add to what it inherited (the OCR
    #                                      engine's own is not counted: see engine_memory)
    seconds_per_file: int = 120          # wall-clock seconds to read one file

    def __post_init__(self):
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value < 1:
                raise ConfigError(N_("读取上限：{name} 应是不小于 1 的整数，而不是 {value}", name=name, value=repr(value)))


def check_zip(path: Path, limits: ReaderLimits) -> None:
    """Refuse a ZIP package (.docx, .ofd) whose entries or declared unpacked size pass the limits. Python's zipfile
    never unpacks more than an entry declares, so the declaration bounds what reading can cost."""
    try:
        with zipfile.ZipFile(path) as z:
            entries = z.infolist()
    except Exception:  # BadZipFile, an unsupported ZIP version, a damaged directory: the reader says which
        return
    if len(entries) > limits.max_zip_entries:
        raise ExtractionError(N_("{name}: 文件包含 {entries:,} 个部件，超过每个文件 {limit:,} 个的上限，不像正常的 Word 或 OFD 文件，"
                                 "已拒绝读取", name=path.name, entries=len(entries),
                                 limit=limits.max_zip_entries))
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_unzipped_mb * MB:
        raise ExtractionError(N_("{name}: 文件解压后有 {size:,.0f} MB，超过每个文件 {limit} MB 的解压上限，已拒绝读取",
                                 name=path.name, size=unpacked / MB, limit=limits.max_unzipped_mb))


def check_pdf(path: Path, limits: ReaderLimits) -> None:
    """Refuse a PDF with more pages than `max_pdf_pages` (counted by PDFium, which does not walk the pages), or whose
    pages draw more than `max_pdf_content_mb` of decoded content streams (a stream shared by many pages counts on
    each: it is interpreted on each)."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception:  # damaged or encrypted: the reader says which
        return
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages > limits.max_pdf_pages:
        raise ExtractionError(N_("{name}: PDF 有 {pages:,} 页，超过每个文件 {limit:,} 页的上限，已拒绝读取", name=path.name,
                                 pages=pages, limit=limits.max_pdf_pages))
    content = _pdf_content_bytes(path, stop_after=limits.max_pdf_content_mb * MB)
    if content > limits.max_pdf_content_mb * MB:
        raise ExtractionError(N_("{name}: PDF 页面内容流超过 {limit} MB 的上限（同一内容在多页重复绘制），已拒绝读取",
                                 name=path.name, limit=limits.max_pdf_content_mb))


def _pdf_content_bytes(path: Path, *, stop_after: int) -> int:
    total = 0
    sizes: dict[int, int] = {}  # a shared stream is decoded once
    try:
        with open(path, "rb") as f:
            document = PDFDocument(PDFParser(f))
            for page in PDFPage.create_pages(document):
                for stream in page.contents:
                    stream = resolve1(stream)
                    key = id(stream)
                    if key not in sizes:
                        sizes[key] = len(stream.get_data())
                    total += sizes[key]
                    if total > stop_after:
                        return total
    except Exception:  # damaged, encrypted: the reader says which
        return total
    return total


SECONDS_PER_OCR_PAGE = 60  # OCR reads a dense page in about 8 CPU seconds (30 s on a busy machine); a scan earns this
#                            much more time a page
MAX_OCR_PAGES = 40  # pages of one file read by OCR earn more time up to here (a submission is a few pages)


class ReadTimeout(ExtractionError):
    """Reading one file took longer than the limit."""


@contextlib.contextmanager
def time_limit(seconds: int, name: str):
    """Raise ReadTimeout in this thread after `seconds`, where the platform has SIGALRM and this is the main
    thread; elsewhere the block runs unbounded."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise ReadTimeout(N_("{name}: 读取超过每个文件 {seconds} 秒的时限，已停止（文件可能被构造成耗尽资源）", name=name,
                               seconds=seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    _extensions[:] = [0]
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        _extensions[:] = []


_extensions: list[int] = []  # OCR pages granted more time in the running time_limit; empty outside one


def extend_time_limit(seconds: int) -> None:
    """Give the running time_limit `seconds` more, for one page read by OCR (slow by nature, not by attack), at
    most MAX_OCR_PAGES times per file; outside a time limit nothing happens."""
    if not _extensions or _extensions[0] >= MAX_OCR_PAGES:
        return
    left = signal.alarm(0)
    signal.alarm(max(left, 1) + seconds)
    _extensions[0] += 1


def limit_memory(memory_mb: int) -> None:
    """Let this process's address space grow by at most `memory_mb` from what it is now (Linux and other systems
    with RLIMIT_AS and /proc; elsewhere nothing is set). Called in a reading worker when it starts."""
    try:
        import resource  # Unix only: elsewhere no limit is set

        resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory_mb * MB, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError):
        pass


@contextlib.contextmanager
def engine_memory():
    """Address space taken inside this block is the OCR engine's (its models, and buffers for a page image that
    MAX_PAGE_PIXELS and the engine's own 2000-pixel side bound whatever the file), not the file's: the limit
    that limit_memory set moves up by what the block took. OpenVINO reserves 1–2 GB and keeps it."""
    try:
        import resource  # Unix only: elsewhere no limit is set
    except ImportError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        yield
        return
    before = _address_space()
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft + max(0, _address_space() - before), hard))


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def memory_message(name: str, limits: ReaderLimits) -> str:
    return N_("{name}: 读取所需内存超过每个文件 {limit} MB 的限额，已停止（文件可能被构造成耗尽资源）", name=name,
              limit=limits.memory_mb)
