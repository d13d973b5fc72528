"""HTML to print-ready PDF (WeasyPrint, fonts embedded), and the merged file for the print room."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration


@lru_cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@lru_cache
def _stylesheet(path: Path) -> CSS:
    return CSS(filename=str(path), font_config=_fonts())


def html_to_pdf(html: str, directory: Path, stylesheet: str) -> bytes:
    """One letter as PDF bytes; the stylesheet is parsed once per process."""
    document = HTML(string=html, base_url=str(directory))
    return document.write_pdf(
        stylesheets=[_stylesheet(directory / stylesheet)],
        font_config=_fonts(),
        pdf_identifier=b"tandem-letter",
        uncompressed_pdf=False,
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def merge(paths: Iterable[Path], out: Path, *, duplex: bool = True) -> int:
    """Concatenate letters into one file for the print room; returns the page count.

    With `duplex`, a letter with an odd number of pages is followed by a blank page, so every
    letter starts on a new sheet when printed on both sides.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for path in paths:
        reader = PdfReader(str(path))
        writer.append(reader)
        if duplex and len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(width=float(box.width), height=float(box.height))
    writer.compress_identical_objects()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        writer.write(fh)
    return len(writer.pages)


def merge_bytes(documents: Iterable[bytes]) -> bytes:
    """Several letters as one PDF in memory (a preview of every envelope of a case)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
