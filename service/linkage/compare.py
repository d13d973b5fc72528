"""Comparison vectors: for each candidate pair, one agreement level per field.

Levels are small integers, 0 the strongest agreement; -1 means a value is missing on either side
(the field then adds no evidence). String similarities are computed pair-wise in C by rapidfuzz
(`process.cpdist`), so a few million pairs cost seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from service.gemeenten.reference import brussels_postcodes

# The comparisons, their levels (strongest first) and how each is decided: stored with every run.
COMPARISONS: dict[str, list[str]] = {
    "first_name": [
        "exact (folded first given name)",
        "transliteration skeleton equal, Jaro-Winkler >= 0.92, or another given name equal",
        "Jaro-Winkler >= 0.80",
        "different",
    ],
    "surname": [
        "exact (folded, particles glued)",
        "one part of a compound surname equal, skeleton equal, or Jaro-Winkler >= 0.92",
        "Jaro-Winkler >= 0.80",
        "different",
    ],
    "birth_date": [
        "exact",
        "day and month swapped, or one digit wrong or two adjacent digits transposed",
        "two digits wrong or within 31 days",
        "different",
    ],
    "sex": ["equal", "different"],
    "postcode": ["equal", "another Brussels postcode", "outside Brussels"],
    "national_number": [
        "no usable number (missing, invalid, bis, inconsistent with the record, or contradicted by the names)",
        "a valid regular number that is not in the register",
    ],
}
FIELDS = list(COMPARISONS)
TF_FIELDS = {"first_name": "fn", "surname": "sn"}  # exact levels adjusted for how common the value is


@dataclass
class Compared:
    gamma: np.ndarray  # (pairs, fields) int8, -1 = missing
    swapped: np.ndarray  # bool: the record's first and last names were read the other way round


def _jw(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    return process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1).astype(np.float32)


def _token_subset(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where every token of the shorter value is in the longer one (compound or extra names)."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    return process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=-1) >= 99.5


def _name_levels(
    r_key: np.ndarray,
    p_key: np.ndarray,
    r_skel: np.ndarray,
    p_skel: np.ndarray,
    r_toks: np.ndarray,
    p_toks: np.ndarray,
) -> np.ndarray:
    jw = _jw(r_key, p_key)
    subset = _token_subset(r_toks, p_toks)
    level = np.full(len(r_key), 3, dtype=np.int8)
    level[jw >= 0.80] = 2
    level[(jw >= 0.92) | ((r_skel == p_skel) & (r_skel != "")) | subset] = 1
    level[r_key == p_key] = 0
    level[(r_key == "") | (p_key == "")] = -1
    return level


def _date_levels(r: np.ndarray, p: np.ndarray, r_swap: np.ndarray) -> np.ndarray:
    level = np.full(len(r), 3, dtype=np.int8)
    if len(r):
        rd = _digits(r)
        pd_ = _digits(p)
        diff = rd != pd_
        wrong = diff.sum(axis=1)
        # adjacent transposition: exactly two neighbouring digits differ and are each other's value
        transposed = np.zeros(len(r), dtype=bool)
        for i in range(7):
            transposed |= (
                (wrong == 2)
                & diff[:, i]
                & diff[:, i + 1]
                & (rd[:, i] == pd_[:, i + 1])
                & (rd[:, i + 1] == pd_[:, i])
            )
        days = np.abs(_days(r) - _days(p))
        level[(wrong == 2) | (days <= 31)] = 2
        level[(wrong == 1) | transposed | (r_swap == p)] = 1
        level[r == p] = 0
    level[(r == 0) | (p == 0)] = -1
    return level


def _digits(values: np.ndarray) -> np.ndarray:
    out = np.empty((len(values), 8), dtype=np.int8)
    v = values.astype(np.int64)
    for i in range(7, -1, -1):
        out[:, i] = v % 10
        v = v // 10
    return out


def _days(values: np.ndarray) -> np.ndarray:
    """yyyymmdd -> day number (approximate for impossible dates, good enough for a distance)."""
    y, m, d = values // 10000, (values // 100) % 100, values % 100
    return (y * 372 + m * 31 + d).astype(np.int64)


def _sex_levels(r: np.ndarray, p: np.ndarray) -> np.ndarray:
    known = np.isin(r, ["M", "F"]) & np.isin(p, ["M", "F"])
    return np.where(known, np.where(r == p, 0, 1), -1).astype(np.int8)


def _postcode_levels(r: np.ndarray, p: np.ndarray) -> np.ndarray:
    brussels = np.isin(r, list(brussels_postcodes()))
    level = np.where(r == p, 0, np.where(brussels, 1, 2)).astype(np.int8)
    level[(r == "") | (p == "")] = -1
    return level


def _col(frame: pd.DataFrame, name: str, idx: np.ndarray) -> np.ndarray:
    return frame[name].to_numpy()[idx]


def compare(records: pd.DataFrame, people: pd.DataFrame, ri: np.ndarray, pi: np.ndarray) -> Compared:
    """Comparison levels for the pairs (records[ri], people[pi]); both frames carry `add_keys` columns.

    Names are compared both ways round (a list may swap first and last name); the reading with the
    stronger agreement is kept and flagged.
    """
    p_fn, p_sn = _col(people, "fn", pi), _col(people, "sn", pi)
    p_fn_skel, p_sn_skel = _col(people, "fn_skel", pi), _col(people, "sn_skel", pi)
    p_fn_all, p_sn_segs = _col(people, "fn_all", pi), _col(people, "sn_segs", pi)

    def levels(prefix: str) -> tuple[np.ndarray, np.ndarray]:
        fn = _name_levels(
            _col(records, prefix + "fn", ri),
            p_fn,
            _col(records, prefix + "fn_skel", ri),
            p_fn_skel,
            _col(records, prefix + "fn_all", ri),
            p_fn_all,
        )
        sn = _name_levels(
            _col(records, prefix + "sn", ri),
            p_sn,
            _col(records, prefix + "sn_skel", ri),
            p_sn_skel,
            _col(records, prefix + "sn_segs", ri),
            p_sn_segs,
        )
        return fn, sn

    fn, sn = levels("")
    fn_x, sn_x = levels("x_")
    cost = np.where(fn < 0, 3, fn) + np.where(sn < 0, 3, sn)
    cost_x = np.where(fn_x < 0, 3, fn_x) + np.where(sn_x < 0, 3, sn_x)
    swapped = cost_x < cost - 1  # only a clearly better reading counts as a swap
    fn = np.where(swapped, fn_x, fn)
    sn = np.where(swapped, sn_x, sn)

    dob = _date_levels(_col(records, "dob", ri), _col(people, "dob", pi), _col(records, "dob_swap", ri))
    sex = _sex_levels(_col(records, "sex", ri).astype(str), _col(people, "sex", pi).astype(str))
    pc = _postcode_levels(_col(records, "postcode", ri).astype(str), _col(people, "postcode", pi).astype(str))
    nn_class = _col(records, "nn_class", ri) if "nn_class" in records else np.zeros(len(ri), dtype=np.int8)
    gamma = np.stack([fn, sn, dob, sex, pc, nn_class], axis=1).astype(np.int8)
    return Compared(gamma, swapped)
