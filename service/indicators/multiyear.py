"""Every school year in the database side by side: the indicator, the honest count, the children
followed from one year's residual into the next, and the early-school-leaving reading.

A child is followed by the keyed national-number hash the cases carry (a child without a usable
number cannot be followed across register extracts). Early school leaving, as the report reads it
where the lists allow: the oldest age group (17 on year T's reference date, the last year of
compulsory-school age) enrolled in T, and on no list at all (enrolment, home education,
exemption) of T+1. The lists carry no diploma, so this is an upper bound: a young person who
obtained the secondary diploma in T is counted too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.indicators import honest
from service.indicators.frames import YearData, load_year, restrict
from service.indicators.reading import shares
from service.ingest import service as ingest
from service.linkage import service as linkage

OLDEST_AGE = 17


def school_years(session: Session) -> list[str]:
    """The school years that have a finished linkage run, oldest first."""
    labels = sorted(ingest.school_year_labels(session).values())
    return [y for y in labels if linkage.latest_run(session, y) is not None]


def _year_row(data: YearData, previous: YearData | None) -> dict[str, Any]:
    children = honest.honest_children(data)
    start, population = len(data.residual), int(data.population["n"].sum())
    end = int((~children["accounted"]).sum())
    keys = set(data.residual["nn_hash"].dropna())
    followed = len(keys & set(previous.residual["nn_hash"].dropna())) if previous else None
    linked = int(data.cases["previous_case_id"].notna().sum()) if "previous_case_id" in data.cases else 0
    row = {
        "school_year": data.school_year,
        "run_id": data.run_id,
        "reference_date": data.reference_date.isoformat(),
        "population": population,
        "start": start,
        "end": end,
        "share_start": round(100.0 * start / population, 2) if population else None,
        "share_end": round(100.0 * end / population, 2) if population else None,
        "in_previous_residual": followed,
        "cases_linked_to_last_year": linked,
    }
    row.update({c.key: int((children["category"] == c.key).sum()) for c in honest.CATEGORIES})
    return row


def early_leaving(
    session: Session, data: YearData, next_year: str | None, nis_code: str | None = None
) -> dict[str, Any]:
    """The oldest group enrolled in T and on no list of T+1 (None where T+1 has no lists)."""
    oldest = linkage.indicator_children(
        session, run_id=data.run_id, statuses=["enrolled"], reference_date=data.reference_date, age=OLDEST_AGE
    )
    if nis_code is not None:
        oldest = [c for c in oldest if c.nis_code == nis_code]
    hashes = [c.nn_hash for c in oldest if c.nn_hash]
    out: dict[str, Any] = {"esl_enrolled_oldest": len(oldest), "esl_no_list_next": None, "esl_share": None}
    if next_year is None or not ingest.current_batches(session, next_year, ingest.LIST_KINDS):
        return out
    found = ingest.hashes_on_lists(session, school_year=next_year, nn_hashes=hashes)
    gone = len(hashes) - len(found & set(hashes))
    out["esl_no_list_next"] = gone
    out["esl_share"] = round(100.0 * gone / len(hashes), 2) if hashes else None
    return out


def years_table(session: Session, nis_code: str | None = None) -> pd.DataFrame:
    """One row per school year: readings, categories, children followed, early school leaving."""
    labels = school_years(session)
    rows, previous = [], None
    for i, label in enumerate(labels):
        data = restrict(load_year(session, label), nis_code)
        nxt = labels[i + 1] if i + 1 < len(labels) else None
        rows.append({**_year_row(data, previous), **early_leaving(session, data, nxt, nis_code)})
        previous = data
    return pd.DataFrame(rows)


def trend(table: pd.DataFrame) -> pd.DataFrame:
    """The two readings' shares per year, for the trend chart."""
    if table.empty:
        return table
    return pd.DataFrame(
        {
            "school_year": table["school_year"],
            "share_start": shares(table["start"], table["population"]),
            "share_end": shares(table["end"], table["population"]),
        }
    )


YEAR_COUNTS = ("population", "start", "end", "in_previous_residual", "cases_linked_to_last_year",
               "esl_enrolled_oldest", "esl_no_list_next")  # fmt: skip


def publish_years(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The years table for publication: counts from 1 to threshold - 1 suppressed (the years do
    not add up to anything published, so no secondary suppression is needed), and a share
    hidden with its numerator or denominator."""
    if table.empty:
        return table
    out = table.astype(object).copy()
    hidden = {}
    for column in YEAR_COUNTS:
        values = pd.to_numeric(table[column], errors="coerce")
        hidden[column] = (values > 0) & (values < threshold)
        out.loc[hidden[column], column] = None
    for share, part, whole in (("share_start", "start", "population"), ("share_end", "end", "population"),
                               ("esl_share", "esl_no_list_next", "esl_enrolled_oldest")):  # fmt: skip
        out.loc[hidden[part] | hidden[whole], share] = None
    return out
