"""Tables for publication: the indicator and the honest count with disclosure control applied.

The counts of a breakdown add up down the rows (a column total each), and the honest count's
categories across (the row total is the start reading): both additivities are given to the
suppression, so no suppressed cell can be recovered from what is shown. A share is published only
where both its numerator and its denominator are. When the region's start reading is suppressed
in the indicator table, it is suppressed in the honest count too (the same number).
"""

from __future__ import annotations

import pandas as pd

from service.indicators.disclosure import TOTAL, Suppressed, rule_text, suppress
from service.indicators.honest import CATEGORIES
from service.indicators.reading import DIMENSION, REGION, labels_for, shares

COUNTS = ("population", "start", "end")


def publish_indicator(table: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, Suppressed]:
    """The indicator table with its total row, suppressed cells as None, shares where safe."""
    several = len(table) > 1
    s = suppress(table[list(COUNTS)], threshold, row_totals=False, col_totals=several)
    out = s.published()
    labels = table[["label_nl", "label_fr"]].copy()
    if several:
        labels.loc[TOTAL] = REGION
    out = pd.concat([labels, out], axis=1)
    for part in ("start", "end"):
        ok = ~(s.mask[part] | s.mask["population"])
        values = shares(s.values[part], s.values["population"])
        out[f"share_{part}"] = values.astype(object).where(ok, None)
    return out, s


def start_total_hidden(s: Suppressed) -> bool:
    """Whether the table's region start reading (its last row) was suppressed."""
    return bool(len(s.mask) and s.mask["start"].iloc[-1])


def honest_pivot(children: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows: the values of `by` (one row for the region); columns: the end categories."""
    column = DIMENSION[by]
    keys = children[column].astype(str) if column else pd.Series("all", index=children.index)
    pivot = pd.crosstab(keys, children["category"]) if len(children) else pd.DataFrame()
    pivot = pivot.reindex(columns=[c.key for c in CATEGORIES], fill_value=0)
    if pivot.empty and column is None:
        pivot = pd.DataFrame(0, index=["all"], columns=[c.key for c in CATEGORIES])
    pivot.index.name = "key"
    return pivot.fillna(0).astype(int)


def publish_honest(
    pivot: pd.DataFrame, by: str, threshold: int, start_total_hidden: bool
) -> tuple[pd.DataFrame, Suppressed]:
    several = len(pivot) > 1
    forced = set()
    if start_total_hidden:
        forced.add((TOTAL, TOTAL) if several else (pivot.index[0], TOTAL))
    s = suppress(pivot, threshold, row_totals=True, col_totals=several, forced=forced)
    out = s.published()
    names = [labels_for(by, k) if k != TOTAL else REGION for k in out.index]
    out.insert(0, "label_nl", [n for n, _ in names])
    out.insert(1, "label_fr", [f for _, f in names])
    return out, s


def rule(threshold: int) -> dict[str, object]:
    """What every export says about the rule it applied."""
    return {"threshold": threshold, **rule_text(threshold)}


def categories_frame(published_row: pd.Series) -> pd.DataFrame:
    """One published honest-count row as the funnel chart draws it (a suppressed count is None)."""
    return pd.DataFrame(
        [
            {"label_nl": c.nl, "label_fr": c.fr, "accounted": c.accounted, "count": published_row[c.key]}
            for c in CATEGORIES
        ]
    )
