"""Blocking: which (record, register child) pairs are compared at all.

Each rule is an equi-join on keys; a pair is a candidate when any rule produces it. Together the
rules must keep nearly every true pair (pair completeness, measured per rule by the bench) while
comparing a tiny share of all pairs. Rules join whole columns (pandas merges on integer codes); the
union is one sort of pair codes, remembering per pair which rules produced it (for training and
for the bench's completeness per rule).
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
        # without the initial this rule made 45% of the pairs at Brussels scale (937,000) and found
        # 2 true pairs no other rule found; with it: 93,000 pairs, the same 2 true pairs
        "year_surname_initial",
        "birth year, transliteration skeleton of the surname and first letter of the first name",
        ("byear", "sn_skel", "fn_init"),
        ("byear", "sn_skel", "fn_init"),
    ),
    BlockingRule(
        "birth_date_swapped_names",
        "exact birth date, first letter of the record's first-name field against the surname's",
        ("dob", "x_sn_init"),
        ("dob", "sn_init"),
    ),
    BlockingRule(
        "birth_date_swapped_first_name",
        "exact birth date, first letter of the record's surname field against the first name's",
        ("dob", "x_fn_init"),
        ("dob", "fn_init"),
    ),
    BlockingRule(
        # a truncated or mistyped surname and a birth date a little off (`Morales` for `Morales Molina`)
        "year_first_name_surname_initial",
        "birth year, transliteration skeleton of the first name and first letter of the surname",
        ("byear", "fn_skel", "sn_init"),
        ("byear", "fn_skel", "sn_init"),
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
    # a postcode on the list (when it has one) is what finds a child whose birth date and one name
    # are both wrong; lists without a postcode column make no pairs here
    BlockingRule(
        "birth_date_postcode", "exact birth date and postcode", ("dob", "postcode"), ("dob", "postcode")
    ),
    BlockingRule(
        "postcode_surname",
        "postcode and transliteration skeleton of the surname (any birth date)",
        ("postcode", "sn_skel"),
        ("postcode", "sn_skel"),
    ),
    BlockingRule(
        "postcode_first_name",
        "postcode and transliteration skeleton of the first name (any birth date)",
        ("postcode", "fn_skel"),
        ("postcode", "fn_skel"),
    ),
)
MAX_BLOCK = 5_000  # a key shared by more register children than this is too unspecific to block on


@dataclass
class Candidates:
    """The union of all rules' pairs, sorted by (record, person), and which rules produced each."""

    ri: np.ndarray  # record positions (int64)
    pi: np.ndarray  # person positions (int64)
    rules: np.ndarray  # uint16 bit set: bit k when RULES[k] (of the rules used) produced the pair
    names: tuple[str, ...]  # the rules used, in bit order

    def __len__(self) -> int:
        return len(self.ri)

    def mask(self, name: str) -> np.ndarray:
        """The pairs that rule `name` produced."""
        return (self.rules & np.uint16(1 << self.names.index(name))) != 0

    def count(self, name: str) -> int:
        return int(self.mask(name).sum())

    def only(self, name: str) -> np.ndarray:
        """The pairs that rule `name` produced and no other rule did."""
        return self.rules == np.uint16(1 << self.names.index(name))


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, _ = pd.factorize(values, sort=False)
    empty = ((values == "") | (values == 0)).to_numpy()
    return codes.astype(np.int64), empty


def _keys(records: pd.DataFrame, people: pd.DataFrame, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for the rule's key on both sides (-1 where a key part is missing)."""
    n_r = len(records)
    combined = np.zeros(n_r + len(people), dtype=np.int64)
    missing = np.zeros(n_r + len(people), dtype=bool)
    for rc, pc in zip(rule.record_columns, rule.person_columns, strict=True):
        both = pd.concat([records[rc], people[pc]], ignore_index=True)
        codes, empty = _codes(both)
        missing |= empty
        # re-factorize the running combination so codes stay small whatever the number of parts
        combined, _ = pd.factorize(combined * (int(codes.max(initial=0)) + 1) + codes, sort=False)
        combined = combined.astype(np.int64)
    r_key, p_key = combined[:n_r].copy(), combined[n_r:].copy()
    r_key[missing[:n_r]] = -1
    p_key[missing[n_r:]] = -2
    return r_key, p_key


def pairs_for_rule(records: pd.DataFrame, people: pd.DataFrame, rule: BlockingRule) -> np.ndarray:
    """Candidate pairs of one rule as int64 codes `record_index * len(people) + person_index`."""
    if not len(records) or not len(people):
        return np.zeros(0, dtype=np.int64)
    r_key, p_key = _keys(records, people, rule)
    sizes = np.bincount(p_key[p_key >= 0])
    too_big = np.flatnonzero(sizes > MAX_BLOCK)
    if len(too_big):
        p_key = np.where(np.isin(p_key, too_big), -2, p_key)
    left = pd.DataFrame({"k": r_key, "ri": np.arange(len(records), dtype=np.int64)})
    left = left[left["k"] >= 0]
    right = pd.DataFrame({"k": p_key, "pi": np.arange(len(people), dtype=np.int64)})
    right = right[right["k"] >= 0]
    joined = left.merge(right, on="k", how="inner")
    return joined["ri"].to_numpy() * len(people) + joined["pi"].to_numpy()


def candidate_pairs(
    records: pd.DataFrame, people: pd.DataFrame, rules: tuple[BlockingRule, ...] = RULES
) -> Candidates:
    """The union of all rules' pairs, each with the set of rules that produced it."""
    assert len(rules) <= 16, "rule bits are kept in a uint16"
    per_rule = [pairs_for_rule(records, people, rule) for rule in rules]
    names = tuple(r.name for r in rules)
    if not per_rule or not sum(len(c) for c in per_rule):
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty.copy(), np.zeros(0, dtype=np.uint16), names)
    codes = np.concatenate(per_rule)
    bits = np.concatenate([np.full(len(c), 1 << k, dtype=np.uint16) for k, c in enumerate(per_rule)])
    order = np.argsort(codes, kind="stable")
    codes, bits = codes[order], bits[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    rule_bits = np.bitwise_or.reduceat(bits, starts)
    unique = codes[starts]
    n = max(len(people), 1)
    return Candidates(unique // n, unique % n, rule_bits, names)
