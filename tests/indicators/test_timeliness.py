"""Timeliness and workload on hand-made frames whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd

from service.indicators import timeliness
from service.indicators.frames import YearData

T0 = datetime(2025, 10, 8, 9, tzinfo=UTC)
NOW = T0 + timedelta(days=100)


def _ts(days: float) -> pd.Timestamp:
    return pd.Timestamp(T0 + timedelta(days=days))


def _data() -> YearData:
    # three cases: a register check of 10, 20 and (still open, past due) 30+ days
    events = []
    for cid, (entered, left) in enumerate([(40, 50), (40, 60), (40, None)], 1):
        events.append((cid, _ts(0), None, None, "residual"))
        events.append((cid, _ts(entered), "letter_2_expired", "letter_2_sent", "gemeente_register_check"))
        if left is not None:
            events.append((cid, _ts(left), "register_check_moved_out", "gemeente_register_check", "closed"))
    ev = pd.DataFrame(events, columns=["case_id", "at", "transition", "from_state", "to_state"])
    cases = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "child_key": ["a", "b", "c"],
            "state": ["closed", "closed", "gemeente_register_check"],
            "owner_community": ["nl", "fr", "fr"],
            "nis_code": ["21004", "21004", "21001"],
            "due_at": [pd.NaT, pd.NaT, _ts(70)],
            "closed_at": [_ts(50), _ts(60), pd.NaT],
        }
    )
    assignments = pd.DataFrame(
        {
            "case_id": [1, 2, 3],
            "nis_code": ["21004", "21004", "21001"],
            "step": ["register_check"] * 3,
            "status": ["answered", "answered", "open"],
            "assigned_at": [_ts(40)] * 3,
            "due_at": [_ts(70)] * 3,
            "answered_at": [_ts(50), _ts(60), pd.NaT],
            "closed_at": [_ts(50), _ts(60), pd.NaT],
        }
    )
    referrals = pd.DataFrame(
        {
            "case_id": [1, 2],
            "nis_code": ["21004", "21004"],
            "referred_at": [_ts(0), _ts(0)],
            "status": ["decided", "referred"],
            "outcome": ["dismissed", None],
            "outcome_at": [_ts(30), pd.NaT],
        }
    )
    return YearData(
        "2025-2026", 1, 1, date(2025, 10, 1), {}, {}, pd.DataFrame(), cases, ev, assignments, referrals
    )


def test_stage_durations_and_past_due() -> None:
    table = timeliness.stage_table(_data(), NOW).set_index("stage")
    row = table.loc["gemeente_register_check"]
    assert row["entered"] == 3 and row["there_now"] == 1 and row["past_due"] == 1
    assert row["median_days"] == 15.0 and row["p90_days"] == 19.0  # stays of 10 and 20 days
    assert table.loc["residual", "median_days"] == 40.0


def test_stage_durations_per_gemeente_and_community() -> None:
    by_gemeente = timeliness.stage_table(_data(), NOW, "gemeente")
    check = by_gemeente[by_gemeente["stage"] == "gemeente_register_check"].set_index("gemeente")
    assert check.loc["21004", "median_days"] == 15.0 and check.loc["21001", "past_due"] == 1
    by_community = timeliness.stage_table(_data(), NOW, "community")
    nl = by_community[
        (by_community["community"] == "nl") & (by_community["stage"] == "gemeente_register_check")
    ]
    assert nl["median_days"].tolist() == [10.0]


def test_gemeente_workload() -> None:
    table = timeliness.gemeente_workload(_data(), NOW).set_index("nis_code")
    assert table.loc["21004"].to_dict() | {} == {
        "made": 2,
        "answered": 2,
        "open": 0,
        "overdue": 0,
        "returned": 0,
        "withdrawn": 0,
        "median_answer_days": 15.0,
    }
    assert table.loc["21001", "overdue"] == 1 and pd.isna(table.loc["21001", "median_answer_days"])


def test_parket_workload() -> None:
    p = timeliness.parket_workload(_data(), NOW)
    assert (p["referrals"], p["decided"], p["waiting"], p["waiting_past_due"]) == (2, 1, 1, 0)
    assert p["median_decision_days"] == 30.0 and p["outcomes"] == {"dismissed": 1}
    assert timeliness.parket_workload(_data(), NOW + timedelta(days=30))["waiting_past_due"] == 1


def test_forecast_puts_deadlines_in_their_week() -> None:
    f = timeliness.forecast(_data(), _ts(60).to_pydatetime()).set_index("week")
    assert f["gemeente_assignments_falling_due"].tolist() == [0, 0, 1, 0, 0]  # due on day 70: week 2
    late = timeliness.forecast(_data(), NOW).set_index("week")
    assert late.loc["already due", "gemeente_assignments_falling_due"] == 1
