"""The absolute-truancy indicator: the share of register children of compulsory-school age who are
enrolled nowhere, at the start (the run's residual on its reference date) and at the end (those of
the residual still unaccounted for when the procedure closes, or on a chosen date), by gemeente,
statistical sector, age or sex.

The denominator is the register children of compulsory-school age on the run's reference date.
The register carries no secondary diploma: a diploma holder is in the denominator, and leaves the
end reading only when a case closes with `secondary_diploma` (the method note says so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pandas as pd

from service.core.reference import gemeenten
from service.indicators.frames import YearData
from service.indicators.honest import honest_children

By = Literal["region", "gemeente", "sector", "age", "sex"]
DIMENSION = {"region": None, "gemeente": "nis_code", "sector": "stat_sector", "age": "age", "sex": "sex"}
SEX_LABELS = {"M": ("jongens", "garçons"), "F": ("meisjes", "filles"), "X": ("X", "X")}
REGION = ("Brussels Hoofdstedelijk Gewest", "Région de Bruxelles-Capitale")


def labels_for(by: str, key: object) -> tuple[str, str]:
    """The row's name in Dutch and French (both names of a gemeente)."""
    if by == "region":
        return REGION
    if by == "gemeente":
        ref = gemeenten().get(str(key))
        return (ref.name_nl, ref.name_fr) if ref else (str(key), str(key))
    if by == "sex":
        return SEX_LABELS.get(str(key), ("onbekend", "inconnu"))
    if by == "age":
        return (f"{key} jaar", f"{key} ans") if int(str(key)) >= 0 else ("onbekend", "inconnu")
    return (str(key), str(key))


def _grouped(df: pd.DataFrame, by: str) -> pd.Series:
    """Children per value of the breakdown."""
    column = DIMENSION[by]
    if column is None:
        return pd.Series({"all": len(df)}, dtype=int)
    return df.groupby(column).size()


def _population(data: YearData, by: str) -> pd.Series:
    """The denominator per value of the breakdown, from the counts the database made."""
    column, pop = DIMENSION[by], data.population
    if column is None:
        return pd.Series({"all": int(pop["n"].sum())}, dtype=int)
    return pop.groupby(column)["n"].sum()


def indicator_table(
    data: YearData, by: By = "region", at: datetime | None = None, children: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per value of `by`: population, start and end counts and the two shares (in %).
    `children` is the honest count when the caller has it already."""
    if by not in DIMENSION:
        raise ValueError(f"unknown breakdown '{by}' (one of {', '.join(DIMENSION)})")
    children = honest_children(data, at) if children is None else children
    table = pd.DataFrame(
        {
            "population": _population(data, by),
            "start": _grouped(data.residual, by),
            "end": _grouped(children[~children["accounted"]], by),
        }
    )
    table = table.fillna(0).astype(int).sort_index()
    table.index = table.index.astype(str)
    table.index.name = "key"
    names = [labels_for(by, k) for k in table.index]
    table.insert(0, "label_nl", [n for n, _ in names])
    table.insert(1, "label_fr", [f for _, f in names])
    table["share_start"] = shares(table["start"], table["population"])
    table["share_end"] = shares(table["end"], table["population"])
    return table


def shares(part: pd.Series, whole: pd.Series) -> pd.Series:
    """Percentages with two decimals (None where the whole is zero)."""
    return (100.0 * part / whole.where(whole > 0)).round(2)
