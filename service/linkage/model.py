"""A Fellegi-Sunter model learnt without labels, with term-frequency adjustment.

* u (how often a level occurs between two random people) comes from random pairs of the year's data,
  the way Splink's `estimate_u_using_random_sampling` does;
* m (how often a level occurs between two records of the same child) comes from expectation-
  maximisation on blocked pairs, one training session per blocking rule, each leaving out the field
  it blocks on (its agreement is forced by the block, so it cannot be learnt there); the session
  also learns its own non-match frequencies (blocked non-matches are not random pairs), run on the
  distinct comparison patterns with their counts;
* exact agreement on a first name or surname is weighed against how common that value is among the
  register children: `m / tf(value)`, so `Peeters` counts for less than a rare name.

Everything a decision depends on is plain numbers, stored with the run as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from service.linkage.compare import COMPARISONS, FIELDS, TF_FIELDS, Encoded, compare

# Starting points for EM: how reliable each field is for the same child, before seeing the data.
M_START: dict[str, list[float]] = {
    "first_name": [0.85, 0.10, 0.03, 0.02],
    "surname": [0.85, 0.10, 0.03, 0.02],
    "birth_date": [0.92, 0.05, 0.01, 0.01, 0.01],
    "sex": [0.98, 0.02],
    "postcode": [0.85, 0.10, 0.05],
    "national_number": [0.995, 0.005],
    "address": [0.7, 0.1, 0.2],
}
# Fields whose u is fixed rather than learnt: only records with a foreign number reach level 1, and
# only through the tight route, so random pairs of stage 2 cannot say how common it is. Among list
# records at Brussels scale about 9 in 10 carry a valid number of a pupil living elsewhere; a tenth
# is a conservative share for the tight route's candidates: level 1 weighs log2(0.005 / 0.1) = -4.3 bits.
U_FIXED: dict[str, list[float]] = {"national_number": [0.9, 0.1]}
# Floors keep one unseen level from giving infinite evidence either way.
PROB_FLOOR = 1e-5


@dataclass
class FSModel:
    m: dict[str, list[float]] = field(default_factory=lambda: {k: list(v) for k, v in M_START.items()})
    u: dict[str, list[float]] = field(default_factory=dict)
    prior: float = 1e-6  # probability that a random (record, child) pair is the same child
    # the same for a child the national number already links to a record (stage 1): a second record
    # of such a child is rare, while a child without a hash link is mostly listed without a usable
    # number; None when not learnt (then `prior` for every pair)
    prior_hash_linked: float | None = None
    tf_minimum: float = 1e-5
    training: dict[str, Any] = field(default_factory=dict)  # what EM saw, for the stored model

    # -- weights ------------------------------------------------------------------------------
    def bayes_factors(self) -> dict[str, np.ndarray]:
        return {
            f: np.log2(np.maximum(self.m[f], PROB_FLOOR) / np.maximum(self.u[f], PROB_FLOOR)) for f in FIELDS
        }

    def field_weights(self, gamma: np.ndarray, tf: np.ndarray | None = None) -> np.ndarray:
        """(pairs, fields) log2 Bayes factors; `tf` holds per pair the frequency of the person's
        first name and surname (columns in TF_FIELDS order), used at the exact level."""
        out = np.zeros(gamma.shape, dtype=np.float64)
        bf = self.bayes_factors()
        for j, f in enumerate(FIELDS):
            g = gamma[:, j]
            known = g >= 0
            out[known, j] = bf[f][g[known]]
            if tf is not None and f in TF_FIELDS:
                k = list(TF_FIELDS).index(f)
                exact = g == 0
                freq = np.maximum(tf[exact, k], self.tf_minimum)
                out[exact, j] = np.log2(max(self.m[f][0], PROB_FLOOR) / freq)
        return out

    @property
    def prior_weight(self) -> float:
        return _logit2(self.prior)

    def probability(self, weights: np.ndarray, hash_linked: np.ndarray | None = None) -> np.ndarray:
        """Match probability of pairs; `hash_linked` (per pair) marks a child with a stage-1 link."""
        prior = np.full(len(weights), self.prior_weight)
        if hash_linked is not None and self.prior_hash_linked is not None:
            prior[hash_linked] = _logit2(self.prior_hash_linked)
        total = prior + weights.sum(axis=1)
        return 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))

    # -- storage ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        bf = self.bayes_factors()
        return {
            "type": "fellegi-sunter",
            "prior": self.prior,
            "prior_match_weight": round(self.prior_weight, 4),
            "prior_hash_linked": self.prior_hash_linked,
            "tf_minimum": self.tf_minimum,
            "comparisons": [
                {
                    "field": f,
                    "tf_adjusted_exact_level": f in TF_FIELDS,
                    "levels": [
                        {
                            "level": i,
                            "label": label,
                            "m": round(float(self.m[f][i]), 6),
                            "u": round(float(self.u[f][i]), 8),
                            "match_weight": round(float(bf[f][i]), 4),
                        }
                        for i, label in enumerate(COMPARISONS[f])
                    ],
                }
                for f in FIELDS
            ],
            "training": self.training,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FSModel:
        stored = {c["field"]: [lv["label"] for lv in c["levels"]] for c in data["comparisons"]}
        if stored != COMPARISONS:
            # weights learnt for other levels would be read against the wrong agreements
            raise ValueError("the stored model's comparison levels differ from this version's; retrain")
        model = cls()
        model.prior = float(data["prior"])
        linked = data.get("prior_hash_linked")
        model.prior_hash_linked = None if linked is None else float(linked)
        model.tf_minimum = float(data.get("tf_minimum", model.tf_minimum))
        for comp in data["comparisons"]:
            model.m[comp["field"]] = [lv["m"] for lv in comp["levels"]]
            model.u[comp["field"]] = [lv["u"] for lv in comp["levels"]]
        model.training = data.get("training", {})
        return model


def _logit2(p: float) -> float:
    return float(np.log2(p / (1 - p)))


def tf_tables(people: pd.DataFrame) -> dict[str, pd.Series]:
    """Relative frequency of each first name and surname key among the register children."""
    out = {}
    for f, col in TF_FIELDS.items():
        values = people[col][people[col] != ""]
        out[f] = values.value_counts(normalize=True)
    return out


def tf_for_pairs(people: pd.DataFrame, tables: dict[str, pd.Series], pi: np.ndarray) -> np.ndarray:
    cols = []
    for f, col in TF_FIELDS.items():
        freq = people[col].map(tables[f]).fillna(0.0).to_numpy(dtype=np.float64)
        cols.append(freq[pi])
    return np.stack(cols, axis=1) if cols else np.zeros((len(pi), 0))


def estimate_u(
    records: pd.DataFrame,
    people: pd.DataFrame,
    seed: int = 20251001,
    max_pairs: int = 300_000,
    encoded: Encoded | None = None,
) -> dict[str, list[float]]:
    """Level frequencies among random (record, child) pairs: nearly all are different children."""
    rng = np.random.default_rng(seed)
    n = max_pairs
    ri = rng.integers(0, len(records), n)
    pi = rng.integers(0, len(people), n)
    gamma = compare(records, people, ri, pi, encoded).gamma
    u: dict[str, list[float]] = {}
    for j, f in enumerate(FIELDS):
        g = gamma[:, j]
        g = g[g >= 0]
        counts = np.bincount(g, minlength=len(COMPARISONS[f])).astype(np.float64)
        u[f] = list((counts + 0.5) / (counts.sum() + 0.5 * len(counts)))  # smoothed: no level is impossible
    u.update({f: list(v) for f, v in U_FIXED.items()})
    return u


def patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct comparison vectors of `gamma`, how many pairs have each, and each pair's pattern.

    Levels are small (-1..3), so a few hundred patterns stand for millions of pairs: EM and the
    weights are computed per pattern, not per pair.
    """
    if len(gamma) == 0:
        return np.zeros((0, gamma.shape[1]), dtype=np.int8), np.zeros(0, np.int64), np.zeros(0, np.int64)
    code = np.zeros(len(gamma), dtype=np.int64)
    for j in range(gamma.shape[1]):
        code = code * 8 + (gamma[:, j].astype(np.int64) + 1)
    _, first, inverse, counts = np.unique(code, return_index=True, return_inverse=True, return_counts=True)
    return gamma[first], counts, inverse.reshape(-1)


