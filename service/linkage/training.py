"""Training the stage-2 model, and the health verdict that decides whether the trained model is used.

u comes from random pairs; m from EM in two sessions (blocked on birth date, then on names), each on
a bounded random sample of its candidate pairs (EM runs on patterns, the sample bounds the cost of
building them). The stage-1 hash links are free labels: their comparison levels give an m that EM
is checked against, and the fallback when EM degenerates.

EM can converge to a class that is not "same child" (at Brussels scale with 1.8 million pupils from
outside Brussels in stage 2 it learnt m(surname exact) = 0.035: the "match" class had become "pupil
living outside Brussels"). `health` states the checks every model must pass; a model that fails one
is not used: the run falls back to documented m values and says so in its counts, its stored model
and the command's output.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from service.linkage.compare import COMPARISONS, FIELDS, Encoded
from service.linkage.model import M_START, FSModel, estimate_u, expectation_maximisation

IDENTIFYING = ("first_name", "surname", "birth_date")
M_EXACT_FLOOR = 0.5  # below this, "the same child" no longer usually has the same name / birth date
HASH_DRIFT = 0.4  # EM's m(exact) may sit this far below the hash links' (records without numbers are messier)
MIN_LABELS = 200
M_LEVEL_FLOOR = 0.002  # a typo, a swapped date, a wrong value: each happens to a real match now and then  # hash links needed before their levels are used as m
EM_FIELDS = {
    "birth_date": ["first_name", "surname", "sex", "postcode", "address"],
    "names": ["birth_date", "sex", "postcode", "address"],
}


def labelled_m(gamma: np.ndarray) -> dict[str, list[float]] | None:
    """Level frequencies among trusted hash links (smoothed), or None with too few of them."""
    if len(gamma) < MIN_LABELS:
        return None
    out: dict[str, list[float]] = {}
    for j, f in enumerate(FIELDS):
        if f == "national_number":
            continue
        g = gamma[:, j]
        g = g[g >= 0]
        counts = np.bincount(g, minlength=len(COMPARISONS[f])).astype(np.float64)
        out[f] = list((counts + 1.0) / (counts.sum() + len(counts)))
    return out


def health(
    model: FSModel, *, labels: dict[str, list[float]] | None, expected_matches: float | None, ceiling: int
) -> dict[str, Any]:
    """Checks on a trained model: each identifying field's exact level is evidence for a match and
    its 'different' level against; m(exact) above a floor and near the hash links' m; the number of
    matches EM expects no more than the children or records there are."""
    problems: list[str] = []
    for f in IDENTIFYING:
        m, u = model.m[f], model.u[f]
        if m[0] < M_EXACT_FLOOR:
            problems.append(f"m({f} exact) = {m[0]:.3f} is below the floor {M_EXACT_FLOOR}")
        if m[0] <= u[0]:
            problems.append(f"m({f} exact) = {m[0]:.3f} is not above u = {u[0]:.3f}")
        if m[-1] >= u[-1]:
            problems.append(f"m({f} different) = {m[-1]:.3f} is not below u = {u[-1]:.3f}")
        if labels is not None and m[0] < labels[f][0] - HASH_DRIFT:
            problems.append(
                f"m({f} exact) = {m[0]:.3f} is far below {labels[f][0]:.3f} among the stage-1 hash links"
            )
    if expected_matches is not None and expected_matches > 1.1 * max(ceiling, 1):
        problems.append(
            f"EM expects {expected_matches:,.0f} matches, more than the {ceiling:,} records or children "
            "that could match"
        )
    return {"verdict": "implausible" if problems else "ok", "problems": problems}


def _floored(m: list[float]) -> list[float]:
    """No level is impossible for the same child: m of every level at least M_LEVEL_FLOOR."""
    values = np.maximum(np.asarray(m, dtype=np.float64), M_LEVEL_FLOOR)
    return list(map(float, values / values.sum()))


def _sample(mask: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    rows = np.flatnonzero(mask)
    if len(rows) > limit:
        rows = np.sort(rng.choice(rows, size=limit, replace=False))
    return rows


def _em_sessions(
    gamma: np.ndarray, masks: dict[str, np.ndarray], model: FSModel, settings: Any, pair_class: np.ndarray
):
    """Run the two EM sessions; returns the session reports and, for the first, the match share and
    the number of pairs of each class (children without / with a stage-1 link)."""
    rng = np.random.default_rng(settings.seed)
    sessions: list[dict[str, Any]] = []
    lam_dob = None
    for rule, fields in EM_FIELDS.items():
        mask = masks.get(rule)
        if mask is None or mask.sum() < max(settings.em_min_pairs, 1):
            sessions.append(
                {"blocked_on": rule, "pairs": int(0 if mask is None else mask.sum()), "skipped": True}
            )
            continue
        rows = _sample(mask, settings.em_max_pairs, rng)
        informative = [f for f in fields if (gamma[rows, FIELDS.index(f)] >= 0).mean() >= 0.1]
        if len(informative) < 2:
            # one field alone cannot tell two classes apart (EM then makes m of its 'different'
            # level 0.0001: a list without sex and postcode columns, FEBRL): keep the starting values
            sessions.append(
                {"blocked_on": rule, "pairs": int(mask.sum()), "skipped": True, "informative": informative}
            )
            continue
        m, lam, iterations = expectation_maximisation(
            gamma[rows], model, fields, iterations=settings.em_iterations, classes=pair_class[rows]
        )
        m = {f: _floored(v) for f, v in m.items()}
        keep = fields if rule == "birth_date" else ["birth_date"]
        for f in keep:
            model.m[f] = m[f]
        if rule == "birth_date":
            lam_dob = (lam, np.bincount(pair_class[mask], minlength=2))
        sessions.append(
            {
                "blocked_on": rule,
                "pairs": int(mask.sum()),
                "sampled_pairs": int(len(rows)),
                "fields": keep,
                "match_share": float(lam[0]),
                "match_share_hash_linked_children": float(lam[1]),
                "iterations": iterations,
            }
        )
    return sessions, lam_dob


def train(
    records: pd.DataFrame,
    people: pd.DataFrame,
    gamma: np.ndarray,
    masks: dict[str, np.ndarray],
    settings: Any,
    *,
    encoded: Encoded | None = None,
    labels: dict[str, list[float]] | None = None,
    pair_class: np.ndarray | None = None,
    hash_linked_people: int = 0,
) -> FSModel:
    """u from random pairs, m by EM; the health verdict decides whether EM's m is kept.

    `masks` holds the training pairs of each session ("birth_date", "names"); pairs of
    foreign-number records are never among them. `pair_class` marks (1) the pairs whose child
    already has a stage-1 link, `hash_linked_people` how many children have one: each class gets
    its own prior.
    """
    model = FSModel()
    model.u = estimate_u(records, people, settings.seed, settings.u_sample_pairs, encoded)
    classes = np.zeros(len(gamma), np.int8) if pair_class is None else pair_class.astype(np.int8)
    sessions, lam_dob = _em_sessions(gamma, masks, model, settings, classes)
    ceiling = min(len(records), len(people))
    expected = None
    if lam_dob is not None:
        per_class = lam_dob[0] * lam_dob[1] / max(model.m["birth_date"][0], 0.5)
        expected = float(per_class.sum())
    verdict = health(model, labels=labels, expected_matches=expected, ceiling=ceiling)
    pairs = len(records) * len(people)
    if verdict["verdict"] != "ok":
        verdict["used"] = fallback_m(model, ceiling, pairs, "the trained model failed its checks")
    elif expected is None:
        verdict["used"] = fallback_m(model, ceiling, pairs, "too few pairs to train on")
    else:
        _priors(model, per_class, len(records), len(people), hash_linked_people)
        verdict["used"] = "trained"
    model.training = {
        "u": "random sampling",
        "u_sample_pairs": settings.u_sample_pairs,
        "em": "m and the session's own non-match frequencies learnt together; only m is kept",
        "em_sessions": sessions,
        "health": verdict,
    }
    return model


def _priors(model: FSModel, expected: np.ndarray, records: int, people: int, linked: int) -> None:
    """A prior per class of pair: the matches EM expects among the pairs of children without a
    stage-1 link (class 0) and with one (class 1), over all pairs of that class."""
    sizes = np.array([records * max(people - linked, 0), records * linked], dtype=np.float64)
    priors = np.clip(expected / np.maximum(sizes, 1), 1e-12, 0.5)
    model.prior = float(priors[0]) if sizes[0] else float(priors[1])
    model.prior_hash_linked = float(priors[1]) if sizes[1] and sizes[0] else None


def fallback_m(model: FSModel, ceiling: int, pairs: int, reason: str) -> str:
    """Replace m by the documented starting values (M_START) and set a prior that expects half the
    possible matches. Not the hash links' levels: records with a number are cleaner than those
    without (m of a first-name typo 0.005 among hash links, 0.10 in M_START), so their m would
    turn every typo into evidence against the match."""
    for f, values in M_START.items():
        model.m[f] = list(values)
    model.prior = float(np.clip(0.5 * max(ceiling, 1) / max(pairs, 1), 1e-12, 0.5))
    return f"starting values ({reason})"


def default_model(records: pd.DataFrame, people: pd.DataFrame, settings: Any) -> FSModel:
    """The model used before any run of the year exists: u from the data, m from the starting values."""
    model = FSModel()
    model.u = estimate_u(records, people, settings.seed, min(settings.u_sample_pairs, 50_000))
    model.prior = float(np.clip(0.5 / max(len(people), 1), 1e-12, 0.5))
    model.training = {"u": "random sampling", "m": "starting values (no run of the year yet)"}
    return model
