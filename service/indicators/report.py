"""The bilingual yearly report (PDF through the one WeasyPrint stack in service.core.pdf).

The report is for publication: every count in it went through disclosure control (the indicator
per gemeente and the honest count with secondary suppression; the workload tables with it where
they add up, primary suppression elsewhere), and its method section states the rule, the
reference date and the run's linkage quality. Charts are PNG, embedded in the HTML.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.core import clock, pdf
from service.core.reference import gemeenten
from service.indicators import charts, honest, multiyear, publish, reading, timeliness
from service.indicators.disclosure import TOTAL, suppress
from service.indicators.frames import YearData, load_year

TEMPLATES = Path(__file__).with_name("templates")
X = "x"
WORK_COUNTS = ["made", "answered", "open", "overdue"]
STATUS_LABELS = {  # the run's statuses, as the method section names them
    "not_compulsory": ("niet leerplichtig", "non soumis à l'obligation"),
    "enrolled": ("ingeschreven", "inscrits"),
    "home_educated": ("huisonderwijs", "enseignement à domicile"),
    "exempted": ("vrijgesteld of ander onderwijs", "dispensés ou autre enseignement"),
    "in_review": ("ter controle", "à vérifier"),
    "residual": ("restlijst", "liste résiduelle"),
}


def _png(image: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(image).decode()


def _v(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return X
    if digits:
        return f"{float(value):.{digits}f}".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def _both(nl: str, fr: str) -> str:
    return nl if nl == fr else f"{nl} / {fr}"


def _primary(values: pd.Series, threshold: int) -> pd.Series:
    return values.astype(object).where(~((values > 0) & (values < threshold)), None)


def _indicator_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "name": _both(r["label_nl"], r["label_fr"]),
            "total": key == TOTAL,
            **{c: _v(r[c]) for c in ("population", "start", "end")},
            **{c: _v(r[c], 2) for c in ("share_start", "share_end")},
        }
        for key, r in table.iterrows()
    ]


def _honest_rows(data: YearData, at: datetime | None, threshold: int, hidden: bool) -> list[dict[str, Any]]:
    pivot = publish.honest_pivot(honest.honest_children(data, at), "region")
    out, _ = publish.publish_honest(pivot, "region", threshold, hidden)
    row = out.iloc[0]
    rows = [
        {
            "name": _both(c.nl, c.fr),
            "accounted": "ja / oui" if c.accounted else "nee / non",
            "count": _v(row[c.key]),
            "total": False,
        }
        for c in honest.CATEGORIES
    ]
    return rows + [{"name": "Totaal / Total", "accounted": "", "count": _v(row[TOTAL]), "total": True}]


def _stage_rows(stages: pd.DataFrame, threshold: int) -> list[dict[str, Any]]:
    rows = []
    for r in stages.to_dict(orient="records"):
        entered = _primary(pd.Series([r["entered"]]), threshold).iloc[0]
        rows.append(
            {
                "name": _both(r["label_nl"], r["label_fr"]),
                "entered": _v(entered),
                "median_days": _v(r["median_days"] if entered is not None else None, 1),
                "p90_days": _v(r["p90_days"] if entered is not None else None, 1),
                "past_due": _v(_primary(pd.Series([r["past_due"]]), threshold).iloc[0]),
            }
        )
    return rows


def _published_stages(stages: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The stage table as the chart may draw it: no durations where the count is suppressed."""
    hidden = (stages["entered"] > 0) & (stages["entered"] < threshold)
    return stages.assign(
        median_days=stages["median_days"].where(~hidden), p90_days=stages["p90_days"].where(~hidden)
    )


def _gemeente_rows(work: pd.DataFrame, threshold: int) -> list[dict[str, Any]]:
    if work.empty:
        return []
    s = suppress(work.set_index("nis_code")[WORK_COUNTS], threshold, row_totals=False, col_totals=True)
    shown = s.published()
    names = {k: v.name for k, v in gemeenten().items()}
    medians = work.set_index("nis_code")["median_answer_days"]
    rows = []
    for nis, r in shown.iterrows():
        median = medians.get(nis) if nis != TOTAL and r["answered"] is not None else None
        rows.append(
            {
                "name": "Totaal / Total" if nis == TOTAL else names.get(str(nis), str(nis)),
                "total": nis == TOTAL,
                **{c: _v(r[c]) for c in WORK_COUNTS},
                "median_answer_days": _v(median, 1),
            }
        )
    return rows