def expectation_maximisation(
    gamma: np.ndarray,
    model: FSModel,
    fields: list[str],
    *,
    iterations: int = 200,
    start_lambda: float = 0.05,
    tolerance: float = 1e-6,
    classes: np.ndarray | None = None,
) -> tuple[dict[str, list[float]], np.ndarray, int]:
    """EM for m of `fields` on blocked pairs; other fields are left out of the session.

    The non-matches of a session are not random pairs (a block on birth date and an initial makes
    similar names far more common among them), so the session learns their level frequencies too,
    starting from the random-pair u; only m leaves the session, scoring keeps the random-pair u.
    With u held at the random-pair values, EM at Brussels scale (matches about 1.5% of the blocked
    pairs) took the bulk of the non-matches for matches (match share 0.92, m of an exact surname
    0.02) and sent 1% of the register to review.

    Runs on the distinct comparison patterns weighted by their counts (the same sums as over every
    pair, at a fraction of the cost), until no parameter moves more than `tolerance`.
    `classes` (0 or 1 per pair) gives each class of pairs its own share of matches (the pairs of
    children with and without a stage-1 link). Returns the new m values, the share of matches among
    each class's pairs (index 0 and 1), and the iterations run.
    """
    idx = [FIELDS.index(f) for f in fields]
    cls = np.zeros(len(gamma), np.int8) if classes is None else np.asarray(classes, dtype=np.int8)
    g, n, _ = patterns(np.column_stack([gamma[:, idx], cls]))
    g, pair_class = g[:, :-1], g[:, -1].astype(np.int64)
    n = n.astype(np.float64)
    class_pairs = np.bincount(pair_class, weights=n, minlength=2)
    m = {f: np.array(model.m[f], dtype=np.float64) for f in fields}
    u = {f: np.maximum(np.array(model.u[f], dtype=np.float64), PROB_FLOOR) for f in fields}
    lam = np.full(2, start_lambda)
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 - the count is returned
        log_m = np.zeros(len(g))
        log_u = np.zeros(len(g))
        for k, f in enumerate(fields):
            col = g[:, k]
            known = col >= 0
            log_m[known] += np.log(np.maximum(m[f][col[known]], PROB_FLOOR))
            log_u[known] += np.log(np.maximum(u[f][col[known]], PROB_FLOOR))
        a = np.log(lam[pair_class]) + log_m
        b = np.log1p(-lam[pair_class]) + log_u
        w = 1.0 / (1.0 + np.exp(np.clip(b - a, -50, 50)))
        matches, non_matches = w * n, (1.0 - w) * n
        per_class = np.bincount(pair_class, weights=matches, minlength=2)
        new_lam = np.where(class_pairs > 0, per_class / np.maximum(class_pairs, 1), start_lambda)
        new_lam = np.clip(new_lam, 1e-9, 1 - 1e-9)
        change = float(np.abs(new_lam - lam).max())
        lam = new_lam
        for k, f in enumerate(fields):
            col = g[:, k]
            known = col >= 0
            for params, weight in ((m, matches), (u, non_matches)):
                sums = np.bincount(col[known], weights=weight[known], minlength=len(params[f]))
                total = sums.sum()
                if total > 0:
                    new = np.maximum(sums / total, PROB_FLOOR)
                    new = new / new.sum()
                    change = max(change, float(np.abs(new - params[f]).max()))
                    params[f] = new
        if change < tolerance:
            break
    return {f: list(map(float, m[f])) for f in fields}, lam, done
