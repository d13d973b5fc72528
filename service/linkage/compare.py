"""Comparison vectors: for each candidate pair, one agreement level per field.

Levels are small integers, 0 the strongest agreement; -1 means a value is missing on either side
(the field then adds no evidence). String similarities are computed pair-wise in C by rapidfuzz
(`process.cpdist`) once per distinct pair of values, so a few million pairs cost seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.core.reference import brussels_postcodes
from service.linkage.normalise import surname_segments, swap_day_month

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
        "one part of a compound surname equal (particles glued or as words) or within Jaro-Winkler 0.92 of a"
        " part of the other, skeleton equal, or Jaro-Winkler >= 0.92",
        "Jaro-Winkler >= 0.80",
        "different",
    ],
    "birth_date": [
        "exact",
        "day and month swapped, one digit wrong, two adjacent digits transposed, or day, month or year one off",
        "within 31 days",
        "two digits wrong",
        "different",
    ],
    "sex": ["equal", "different"],
    "postcode": ["equal", "another Brussels postcode", "outside Brussels"],
    "national_number": [
        "no usable number (missing, invalid, bis, inconsistent with the record, or contradicted by the names)",
        "a valid regular number that is not in the register",
    ],
    # only where a list carries the domicile's street (the register always does)
    "address": [
        "street (Jaro-Winkler >= 0.92) and house number equal",
        "street equal or Jaro-Winkler >= 0.92, another house number",
        "different",
    ],
}
FIELDS = list(COMPARISONS)
TF_FIELDS = {"first_name": "fn", "surname": "sn"}  # exact levels adjusted for how common the value is


@dataclass
class Compared:
    gamma: np.ndarray  # (pairs, fields) int8, -1 = missing
    swapped: np.ndarray  # bool: the record's first and last names were read the other way round


def _shared_codes(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """One integer code per distinct value across all `columns` (e.g. record and register side)."""
    sizes = [len(c) for c in columns]
    codes, uniques = pd.factorize(np.concatenate(columns), sort=False)
    codes = codes.astype(np.int32)
    return list(np.split(codes, np.cumsum(sizes)[:-1])), np.asarray(uniques, dtype=object)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (a, b) code pairs and, per input pair, the position of its distinct pair."""
    width = np.int64(max(int(a.max(initial=0)), int(b.max(initial=0))) + 1)
    inverse, distinct = pd.factorize(a.astype(np.int64) * width + b, sort=False)
    return (distinct // width).astype(np.int64), (distinct % width).astype(np.int64), inverse


def _token_matrix(split: list[list[str]] | list[tuple[str, ...]]) -> np.ndarray:
    """Token ids of each value's tokens, one row per value, padded with -1."""
    width = max((len(t) for t in split), default=0) or 1
    vocab: dict[str, int] = {}
    out = np.full((len(split), width), -1, dtype=np.int32)
    for i, tokens in enumerate(split):
        for k, token in enumerate(tokens):
            out[i, k] = vocab.setdefault(token, len(vocab))
    return out


def _token_subset(ta: np.ndarray, tb: np.ndarray, chunk: int = 500_000) -> np.ndarray:
    """True where one side's tokens are all among the other's (compound or extra names).

    The same test as rapidfuzz's `token_set_ratio == 100` (non-empty intersection and one side has
    no tokens of its own), on rows of token ids padded with -1.
    """
    out = np.zeros(len(ta), dtype=bool)
    for lo in range(0, len(ta), chunk):
        a, b = ta[lo : lo + chunk], tb[lo : lo + chunk]
        same = a[:, :, None] == b[:, None, :]
        a_in_b = (same.any(axis=2) | (a < 0)).all(axis=1)
        b_in_a = (same.any(axis=1) | (b < 0)).all(axis=1)
        out[lo : lo + chunk] = (a[:, 0] >= 0) & (b[:, 0] >= 0) & (a_in_b | b_in_a)
    return out


@dataclass
class _Names:
    """One name (first name or surname) of both sides, coded once per distinct token string.

    The key (first given name / glued surname) and its skeleton are functions of the token string
    (see normalise.add_keys), so a pair of token strings decides the comparison level.
    """

    record: np.ndarray  # token-string code per record, read straight
    record_swapped: np.ndarray  # ... read from the other name field
    person: np.ndarray  # token-string code per register child
    key: np.ndarray  # per token-string code: code of its key
    skel: np.ndarray  # per token-string code: code of its skeleton ("" -> -1)
    keys: np.ndarray  # key strings
    tokens: tuple[np.ndarray, ...]  # per token-string code: token ids, padded with -1, per tokenisation
    parts: list[tuple[str, ...]] | None = None  # surnames: per token-string code, its parts (>= 3 letters)

    @classmethod
    def build(
        cls,
        records: pd.DataFrame,
        people: pd.DataFrame,
        key: str,
        skel: str,
        toks: str,
        *,
        surname: bool = False,
    ) -> _Names:
        def cols(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            r = records[name].to_numpy()
            rx = records["x_" + name].to_numpy() if "x_" + name in records else r
            return r, rx, people[name].to_numpy()

        (t_r, t_rx, t_p), tok_values = _shared_codes(*cols(toks))
        (k_r, k_rx, k_p), key_values = _shared_codes(*cols(key))
        (s_r, s_rx, s_p), skel_values = _shared_codes(*cols(skel))
        key_of = np.zeros(len(tok_values), dtype=np.int32)
        skel_of = np.zeros(len(tok_values), dtype=np.int32)
        for t, k, s in ((t_r, k_r, s_r), (t_rx, k_rx, s_rx), (t_p, k_p, s_p)):
            key_of[t], skel_of[t] = k, s
        skel_of[(skel_values == "")[skel_of]] = -1
        words = [v.split(" ") if v else [] for v in tok_values.tolist()]
        # a surname's parts with their particles glued (`da silva pereira` -> dasilva, pereira), and
        # its plain words: a list that dropped the particles (`Wouwghem` for `Van den Wouwghem`) or
        # kept only them (`El` for `El Bakkali`) still keeps a part of the name
        tokenised = [_token_matrix(words)]
        parts = None
        if surname:
            segments = [surname_segments(v) for v in tok_values.tolist()]
            tokenised.append(_token_matrix(segments))
            parts = [
                tuple({p for p in (*w, *g) if len(p) >= 3}) for w, g in zip(words, segments, strict=True)
            ]
        return cls(t_r, t_rx, t_p, key_of, skel_of, key_values, tuple(tokenised), parts)

    def _part_close(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Compound surnames: one part of one side within Jaro-Winkler 0.92 of a part of the other
        (`Rodrguez` for `López Rodríguez`: a list kept one part and mistyped it)."""
        out = np.zeros(len(a), dtype=bool)
        if self.parts is None or not len(a):
            return out
        left: list[str] = []
        right: list[str] = []
        owner: list[int] = []
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            pa, pb = self.parts[x], self.parts[y]
            if pa and pb and len(pa) + len(pb) > 2:
                for u in pa:
                    for v in pb:
                        left.append(u)
                        right.append(v)
                        owner.append(i)
        if owner:
            score = process.cpdist(left, right, scorer=JaroWinkler.normalized_similarity, workers=-1)
            hit = np.asarray(owner)[score >= 0.92]
            out[hit] = True
        return out

    def levels(self, record_codes: np.ndarray, ri: np.ndarray, pi: np.ndarray) -> np.ndarray:
        """Levels for the pairs, computed once per distinct pair of token strings."""
        if len(ri) == 0:
            return np.zeros(0, dtype=np.int8)
        a, b, inverse = _distinct_pairs(record_codes[ri], self.person[pi])
        ka, kb = self.key[a], self.key[b]
        exact = ka == kb
        jw = np.zeros(len(a), dtype=np.float32)
        inexact = np.flatnonzero(~exact)
        if len(inexact):
            jw[inexact] = process.cpdist(
                self.keys[ka[inexact]],
                self.keys[kb[inexact]],
                scorer=JaroWinkler.normalized_similarity,
                score_cutoff=0.79,  # nothing below 0.80 matters (0.79: float32 rounding at 0.80)
                workers=-1,
            ).astype(np.float32)
        close = (jw >= 0.92) | ((self.skel[a] == self.skel[b]) & (self.skel[a] >= 0))
        rest = np.flatnonzero(~exact & ~close)
        for tokens in self.tokens:
            close[rest] |= _token_subset(tokens[a[rest]], tokens[b[rest]])
        rest = rest[~close[rest]]
        close[rest] = self._part_close(a[rest], b[rest])
        level = np.full(len(a), 3, dtype=np.int8)
        level[jw >= 0.80] = 2
        level[close] = 1
        level[exact] = 0
        empty = self.keys == ""
        level[empty[ka] | empty[kb]] = -1
        return level[inverse]


def _date_levels(r: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Birth-date levels, computed once per distinct (record date, register date) pair."""
    if len(r) == 0:
        return np.zeros(0, dtype=np.int8)
    inverse, distinct = pd.factorize(r.astype(np.int64) * 100_000_000 + p, sort=False)
    return _date_levels_distinct(distinct // 100_000_000, distinct % 100_000_000)[inverse]


def _date_levels_distinct(r: np.ndarray, p: np.ndarray) -> np.ndarray:
    level = np.full(len(r), 4, dtype=np.int8)
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
        # one of day, month or year off by one, the others equal (19 -> 20, 2009 -> 2010: two digits)
        ry, rm, rday = r // 10000, (r // 100) % 100, r % 100
        py, pm, pday = p // 10000, (p // 100) % 100, p % 100
        one_off = np.abs(ry - py) + np.abs(rm - pm) + np.abs(rday - pday) == 1
        level[wrong == 2] = 3
        level[days <= 31] = 2
        level[(wrong == 1) | transposed | one_off | (swap_day_month(r) == p)] = 1
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


@dataclass
class Encoded:
    """The integer codes `compare` reads, built once for a (records, people) pair of frames."""

    first: _Names
    last: _Names
    sex: tuple[np.ndarray, np.ndarray, np.ndarray]  # record codes, person codes, known (M/F) per code
    postcode: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # codes, Brussels and empty per code
    street: tuple[np.ndarray, np.ndarray, np.ndarray]  # record codes, person codes, folded streets
    house: tuple[np.ndarray, np.ndarray, np.ndarray]  # record codes, person codes, empty per code


def _address_levels(enc: Encoded, ri: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Address levels, the street compared once per distinct pair of streets."""
    sr, sp, streets = enc.street
    level = np.full(len(ri), -1, dtype=np.int8)
    known = np.flatnonzero((streets[sr[ri]] != "") & (streets[sp[pi]] != ""))
    if not len(known):
        return level
    a, b, inverse = _distinct_pairs(sr[ri[known]], sp[pi[known]])
    close = a == b
    rest = np.flatnonzero(~close)
    if len(rest):
        score = process.cpdist(
            streets[a[rest]], streets[b[rest]], scorer=JaroWinkler.normalized_similarity, workers=-1
        )
        close[rest] = score >= 0.92
    hr, hp, empty = enc.house
    same_house = (hr[ri[known]] == hp[pi[known]]) & ~empty[hr[ri[known]]]
    street_close = close[inverse]
    level[known] = np.where(street_close & same_house, 0, np.where(street_close, 1, 2))
    return level


def encode(records: pd.DataFrame, people: pd.DataFrame) -> Encoded:
    (sr, sp), sexes = _shared_codes(records["sex"].to_numpy(), people["sex"].to_numpy())
    (pr, pp), postcodes = _shared_codes(records["postcode"].to_numpy(), people["postcode"].to_numpy())
    (hr, hp), houses = _shared_codes(records["addr_house"].to_numpy(), people["addr_house"].to_numpy())
    (tr, tp), streets = _shared_codes(records["addr_street"].to_numpy(), people["addr_street"].to_numpy())
    return Encoded(
        first=_Names.build(records, people, "fn", "fn_skel", "fn_all"),
        last=_Names.build(records, people, "sn", "sn_skel", "sn_fold", surname=True),
        sex=(sr, sp, np.isin(sexes, ["M", "F"])),
        postcode=(pr, pp, np.isin(postcodes, list(brussels_postcodes())), postcodes == ""),
        street=(tr, tp, streets.astype(str)),
        house=(hr, hp, houses == ""),
    )


def compare(
    records: pd.DataFrame,
    people: pd.DataFrame,
    ri: np.ndarray,
    pi: np.ndarray,
    encoded: Encoded | None = None,
) -> Compared:
    """Comparison levels for the pairs (records[ri], people[pi]); both frames carry `add_keys` columns.

    Names are compared both ways round (a list may swap first and last name); the reading with the
    stronger agreement is kept and flagged. Values are integer codes shared by both sides (`encode`,
    pass it when comparing the same frames again), and every string comparison runs once per
    distinct pair of values (names repeat a lot across pairs).
    """
    ri = np.asarray(ri, dtype=np.int64)
    pi = np.asarray(pi, dtype=np.int64)
    enc = encoded or encode(records, people)
    first, last = enc.first, enc.last
    fn, sn = first.levels(first.record, ri, pi), last.levels(last.record, ri, pi)
    # read the other way round: the record's surname field holds the first name and vice versa
    fn_x, sn_x = first.levels(first.record_swapped, ri, pi), last.levels(last.record_swapped, ri, pi)
    cost = np.where(fn < 0, 3, fn) + np.where(sn < 0, 3, sn)
    cost_x = np.where(fn_x < 0, 3, fn_x) + np.where(sn_x < 0, 3, sn_x)
    swapped = cost_x < cost - 1  # only a clearly better reading counts as a swap
    fn = np.where(swapped, fn_x, fn)
    sn = np.where(swapped, sn_x, sn)

    dob = _date_levels(records["dob"].to_numpy()[ri], people["dob"].to_numpy()[pi])
    sr, sp, known = enc.sex
    a, b = sr[ri], sp[pi]
    sex = np.where(known[a] & known[b], np.where(a == b, 0, 1), -1).astype(np.int8)
    pr, pp, brussels, empty = enc.postcode
    a, b = pr[ri], pp[pi]
    pc = np.where(a == b, 0, np.where(brussels[a], 1, 2)).astype(np.int8)
    pc[empty[a] | empty[b]] = -1
    nn_class = records["nn_class"].to_numpy()[ri] if "nn_class" in records else np.zeros(len(ri), np.int8)
    address = _address_levels(enc, ri, pi)
    gamma = np.stack([fn, sn, dob, sex, pc, nn_class, address], axis=1).astype(np.int8)
    return Compared(gamma, swapped)