def _year_rows(years: pd.DataFrame, threshold: int) -> list[dict[str, Any]]:
    rows = []
    for r in years.to_dict(orient="records"):
        hidden = 0 < r["start"] < threshold
        rows.append(
            {
                "school_year": r["school_year"],
                "share_start": _v(None if hidden else r["share_start"], 2),
                "share_end": _v(None if hidden or 0 < r["end"] < threshold else r["share_end"], 2),
                "in_previous_residual": _v(
                    _primary(pd.Series([r["in_previous_residual"]]), threshold).iloc[0]
                )
                if r["in_previous_residual"] is not None
                else "-",
                "esl_share": _v(r["esl_share"], 2) if r["esl_share"] is not None else "-",
            }
        )
    return rows


def report_context(session: Session, school_year: str, at: datetime | None, threshold: int) -> dict[str, Any]:
    """Everything the template shows, already published (suppressed cells as "x")."""
    data = load_year(session, school_year)
    now = at or clock.now()
    table, s = publish.publish_indicator(reading.indicator_table(data, "gemeente", at), threshold)
    hidden = publish.start_total_hidden(s)
    stages = timeliness.stage_table(data, now)
    years = multiyear.years_table(session)
    region = _indicator_rows(table.iloc[[-1]])[0]
    linkage = _linkage(data)
    statuses = data.run_counts.get("statuses", {})
    rule = publish.rule(threshold)
    return {
        "title_nl": f"Absoluut schoolverzuim in Brussel, schooljaar {school_year}",
        "title_fr": f"L'absentéisme absolu à Bruxelles, année scolaire {school_year}",
        "school_year": school_year,
        "reference_date": data.reference_date,
        "end_nl": f"toestand op {now:%d/%m/%Y}" if at is None else f"op {at:%d/%m/%Y}",
        "end_fr": f"situation au {now:%d/%m/%Y}" if at is None else f"au {at:%d/%m/%Y}",
        "region": region,
        "by_gemeente": _indicator_rows(table),
        "honest": _honest_rows(data, at, threshold, hidden),
        "stages": _stage_rows(stages, threshold),
        "gemeenten": _gemeente_rows(timeliness.gemeente_workload(data, now), threshold),
        "parket": _parket(timeliness.parket_workload(data, now), threshold),
        "years": _year_rows(years, threshold) if len(years) > 1 else [],
        "method_number": 5 if len(years) > 1 else 4,
        "linkage": linkage,
        "statuses_nl": ", ".join(f"{STATUS_LABELS.get(k, (k, k))[0]} {_v(v)}" for k, v in statuses.items()),
        "statuses_fr": ", ".join(f"{STATUS_LABELS.get(k, (k, k))[1]} {_v(v)}" for k, v in statuses.items()),
        "rule_nl": rule["nl"],
        "rule_fr": rule["fr"],
        "charts": {
            "indicator": _png(charts.indicator_by_gemeente(table)),
            "funnel": _png(charts.funnel(_published_honest_frame(data, at, threshold, hidden))),
            "stages": _png(charts.stage_durations(_published_stages(stages, threshold))),
            "trend": _png(charts.trend(multiyear.trend(years))),
        },
    }


def _published_honest_frame(
    data: YearData, at: datetime | None, threshold: int, hidden: bool
) -> pd.DataFrame:
    """The honest count as the funnel chart draws it: suppressed categories marked."""
    pivot = publish.honest_pivot(honest.honest_children(data, at), "region")
    return publish.categories_frame(publish.publish_honest(pivot, "region", threshold, hidden)[0].iloc[0])


def _linkage(data: YearData) -> dict[str, Any]:
    counts = data.run_counts
    verdict = (counts.get("model_health") or data.run_health or {}).get("verdict", "unknown")
    return {
        "run_id": data.run_id,
        "children": _v(counts.get("children", int(data.counts["n"].sum()))),
        "pending_review": _v(counts.get("residual_pending_review", 0)),
        "model_verdict": verdict,
    }


def _parket(p: dict[str, Any], threshold: int) -> dict[str, str]:
    small = [k for k in ("referrals", "decided") if 0 < p[k] < threshold]
    return {
        "referrals": X if small else _v(p["referrals"]),
        "decided": X if small else _v(p["decided"]),
        "median_decision_days": _v(None if small else p["median_decision_days"], 1),
    }


def render_report(
    session: Session,
    actor: Actor,
    *,
    school_year: str,
    out_dir: Path,
    at: datetime | None = None,
    threshold: int = 5,
) -> Path:
    """Write `indicators-<year>.pdf` (and the charts as PNG beside it); returns the PDF's path."""
    context = report_context(session, school_year, at, threshold)
    audit.record(session, actor, "export", "indicators", [], f"yearly indicators report {school_year}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, uri in context["charts"].items():
        (out_dir / f"{name}-{school_year}.png").write_bytes(base64.b64decode(uri.split(",", 1)[1]))
    path = out_dir / f"indicators-{school_year}.pdf"
    path.write_bytes(pdf.render_pdf(TEMPLATES, "report.html", context))
    return path
