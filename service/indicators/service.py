"""The indicators' public face: the absolute-truancy indicator, the honest count, timeliness and
workload, the years side by side; for the routes, the CLI, the report and the demo.

Nothing is stored: every figure is computed from the runs and the cases on demand (the frames
module reads them through the other domains' faces). What an actor may see is decided in
service.auth.scope (`indicator_view`): the cell and auditors the detail, a gemeente only the
published figures of its own gemeente. Figures hold no personal data; a detailed read is audited
all the same, as the cell's view of its own work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.scope import IndicatorView, indicator_view
from service.auth.service import Actor
from service.core import clock
from service.core.settings import get_settings
from service.indicators import honest, publish, reading, timeliness
from service.indicators.frames import YearData, load_year, restrict
from service.indicators.reading import By

__all__ = [
    "By",
    "IndicatorResult",
    "YearData",
    "indicator",
    "load_year",
    "restrict",
    "timeliness_tables",
    "view_for",
]


@dataclass
class IndicatorResult:
    school_year: str
    run_id: int
    reference_date: str
    at: str | None  # the end reading's date (None: the cases as they stand)
    by: str
    published: bool
    rule: dict[str, Any] | None  # the disclosure rule applied (published tables only)
    nis_code: str | None  # restricted to one gemeente
    table: pd.DataFrame
    honest: pd.DataFrame  # per category (detail: with the closure reasons / stages)
    linkage: dict[str, Any]


def threshold() -> int:
    return get_settings().disclosure_threshold


def view_for(actor: Actor, publish_wanted: bool) -> IndicatorView:
    """The actor's view, published when asked for or when the actor may see nothing finer."""
    view = indicator_view(actor)
    return view if view.detail and not publish_wanted else replace(view, detail=False)


def linkage_quality(data: YearData) -> dict[str, Any]:
    """What the method note says about the run: children, statuses, review, model health."""
    counts = data.run_counts
    return {
        "run_id": data.run_id,
        "reference_date": data.reference_date.isoformat(),
        "children": counts.get("children"),
        "statuses": counts.get("statuses", {}),
        "pending_review": counts.get("residual_pending_review", 0),
        "model_verdict": (counts.get("model_health") or data.run_health or {}).get("verdict", "unknown"),
        "links_by_method": (counts.get("linkage") or {}),
    }


def indicator(
    session: Session,
    actor: Actor,
    *,
    school_year: str,
    by: By = "region",
    at: datetime | None = None,
    publish_wanted: bool = False,
    run_id: int | None = None,
    data: YearData | None = None,
) -> IndicatorResult:
    """The indicator by `by`, its two readings and the honest count, as the actor may see them."""
    view = view_for(actor, publish_wanted)
    data = restrict(data or load_year(session, school_year, run_id=run_id), view.nis_code)
    children = honest.honest_children(data, at)
    table = reading.indicator_table(data, by, at, children)
    if view.detail:
        audit.record(session, actor, "read", "indicators", [], f"indicators {school_year} by {by}")
        table_out, honest_out, rule = table, honest.honest_table(children), None
    else:
        t = threshold()
        table_out, s = publish.publish_indicator(table, t)
        hidden = publish.start_total_hidden(s)
        honest_out, _ = publish.publish_honest(publish.honest_pivot(children, "region"), "region", t, hidden)
        rule = publish.rule(t)
    return IndicatorResult(
        school_year=school_year,
        run_id=data.run_id,
        reference_date=data.reference_date.isoformat(),
        at=at.isoformat() if at else None,
        by=by,
        published=not view.detail,
        rule=rule,
        nis_code=view.nis_code,
        table=table_out,
        honest=honest_out,
        linkage=linkage_quality(data),
    )


def timeliness_tables(
    session: Session,
    actor: Actor,
    *,
    school_year: str,
    now: datetime | None = None,
    data: YearData | None = None,
) -> dict[str, Any]:
    """Stages (overall, per community, per gemeente), gemeente and parket workload, the forecast."""
    view = indicator_view(actor)
    now = now or clock.now()
    data = restrict(data or load_year(session, school_year), view.nis_code)
    return {
        "school_year": school_year,
        "now": now.isoformat(),
        "nis_code": view.nis_code,
        "stages": timeliness.stage_table(data, now),
        "stages_by_community": timeliness.stage_table(data, now, "community") if view.detail else None,
        "stages_by_gemeente": timeliness.stage_table(data, now, "gemeente"),
        "gemeenten": timeliness.gemeente_workload(data, now),
        "parket": timeliness.parket_workload(data, now) if view.detail else None,
        "forecast": timeliness.forecast(data, now),
    }
