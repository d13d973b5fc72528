"""Statistical disclosure control for published tables: primary and secondary cell suppression.

Primary: every cell (totals included) from 1 to threshold - 1 is suppressed. Secondary: more
cells are suppressed until no suppressed cell can be recomputed from the published cells and the
table's additivity (row and column totals). A suppressed cell is recomputable exactly when its
unit vector lies in the row space of the additivity equations restricted to the suppressed cells,
i.e. when every solution of the homogeneous system is zero there; the loop looks for such cells
with the system's null space and suppresses, next to each, the smallest cell sharing its row or
column. A last pass solves the two linear programmes (min and max of each suppressed cell, the
values non-negative) and keeps suppressing while any interval is narrower than one unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

TOTAL = "total"
RULE_EN = (
    "cells from 1 to {t1} are suppressed (threshold {t}), with secondary suppression so that no "
    "suppressed cell can be recomputed from the row and column totals; no school-level figures"
)
RULE_NL = (
    "cellen van 1 tot {t1} zijn onderdrukt (drempel {t}), met secundaire onderdrukking zodat geen "
    "onderdrukte cel uit de rij- en kolomtotalen kan worden herberekend; geen cijfers per school"
)
RULE_FR = (
    "les cellules de 1 à {t1} sont masquées (seuil {t}), avec un masquage secondaire empêchant de "
    "recalculer une cellule masquée à partir des totaux de ligne et de colonne ; aucun chiffre par école"
)


def rule_text(threshold: int) -> dict[str, str]:
    return {
        k: v.format(t=threshold, t1=threshold - 1)
        for k, v in (("en", RULE_EN), ("nl", RULE_NL), ("fr", RULE_FR))
    }


@dataclass
class Suppressed:
    values: pd.DataFrame  # the table with its published totals (ints)
    mask: pd.DataFrame  # True where a cell is suppressed
    row_totals: bool
    col_totals: bool
    threshold: int

    def published(self) -> pd.DataFrame:
        """The table as published: suppressed cells are None."""
        return self.values.astype(object).where(~self.mask, None)


def with_totals(table: pd.DataFrame, row_totals: bool, col_totals: bool) -> pd.DataFrame:
    full = table.astype(int).copy()
    if row_totals:
        full[TOTAL] = full.sum(axis=1)
    if col_totals:
        full.loc[TOTAL] = full.sum(axis=0)
    return full


def equations(shape: tuple[int, int], row_totals: bool, col_totals: bool) -> np.ndarray:
    """The additivity equations over the flattened table (totals in the last row / column)."""
    rows, cols = shape
    eqs = []
    if row_totals:
        for i in range(rows):
            e = np.zeros(shape)
            e[i, : cols - 1], e[i, cols - 1] = 1, -1
            eqs.append(e.ravel())
    if col_totals:
        for j in range(cols):
            e = np.zeros(shape)
            e[: rows - 1, j], e[rows - 1, j] = 1, -1
            eqs.append(e.ravel())
    return np.array(eqs) if eqs else np.zeros((0, rows * cols))


def determined(eqs: np.ndarray, suppressed: np.ndarray) -> np.ndarray:
    """The suppressed cells (flat indices) the equations pin down, whatever the other values."""
    idx = np.flatnonzero(suppressed)
    if idx.size == 0:
        return idx
    a = eqs[:, idx]
    if a.shape[0] == 0:
        return np.array([], dtype=int)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:]
    free = np.abs(null).max(axis=0) > 1e-9 if null.size else np.zeros(idx.size, dtype=bool)
    return idx[~free]


def intervals(values: np.ndarray, eqs: np.ndarray, suppressed: np.ndarray) -> list[tuple[int, float, float]]:
    """For each suppressed cell: the least and greatest value consistent with what is published."""
    idx = np.flatnonzero(suppressed)
    known = values.ravel().astype(float).copy()
    known[idx] = 0
    a = eqs[:, idx]
    b = -eqs @ known
    keep = np.abs(a).sum(axis=1) > 0
    a, b = a[keep], b[keep]
    out = []
    for k in range(idx.size):
        c = np.zeros(idx.size)
        c[k] = 1
        lo = linprog(c, A_eq=a if len(a) else None, b_eq=b if len(a) else None, bounds=(0, None))
        hi = linprog(-c, A_eq=a if len(a) else None, b_eq=b if len(a) else None, bounds=(0, None))
        top = -hi.fun if hi.status == 0 else np.inf
        out.append((int(idx[k]), float(lo.fun), float(top)))
    return out


def _partner(values: np.ndarray, suppressed: np.ndarray, flat: int) -> int | None:
    """The cell to suppress next to `flat`: the smallest unsuppressed one of its row or column,
    interior cells first, non-zero before zero."""
    rows, cols = values.shape
    i, j = divmod(flat, cols)
    candidates = [(i, jj) for jj in range(cols) if jj != j] + [(ii, j) for ii in range(rows) if ii != i]
    best = None
    for ii, jj in candidates:
        if suppressed[ii, jj]:
            continue
        margin = ii == rows - 1 or jj == cols - 1
        v = int(values[ii, jj])
        key = (margin, v == 0, v)
        if best is None or key < best[0]:
            best = (key, ii * cols + jj)
    return None if best is None else best[1]


def _protect(values: np.ndarray, eqs: np.ndarray, suppressed: np.ndarray) -> None:
    while True:
        exposed = determined(eqs, suppressed)
        if exposed.size == 0:
            return
        for flat in exposed:
            partner = _partner(values, suppressed, int(flat))
            if partner is None:  # nothing left in its row or column: suppress everything
                suppressed[:] = True
                return
            suppressed.flat[partner] = True


def suppress(
    table: pd.DataFrame,
    threshold: int = 5,
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    forced: set[tuple[object, object]] | None = None,
) -> Suppressed:
    """The table with its totals and the cells to suppress (see the module's note)."""
    full = with_totals(table, row_totals, col_totals)
    values = full.to_numpy()
    suppressed = (values > 0) & (values < threshold)
    for r, c in forced or ():
        suppressed[full.index.get_loc(r), full.columns.get_loc(c)] = True
    eqs = equations(values.shape, row_totals, col_totals)
    for _ in range(values.size):
        _protect(values, eqs, suppressed)
        tight = [flat for flat, lo, hi in intervals(values, eqs, suppressed) if hi - lo < 1 - 1e-6]
        if not tight or suppressed.all():
            break
        for flat in tight:
            partner = _partner(values, suppressed, flat)
            if partner is not None:
                suppressed.flat[partner] = True
    mask = pd.DataFrame(suppressed, index=full.index, columns=full.columns)
    return Suppressed(full, mask, row_totals, col_totals, threshold)
