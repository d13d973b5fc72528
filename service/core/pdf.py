"""The one HTML-to-PDF stack (Jinja2 + WeasyPrint) every domain renders through: letters to
families, gemeente work lists, the parket's dossier; and the PDF plumbing around it (hash, page
count, the print room's merged file).

Templates are Jinja2 files with strict variables (a missing value is an error, never a blank);
WeasyPrint turns them into A4 PDFs with embedded fonts. The font configuration and each stylesheet
are parsed once per process (a print batch renders thousands of letters).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from service.core import labels

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step otherwise


@lru_cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@lru_cache
def _stylesheet(path: Path) -> CSS:
    return CSS(filename=str(path), font_config=_fonts())


def html_to_pdf(
    html: str, base_dir: Path, *, stylesheet: str | None = None, identifier: bytes | None = None
) -> bytes:
    """HTML as PDF bytes. `base_dir` resolves the files the HTML links (its own stylesheet, images);
    `stylesheet` is one more, parsed once per process; `identifier` fixes the PDF's /ID."""
    document = HTML(string=html, base_url=str(base_dir))
    return document.write_pdf(
        stylesheets=[_stylesheet(base_dir / stylesheet)] if stylesheet else None,
        font_config=_fonts(),
        pdf_identifier=identifier,
        uncompressed_pdf=False,
    )


@lru_cache
def environment(template_dir: Path) -> Environment:
    """The hand-overs' templates: strict variables, bilingual label and date filters."""
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        d=labels.fmt_date, dt=labels.fmt_datetime, nl=labels.nl, fr=labels.fr, both=labels.both
    )
    return env


def render_html(template_dir: Path, name: str, context: dict[str, Any]) -> str:
    return environment(template_dir).get_template(name).render(**context)


def render_pdf(template_dir: Path, name: str, context: dict[str, Any]) -> bytes:
    """Template `name` of `template_dir`, filled with `context`, as PDF bytes."""
    return html_to_pdf(render_html(template_dir, name, context), template_dir)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def merge(paths: Iterable[Path], out: Path, *, duplex: bool = True) -> int:
    """Concatenate letters into one file for the print room; returns the page count.

    With `duplex`, a letter with an odd number of pages is followed by a blank page, so every
    letter starts on a new sheet when printed on both sides.
    """
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
    """Several PDFs as one, in memory (a preview of every envelope of a case)."""
    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
