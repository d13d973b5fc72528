"""The timeliness tables and the demo's summary as rich renderables (CLI and `tandem demo`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Group
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.core import clock
from service.core.reference import gemeenten
from service.indicators import service
from service.indicators.export import indicator_renderable, rich_table

STAGE_COLUMNS = ["label_nl", "entered", "there_now", "median_days", "p90_days", "past_due"]


def gemeente_name(nis: str) -> str:
    ref = gemeenten().get(nis)
    return ref.name if ref else nis


def timeliness_renderable(t: dict[str, Any]) -> Group:
    parts: list[Any] = [
        rich_table(
            t["stages"],
            f"Time spent per stage, {t['school_year']} (at {t['now'][:10]})",
            STAGE_COLUMNS,
            caption="entered: cases that entered the stage; median / p90: days of the stays that "
            "ended; past due: there now, beyond the deadline",
        )
    ]
    by_community = t.get("stages_by_community")
    if by_community is not None and not by_community.empty:
        pivot = by_community.pivot_table(
            index="label_nl", columns="community", values="median_days", aggfunc="first", sort=False
        ).reset_index()
        parts.append(rich_table(pivot, "Median days per stage and community", list(pivot.columns)))
    g = t["gemeenten"].copy()
    if not g.empty:
        g["gemeente"] = [gemeente_name(n) for n in g["nis_code"]]
        parts.append(
            rich_table(
                g,
                "Gemeente assignments",
                ["gemeente", "made", "answered", "open", "overdue", "returned", "median_answer_days"],
            )
        )
    if t.get("parket"):
        p = t["parket"]
        parts.append(
            f"parket: {p['referrals']} referrals, {p['decided']} decided, {p['waiting']} waiting "
            f"({p['waiting_past_due']} past the outcome deadline), median decision "
            f"{p['median_decision_days'] if p['median_decision_days'] is not None else '-'} days"
        )
    f = t["forecast"].set_index("week").T.rename_axis("work").reset_index()
    f["work"] = f["work"].str.replace("_", " ")
    parts.append(rich_table(f, "The next four weeks (timers and deadlines already set)", list(f.columns)))
    return Group(*parts)


def demo_summary(session: Session, school_year: str) -> Group:
    """`tandem demo`: the indicator by gemeente, the honest count and the timeliness tables, at the
    simulation's last day (the latest case event), as the joint cell sees them."""
    actor = Actor.system("demo-indicators")
    data = service.load_year(session, school_year)
    last = data.events["at"].max()
    now = last.to_pydatetime() if not pd.isna(last) else clock.now()
    with clock.frozen(now):
        result = service.indicator(session, actor, school_year=school_year, by="gemeente", data=data)
        times = service.timeliness_tables(session, actor, school_year=school_year, now=now, data=data)
    total = result.honest["count"].sum()
    check = f"honest count: {total:,} children = start reading {int(result.table['start'].sum()):,}"
    return Group(indicator_renderable(result), check, timeliness_renderable(times))
