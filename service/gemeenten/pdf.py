"""Bilingual HTML-to-PDF rendering for the hand-overs (work lists, parket dossiers).

Templates are Jinja2 files with strict variables (a missing value is an error, never a blank);
WeasyPrint turns them into A4 PDFs with embedded fonts.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.gemeenten import labels

BRUSSELS = ZoneInfo("Europe/Brussels")
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step otherwise


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


@lru_cache
def environment(template_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(d=fmt_date, dt=fmt_datetime, nl=labels.nl, fr=labels.fr, both=labels.both)
    return env


def render_html(template_dir: Path, name: str, context: dict[str, Any]) -> str:
    return environment(template_dir).get_template(name).render(**context)


def render_pdf(template_dir: Path, name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which the CLI rarely needs

    html = render_html(template_dir, name, context)
    return HTML(string=html, base_url=str(template_dir)).write_pdf()
