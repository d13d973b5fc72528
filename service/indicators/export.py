"""The indicators as files and terminal tables: CSV, XLSX, JSON and rich tables.

Every export carries its method: the school year, the run and its reference date, the end
reading's date, and, for published figures, the disclosure rule applied (in English, Dutch and
French); a cell the rule suppressed is written as "x" in CSV and XLSX and null in JSON.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd
from openpyxl import Workbook
from rich import box
from rich.console import Group
from rich.table import Column, Table

SUPPRESSED = "x"


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return SUPPRESSED
    if isinstance(value, dict):
        return "; ".join(f"{k} {v}" for k, v in value.items())
    return value


def method_lines(result: Any) -> list[str]:
    lines = [
        f"school year {result.school_year}; run {result.run_id}, reference date {result.reference_date}",
        f"end reading: {result.at or 'the cases as they stand'}",
    ]
    if result.nis_code:
        lines.append(f"restricted to gemeente {result.nis_code}")
    if result.rule:
        lines += [f"rule ({lang}): {result.rule[lang]}" for lang in ("en", "nl", "fr")]
    else:
        lines.append("detail for the joint cell and auditors: not for publication")
    return lines


def to_csv(result: Any) -> str:
    out = io.StringIO()
    for line in method_lines(result):  # comment lines before the header, as they are
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter=";")
    table = result.table.reset_index()
    writer.writerow(list(table.columns))
    for row in table.itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def to_xlsx(result: Any) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "indicator"
    for name, frame in (
        ("indicator", result.table.reset_index()),
        ("honest count", result.honest.reset_index()),
    ):
        sheet = ws if name == "indicator" else wb.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
    method = wb.create_sheet("method")
    for line in method_lines(result):
        method.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (None for suppressed or missing values), the index as `key`."""
    table = frame.reset_index() if frame.index.name else frame
    rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return [{str(k): v for k, v in r.items()} for r in rows]


def to_json(result: Any) -> str:
    body = {
        "school_year": result.school_year,
        "run_id": result.run_id,
        "reference_date": result.reference_date,
        "at": result.at,
        "by": result.by,
        "published": result.published,
        "rule": result.rule,
        "nis_code": result.nis_code,
        "rows": records(result.table),
        "honest_count": records(result.honest),
        "linkage": result.linkage,
    }
    return json.dumps(body, ensure_ascii=False, indent=2, default=str)


def _fmt(value: Any, missing: str) -> str:
    if value is None:
        return missing
    if isinstance(value, float) and pd.isna(value):
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def rich_table(
    frame: pd.DataFrame,
    title: str,
    columns: list[str],
    caption: str | None = None,
    missing: str = "-",
    wrap_first: bool = True,
) -> Table:
    """A terminal table of `columns`; None is shown as `missing` ("x" for a suppressed cell)."""
    first, *rest = columns
    table = Table(
        Column(first, overflow="fold", no_wrap=not wrap_first),
        *[Column(c, justify="right", no_wrap=True) for c in rest],
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
    )
    for row in frame.to_dict(orient="records"):
        table.add_row(*[_fmt(row.get(c), missing) for c in columns])
    return table


def name_column(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["name"] = [
        n if n == f else f"{n} / {f}" for n, f in zip(frame["label_nl"], frame["label_fr"], strict=True)
    ]
    return frame


def indicator_renderable(result: Any) -> Group:
    t = name_column(result.table)
    cols = ["name", "population", "start", "share_start", "end", "share_end"]
    head = rich_table(
        t,
        f"Absolute truancy {result.school_year} by {result.by} (start: run {result.run_id} on "
        f"{result.reference_date}; end: {result.at or 'now'})",
        cols,
        caption="population: register children of compulsory-school age; start: the run's residual; "
        "end: still unaccounted for; shares in %" + ("; x: suppressed" if result.published else ""),
        missing=SUPPRESSED if result.published else "-",
    )
    return Group(head, honest_renderable(result.honest, result.published), *method_lines(result)[2:])


def honest_renderable(frame: pd.DataFrame, published: bool) -> Table:
    if published:
        row = frame.drop(columns=["label_nl", "label_fr"]).iloc[0]
        flat = pd.DataFrame({"name": list(row.index), "children": list(row.to_numpy())})
        return rich_table(flat, "Honest count (published)", ["name", "children"], missing=SUPPRESSED)
    t = name_column(frame)
    t["accounted"] = ["yes" if a else "no" for a in t["accounted"]]
    t["details"] = [_cell(d) if d else "" for d in t["details"]]
    return rich_table(
        t,
        "Honest count: every child of the start reading in one end category",
        ["name", "accounted", "count", "details"],
        caption=f"total {int(frame['count'].sum()):,} = the start reading",
    )
