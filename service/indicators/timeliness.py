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
from service.indicators.frames import YearData, days_between, median

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


def _round(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


def stage_table(data: YearData, now: datetime, group: str | None = None) -> pd.DataFrame:
    """Per stage entered (optionally per owner community or per gemeente): cases entered, there
    now, median and 90th percentile of days spent, past due (there now, beyond the deadline)."""
    wf = cases.get_workflow()
    column = {None: None, "community": "owner_community", "gemeente": "nis_code"}[group]
    keys = ["stage"] if column is None else [column, "stage"]
    st = stays(data)
    if column is not None:
        st = st.merge(data.cases[["id", column]], left_on="case_id", right_on="id")
    st = st.assign(days=days_between(st["entered"], st["left"]).clip(lower=0))  # a posting stamped later
    grouped = st.groupby(keys)
    table = pd.DataFrame(
        {
            "entered": grouped["case_id"].nunique(),
            "median_days": grouped["days"].median(),
            "p90_days": grouped["days"].quantile(0.9),
        }
    )
    open_cases = data.cases[data.cases["closed_at"].isna()].rename(columns={"state": "stage"})
    deadline = {n for n, spec in wf.states.items() if spec.deadline is not None}
    late = (
        open_cases["stage"].isin(deadline)
        & open_cases["due_at"].notna()
        & (open_cases["due_at"] < pd.Timestamp(now))
    )
    table["there_now"] = open_cases.groupby(keys).size()
    table["past_due"] = open_cases[late].groupby(keys).size()
    table = table[table["entered"].notna()].fillna({"there_now": 0, "past_due": 0}).reset_index()
    order = {name: i for i, name in enumerate(wf.open_states)}
    table = table[table["stage"].isin(order)]
    table = table.sort_values([*keys[:-1], "stage"], key=lambda c: c.map(order) if c.name == "stage" else c)
    table["label_nl"] = [wf.states[x].label.nl for x in table["stage"]]
    table["label_fr"] = [wf.states[x].label.fr for x in table["stage"]]
    for c in ("entered", "there_now", "past_due"):
        table[c] = table[c].astype(int)
    for c in ("median_days", "p90_days"):
        table[c] = [_round(v) for v in table[c]]
    if column is not None:
        table = table.rename(columns={column: group})
    columns = ["stage", "label_nl", "label_fr", "entered", "there_now", "median_days", "p90_days", "past_due"]
    return table[columns + ([group] if group else [])].reset_index(drop=True)


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
