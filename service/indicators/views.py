"""The indicators over HTTP: the indicator and honest count, timeliness, the years, the charts (SVG
for the web interface) and the yearly report (PDF). Who sees what is decided in service.auth.scope:
the cell and auditors the detail (or the published figures with `publish=true`), a gemeente only
the published figures of its own gemeente; the yearly report is the cell's to produce."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from service.api.responses import download
from service.auth.deps import allow, db_session
from service.auth.service import Actor
from service.core.labels import BRUSSELS
from service.core.settings import get_settings
from service.indicators import charts, export, multiyear, publish, report, service
from service.indicators.schemas import IndicatorOut, TimelinessOut, YearOut

router = APIRouter(prefix="/api/indicators", tags=["indicators"])
ChartName = Literal["funnel", "gemeenten", "stages", "trend"]


def _at(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS)


@router.get("/years", response_model=list[YearOut])
def years(
    actor: Actor = Depends(allow("indicators:published")),
    session: Session = db_session,
) -> Any:
    """Every school year side by side (a gemeente: its own, small counts suppressed)."""
    view = service.indicator_view(actor)
    table = multiyear.years_table(session, view.nis_code)
    if not view.detail:
        table = multiyear.publish_years(table, service.threshold())
    return export.records(table)


@router.get("/{school_year}", response_model=IndicatorOut)
def indicator(
    school_year: str,
    by: service.By = "region",
    publish: bool = False,
    at: date | None = None,
    actor: Actor = Depends(allow("indicators:published")),
    session: Session = db_session,
) -> Any:
    """The indicator by `by` (start and end readings) with the honest count and the rule applied."""
    result = service.indicator(
        session, actor, school_year=school_year, by=by, at=_at(at), publish_wanted=publish
    )
    return {
        **{
            k: getattr(result, k)
            for k in ("school_year", "run_id", "reference_date", "at", "by", "published")
        },
        **{"rule": result.rule, "nis_code": result.nis_code, "linkage": result.linkage},
        "rows": export.records(result.table.rename_axis("key")),
        "honest_count": export.records(result.honest.rename_axis("key")),
    }


@router.get("/{school_year}/timeliness", response_model=TimelinessOut)
def timeliness(
    school_year: str,
    actor: Actor = Depends(allow("indicators:published")),
    session: Session = db_session,
) -> Any:
    """Time per stage, gemeente and parket workload, the next four weeks (a gemeente: its own)."""
    t = service.timeliness_tables(session, actor, school_year=school_year)
    out = dict(t)
    for key in ("stages", "stages_by_community", "stages_by_gemeente", "gemeenten", "forecast"):
        out[key] = None if t[key] is None else export.records(t[key])
    return out


@router.get("/{school_year}/charts/{name}.svg", response_class=Response)
def chart(
    school_year: str,
    name: ChartName,
    publish: bool = False,
    actor: Actor = Depends(allow("indicators:published")),
    session: Session = db_session,
) -> Response:
    """A chart as SVG, drawn from the figures the reader may see."""
    if name == "trend":
        view = service.indicator_view(actor)
        table = multiyear.years_table(session, view.nis_code)
        image = charts.trend(multiyear.trend(table), "svg")
    elif name == "stages":
        t = service.timeliness_tables(session, actor, school_year=school_year)
        image = charts.stage_durations(t["stages"], "svg")
    else:
        by = "gemeente" if name == "gemeenten" else "region"
        result = service.indicator(session, actor, school_year=school_year, by=by, publish_wanted=publish)  # type: ignore[arg-type]
        image = (
            charts.indicator_by_gemeente(result.table, "svg")
            if name == "gemeenten"
            else _funnel(result, "svg")
        )
    return Response(image, media_type="image/svg+xml")


def _funnel(result: service.IndicatorResult, fmt: charts.Format) -> bytes:
    if not result.published:
        return charts.funnel(result.honest, fmt)
    return charts.funnel(publish.categories_frame(result.honest.iloc[0]), fmt)


@router.get("/{school_year}/report.pdf", response_class=Response)
def yearly_report(
    school_year: str,
    at: date | None = None,
    actor: Actor = Depends(allow("indicators:read")),
    session: Session = db_session,
) -> Response:
    """The bilingual yearly report with published figures (the cell produces it)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = report.render_report(
            session,
            actor,
            school_year=school_year,
            out_dir=Path(tmp),
            at=_at(at),
            threshold=get_settings().disclosure_threshold,
        )
        data = path.read_bytes()
    return download(data, f"indicators-{school_year}.pdf")
