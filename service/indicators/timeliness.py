"""Timeliness and workload: how long cases stay in each stage, which gemeenten answer and how fast,
what the parket decides, and a forecast of the next four weeks from the timers and deadlines set.

A stay in a stage runs from the event that entered it to the next event that left it (a transition
that keeps the state, a reassignment, continues the stay). Stays still running are counted as
"there now"; the median and 90th percentile are over the stays that ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from service.cases import service as cases
from service.indicators.frames import YearData, days_between, median, quantile

FORECAST_WEEKS = 4


def stays(data: YearData) -> pd.DataFrame:
    """One row per stay of a case in a stage: case, stage, entered, left (NaT while there)."""
    ev = data.events[["case_id", "at", "to_state"]].copy()
    if ev.empty:
        return pd.DataFrame(columns=["case_id", "stage", "entered", "left"])
    new_stay = (ev["case_id"] != ev["case_id"].shift()) | (ev["to_state"] != ev["to_state"].shift())
    ev = ev[new_stay]
    ev["left"] = ev.groupby("case_id")["at"].shift(-1)
    ev = ev.rename(columns={"to_state": "stage", "at": "entered"})
    return ev[ev["stage"] != "closed"]


def _stage_rows(st: pd.DataFrame, open_cases: pd.DataFrame, now: datetime, deadline_states: set[str]) -> list:
    rows = []
    wf = cases.get_workflow()
    for stage in [s for s in wf.open_states if s in set(st["stage"])]:
        s = st[st["stage"] == stage]
        done = s[s["left"].notna()]
        days = days_between(done["entered"], done["left"]).clip(lower=0)  # a posting stamped later
        here = open_cases[open_cases["state"] == stage]
        past_due = 0
        if stage in deadline_states:
            past_due = int((here["due_at"].notna() & (here["due_at"] < pd.Timestamp(now))).sum())
        label = wf.states[stage].label
        rows.append(
            {
                "stage": stage,
                "label_nl": label.nl,
                "label_fr": label.fr,
                "entered": int(s["case_id"].nunique()),
                "there_now": len(here),
                "median_days": _round(median(days)),
                "p90_days": _round(quantile(days, 0.9)),
                "past_due": past_due,
            }
        )
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def stage_table(data: YearData, now: datetime, group: str | None = None) -> pd.DataFrame:
    """Per stage entered (optionally per owner community or per gemeente): cases entered, there
    now, median and 90th percentile of days spent, past due."""
    st = stays(data)
    wf = cases.get_workflow()
    deadline_states = {n for n, s in wf.states.items() if s.deadline is not None}
    open_cases = data.cases[data.cases["closed_at"].isna()]
    if group is None:
        return pd.DataFrame(_stage_rows(st, open_cases, now, deadline_states))
    column = {"community": "owner_community", "gemeente": "nis_code"}[group]
    st = st.merge(data.cases[["id", column]], left_on="case_id", right_on="id")
    frames = []
    for value in sorted(data.cases[column].dropna().unique()):
        rows = _stage_rows(
            st[st[column] == value], open_cases[open_cases[column] == value], now, deadline_states
        )
        frames.append(pd.DataFrame(rows).assign(**{group: value}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def gemeente_workload(data: YearData, now: datetime) -> pd.DataFrame:
    """Per gemeente: assignments made, answered, open, overdue, returned, median answer days."""
    a = data.assignments
    rows = []
    for nis in sorted(a["nis_code"].unique()):
        g = a[a["nis_code"] == nis]
        is_open = g["status"] == "open"
        answered = g[g["answered_at"].notna()]
        rows.append(
            {
                "nis_code": nis,
                "made": len(g),
                "answered": len(answered),
                "open": int(is_open.sum()),
                "overdue": int((is_open & g["due_at"].notna() & (g["due_at"] < pd.Timestamp(now))).sum()),
                "returned": int((g["status"] == "returned").sum()),
                "withdrawn": int((g["status"] == "withdrawn").sum()),
                "median_answer_days": _round(
                    median(days_between(answered["assigned_at"], answered["answered_at"]))
                ),
            }
        )
    return pd.DataFrame(rows, columns=["nis_code", "made", "answered", "open", "overdue", "returned",
                                       "withdrawn", "median_answer_days"])  # fmt: skip


def parket_workload(data: YearData, now: datetime) -> dict:
    """Referrals made, decided, waiting (and past the outcome deadline), median decision days."""
    r = data.referrals
    decided = r[r["status"] == "decided"]
    waiting = r[r["status"] == "referred"]
    due = cases.get_workflow().days("parket_outcome_days")
    late = waiting["referred_at"] + pd.Timedelta(days=due) < pd.Timestamp(now)
    return {
        "referrals": len(r),
        "decided": len(decided),
        "waiting": len(waiting),
        "waiting_past_due": int(late.sum()),
        "returned": int((r["status"] == "returned").sum()),
        "withdrawn": int((r["status"] == "withdrawn").sum()),
        "outcomes": {str(k): int(v) for k, v in decided["outcome"].value_counts().items()},
        "median_decision_days": _round(median(days_between(decided["referred_at"], decided["outcome_at"]))),
    }


def _forecast_items(data: YearData) -> pd.DataFrame:
    """What each open case will ask for, and when, if nobody acts before its timer or deadline."""
    wf = cases.get_workflow()
    c = data.cases[data.cases["closed_at"].isna()]
    late_info = pd.Timedelta(days=wf.days("late_info_days"))
    grace = pd.Timedelta(days=wf.days("reply_grace_days"))
    plan = [  # (state, work, offset from the case's due date)
        ("residual", "cross_checks_to_request", pd.Timedelta(0)),
        ("cross_check", "letters_1_to_prepare", late_info),
        ("late_info_check", "letters_1_to_prepare", pd.Timedelta(0)),
        ("letter_1_sent", "replies_due", -grace),
        ("letter_1_sent", "letters_2_to_prepare", pd.Timedelta(0)),
        ("letter_2_sent", "replies_due", -grace),
        ("letter_2_sent", "gemeente_assignments_to_make", pd.Timedelta(0)),
        ("gemeente_register_check", "gemeente_assignments_falling_due", pd.Timedelta(0)),
        ("gemeente_home_visit", "gemeente_assignments_falling_due", pd.Timedelta(0)),
        ("referred_to_parket", "parket_decisions_due", pd.Timedelta(0)),
    ]
    parts = [
        pd.DataFrame({"work": work, "when": c.loc[c["state"] == state, "due_at"] + offset})
        for state, work, offset in plan
    ]
    return pd.concat(parts, ignore_index=True).dropna()


FORECAST_WORK = (
    "cross_checks_to_request",
    "letters_1_to_prepare",
    "replies_due",
    "letters_2_to_prepare",
    "gemeente_assignments_to_make",
    "gemeente_assignments_falling_due",
    "parket_decisions_due",
)


def forecast(data: YearData, now: datetime, weeks: int = FORECAST_WEEKS) -> pd.DataFrame:
    """Per coming week (and what is already due): the work the timers and deadlines will bring."""
    items = _forecast_items(data)
    start = pd.Timestamp(now)
    rows = [{"week": "already due", **_count(items[items["when"] < start])}]
    for w in range(weeks):
        lo, hi = start + timedelta(weeks=w), start + timedelta(weeks=w + 1)
        rows.append({"week": f"{lo:%Y-%m-%d}", **_count(items[(items["when"] >= lo) & (items["when"] < hi)])})
    return pd.DataFrame(rows)


def _count(items: pd.DataFrame) -> dict[str, int]:
    counts = items["work"].value_counts()
    return {w: int(counts.get(w, 0)) for w in FORECAST_WORK}
