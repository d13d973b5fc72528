"""Published tables: no cell below the threshold, and no suppressed cell recoverable from the totals.

The attacker here knows everything the table publishes and that it adds up; for each suppressed
cell two linear programmes find the least and the greatest value it can take (cells non-negative).
A cell whose least and greatest values coincide would be recovered: none may.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from service.indicators import disclosure, publish
from service.indicators.honest import honest_children
from service.indicators.reading import indicator_table
from tests.indicators.helpers import synthetic_year


def attack(
    values: np.ndarray, mask: np.ndarray, row_totals: bool, col_totals: bool
) -> list[tuple[float, float]]:
    """Solve for every suppressed cell: (min, max) over all tables consistent with the published cells."""
    rows, cols = values.shape
    unknown = [(i, j) for i, j in itertools.product(range(rows), range(cols)) if mask[i, j]]
    where = {cell: k for k, cell in enumerate(unknown)}
    a_eq, b_eq = [], []
    lines = []
    if row_totals:
        lines += [[(i, j) for j in range(cols - 1)] + [("-", i, cols - 1)] for i in range(rows)]
    if col_totals:
        lines += [[(i, j) for i in range(rows - 1)] + [("-", rows - 1, j)] for j in range(cols)]
    for line in lines:
        coef, rhs = np.zeros(len(unknown)), 0.0
        for cell in line:
            sign, (i, j) = (-1, cell[1:]) if cell[0] == "-" else (1, cell)
            if mask[i, j]:
                coef[where[(i, j)]] += sign
            else:
                rhs -= sign * values[i, j]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)
    bounds = []
    for k in range(len(unknown)):
        c = np.zeros(len(unknown))
        c[k] = 1
        kw = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)} if a_eq else {}
        lo = linprog(c, bounds=(0, None), **kw)
        hi = linprog(-c, bounds=(0, None), **kw)
        assert lo.status == 0
        bounds.append((lo.fun, -hi.fun if hi.status == 0 else np.inf))
    return bounds


def _assert_safe(s: disclosure.Suppressed) -> None:
    values, mask = s.values.to_numpy(), s.mask.to_numpy()
    shown = values[~mask]
    assert not ((shown > 0) & (shown < s.threshold)).any(), "a published cell is below the threshold"
    for (lo, hi), true in zip(attack(values, mask, s.row_totals, s.col_totals), values[mask], strict=True):
        assert lo <= true <= hi
        assert hi - lo >= 1, "a suppressed cell can be recomputed from the totals"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_random_tables_with_both_totals(seed: int, threshold: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 8)), int(rng.integers(2, 7)))
    table = pd.DataFrame(rng.poisson(float(rng.choice([1.0, 4.0, 12.0])), size=shape))
    s = disclosure.suppress(table, threshold)
    _assert_safe(s)
    assert s.mask.to_numpy()[(s.values.to_numpy() > 0) & (s.values.to_numpy() < threshold)].all()


@pytest.mark.parametrize(("row_totals", "col_totals"), [(True, False), (False, True)])
def test_tables_with_one_additivity(row_totals: bool, col_totals: bool) -> None:
    rng = np.random.default_rng(9)
    for _ in range(5):
        table = pd.DataFrame(rng.poisson(3.0, size=(6, 3)))
        _assert_safe(disclosure.suppress(table, 5, row_totals=row_totals, col_totals=col_totals))


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    table = pd.DataFrame([[20, 30, 40], [25, 2, 35], [30, 40, 50]])
    s = disclosure.suppress(table, 5)
    mask = s.mask.to_numpy()
    assert mask[1, 1] and mask.sum() >= 4  # at least a rectangle: the small cell alone is recoverable
    _assert_safe(s)


def test_the_published_indicator_and_honest_count_are_safe() -> None:
    data = synthetic_year(random.Random(3), 4000)
    for by in ("gemeente", "sector", "age", "sex"):
        out, s = publish.publish_indicator(indicator_table(data, by), 5)
        _assert_safe(s)
        suppressed = out["start"].isna() | out["population"].isna()
        assert out.loc[suppressed, "share_start"].isna().all()  # no share betrays a hidden count
    pivot = publish.honest_pivot(honest_children(data), "gemeente")
    out, s = publish.publish_honest(pivot, "gemeente", 5, False)
    _assert_safe(s)
    assert disclosure.TOTAL in out.index and "total" in out.columns


def test_the_attack_recovers_a_cell_that_only_primary_suppression_hides() -> None:
    values = disclosure.with_totals(pd.DataFrame([[20, 30, 40], [25, 2, 35], [30, 40, 50]]), True, True)
    mask = np.zeros(values.shape, dtype=bool)
    mask[1, 1] = True  # the small cell alone
    [(lo, hi)] = attack(values.to_numpy(), mask, True, True)
    assert lo == hi == 2


def test_there_is_no_school_level_breakdown() -> None:
    with pytest.raises(ValueError, match="unknown breakdown"):
        indicator_table(synthetic_year(random.Random(1), 50), "school")  # type: ignore[arg-type]
