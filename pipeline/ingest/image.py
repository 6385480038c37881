"""Page images (.jpg, .png, .tif, a multi-page .tif): a scanned or photographed submission, read by OCR page by
page and laid out by the same rules as a PDF's pages."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import ExtractionError
from ..messages import N_
from .elements import Element
from .limits import SECONDS_PER_OCR_PAGE, extend_time_limit
from .ocr import read_page, page_images
from .pdf import PageContent, elements_from_pages


def partition_image(path: Path, *, author: str | None = None) -> list[Element]:
    pages = []
    try:
        for number, (image, dpi) in enumerate(page_images(path), 1):
            extend_time_limit(SECONDS_PER_OCR_PAGE)
            pages.append(PageContent.of_ocr(read_page(image, number, dpi=dpi)))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ExtractionError(N_("{name}: 图像文件无法打开，可能已损坏；请重新扫描或导出", name=path.name)) from exc
    return elements_from_pages(path.name, pages, author)
