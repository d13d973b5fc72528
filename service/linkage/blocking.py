"""Blocking: which (record, register child) pairs are compared at all.

Each rule is an equi-join on keys; a pair is a candidate when any rule produces it. Together the
rules must keep nearly every true pair (pair completeness, measured per rule by the bench) while
comparing a tiny share of all pairs. Rules join whole columns (pandas merges on integer codes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BlockingRule:
    name: str
    description: str
    record_columns: tuple[str, ...]
    person_columns: tuple[str, ...]


RULES: tuple[BlockingRule, ...] = (
    BlockingRule(
        "birth_date_surname",
        "exact birth date and first letter of the surname",
        ("dob", "sn_init"),
        ("dob", "sn_init"),
    ),
    BlockingRule(
        "birth_date_first_name",
        "exact birth date and first letter of the first name",
        ("dob", "fn_init"),
        ("dob", "fn_init"),
    ),
    BlockingRule(
        "birth_date_swapped",
        "birth date with day and month swapped, first letter of the surname",
        ("dob_swap", "sn_init"),
        ("dob", "sn_init"),
    ),
    BlockingRule(
        "year_surname",
        "birth year and transliteration skeleton of the surname",
        ("byear", "sn_skel"),
        ("byear", "sn_skel"),
    ),
    BlockingRule(
        "names",
        "skeletons of first name and surname (any birth date)",
        ("fn_skel", "sn_skel"),
        ("fn_skel", "sn_skel"),
    ),
    BlockingRule(
        "names_swapped",
        "skeletons of the names read the other way round (any birth date)",
        ("x_fn_skel", "x_sn_skel"),
        ("fn_skel", "sn_skel"),
    ),
)
MAX_BLOCK = 5_000  # a key shared by more register children than this is too unspecific to block on


def _keys(records: pd.DataFrame, people: pd.DataFrame, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for the rule's key on both sides (-1 where a key part is missing)."""
    n_r = len(records)
    parts = []
    missing_r = np.zeros(n_r, dtype=bool)
    missing_p = np.zeros(len(people), dtype=bool)
    for rc, pc in zip(rule.record_columns, rule.person_columns, strict=True):
        both = pd.concat([records[rc], people[pc]], ignore_index=True)
        codes, _ = pd.factorize(both, sort=False)
        parts.append(codes.astype(np.int64))
        empty = (both == "") | (both == 0)
        missing_r |= empty.to_numpy()[:n_r]
        missing_p |= empty.to_numpy()[n_r:]
    if len(parts) == 1:
        combined = parts[0]
    else:
        combined, _ = pd.factorize(pd.MultiIndex.from_arrays(parts), sort=False)
        combined = combined.astype(np.int64)
    r_key, p_key = combined[:n_r].copy(), combined[n_r:].copy()
    r_key[missing_r] = -1
    p_key[missing_p] = -2
    return r_key, p_key


def pairs_for_rule(records: pd.DataFrame, people: pd.DataFrame, rule: BlockingRule) -> np.ndarray:
    """Candidate pairs of one rule as int64 codes `record_index * len(people) + person_index`."""
    if not len(records) or not len(people):
        return np.zeros(0, dtype=np.int64)
    r_key, p_key = _keys(records, people, rule)
    sizes = pd.Series(p_key).value_counts()
    p_key = np.where(np.isin(p_key, sizes[sizes > MAX_BLOCK].index.to_numpy()), -2, p_key)
    left = pd.DataFrame({"k": r_key, "ri": np.arange(len(records), dtype=np.int64)})
    left = left[left["k"] >= 0]
    right = pd.DataFrame({"k": p_key, "pi": np.arange(len(people), dtype=np.int64)})
    right = right[right["k"] >= 0]
    joined = left.merge(right, on="k", how="inner")
    return joined["ri"].to_numpy() * len(people) + joined["pi"].to_numpy()


def candidate_pairs(
    records: pd.DataFrame, people: pd.DataFrame, rules: tuple[BlockingRule, ...] = RULES
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The union of all rules' pairs as (record indexes, person indexes), plus each rule's own codes."""
    per_rule = {rule.name: pairs_for_rule(records, people, rule) for rule in rules}
    allcodes = np.unique(np.concatenate(list(per_rule.values()))) if per_rule else np.zeros(0, np.int64)
    n = max(len(people), 1)
    return allcodes // n, allcodes % n, per_rule
