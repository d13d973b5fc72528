"""Noise injected into list records, at configurable rates, and recorded for the ground truth.

The linkage must survive what real school lists contain: missing and mistyped national numbers
(some mistypes still pass the checksum), a sibling's number, typing and transliteration noise in
names, swapped or truncated names, and birth-date slips. Each record gets at most a few errors so
that a record stays recognisable to a human reviewer.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

import numpy as np

from service.core.national_number import NNProblem, parse
from sim.generate import names

# Rates marked "given" apply only to records where the error is possible (a name with accents, a
# compound surname, a day <= 12, a child with siblings...); the others apply to every record.
KINDS = (
    "nn_missing",
    "nn_typo",
    "nn_sibling",
    "translit",
    "compound_truncated",
    "particle",
    "accent",
    "name_typo",
    "name_swap",
    "dm_swap",
    "date_digit",
    "upper",
)


_BIT = {kind: 1 << i for i, kind in enumerate(KINDS)}
_ALWAYS = sum(_BIT[k] for k in ("nn_missing", "nn_typo", "name_typo", "name_swap", "date_digit", "upper"))
_DM_SWAP, _SIBLING = _BIT["dm_swap"], _BIT["nn_sibling"]


def _name_bits(name: str, *, last: bool) -> int:
    """Which name errors a name allows (plus every error that any record allows)."""
    bits = _ALWAYS
    if names.has_accents(name):
        bits |= _BIT["accent"]
    if last:
        bits |= _BIT["compound_truncated"] if names.is_compound(name) else 0
        bits |= _BIT["particle"] if names.has_particle(name) else 0
    elif names.has_variants(name):
        bits |= _BIT["translit"]
    return bits


@dataclass(frozen=True)
class ErrorRates:
    """Per-record probabilities of each injected error."""

    nn_missing: float = 0.03
    nn_typo: float = 0.012  # one digit changed or two adjacent digits swapped
    nn_typo_valid_share: float = 0.1  # share of mistypes that still pass the checksum
    nn_sibling: float = 0.003  # given siblings
    translit: float = 0.25  # given a first name with accepted variants (Mohamed / Mohammed)
    compound_truncated: float = 0.2  # given a compound surname (Fernández García -> Fernández)
    particle: float = 0.2  # given a surname with a particle (Van den Bossche -> Vandenbossche)
    accent: float = 0.2  # given a name with diacritics
    name_typo: float = 0.03  # a letter dropped, doubled, replaced or two letters swapped
    name_swap: float = 0.005  # first and last name in each other's column
    dm_swap: float = 0.01  # given a day <= 12 that differs from the month
    date_digit: float = 0.006  # one digit of the birth date wrong
    upper: float = 0.03  # names typed in capitals
    max_per_record: int = 3

    @classmethod
    def harsh(cls) -> ErrorRates:
        """Roughly 2.5 times the default rates, for stress tests of the linkage."""
        base = cls()
        scaled = {
            f.name: min(0.6, getattr(base, f.name) * 2.5)
            for f in fields(cls)
            if f.name not in ("nn_typo_valid_share", "max_per_record")
        }
        return replace(base, **scaled)

    @classmethod
    def preset(cls, name: str) -> ErrorRates:
        if name == "default":
            return cls()
        if name == "harsh":
            return cls.harsh()
        raise ValueError(f"unknown error preset '{name}' (use default or harsh)")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class ListRecord:
    """One row of a list file, before formatting: identity fields plus the file-specific rest."""

    __slots__ = (
        "nn", "last", "first", "birth", "sex", "postcode", "uid", "siblings", "errors", "extra",
    )  # fmt: skip

    def __init__(
        self,
        nn: str,
        last: str,
        first: str,
        birth: date,
        sex: str,
        postcode: str,
        uid: str,
        siblings: tuple[str, ...],
        extra: tuple[object, ...],
    ) -> None:
        self.nn = nn
        self.last = last
        self.first = first
        self.birth = birth
        self.sex = sex  # "M" or "F"; each file writes its own code
        self.postcode = postcode
        self.uid = uid  # child_uid of the register child, "" for anyone else
        self.siblings = siblings  # national numbers of brothers and sisters (own number may be among them)
        self.errors: list[str] = []
        self.extra = extra  # file-specific fields (school, level, dates...), formatted by the writer


_NEIGHBOURS = {
    "a": "zqs", "z": "aes", "e": "zrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "om", "q": "as", "s": "qdz", "d": "sfe", "f": "dgr", "g": "fht", "h": "gjy",
    "j": "hku", "k": "jli", "l": "kmo", "m": "ln", "w": "xs", "x": "wc", "c": "xv", "v": "cb",
    "b": "vn", "n": "bm",
}  # fmt: skip


class Injector:
    """Draws which errors hit which records (vectorised), then applies them one record at a time."""

    def __init__(self, rates: ErrorRates, rng: np.random.Generator, py: random.Random) -> None:
        self.rates = rates
        self.rng = rng
        self.py = py
        self._vector = np.array([getattr(rates, k) for k in KINDS])
        self._last_bits: dict[str, int] = {}
        self._first_bits: dict[str, int] = {}

    def apply(self, records: list[ListRecord]) -> None:
        """Draw for every record and kind; only errors the record allows count (a particle needs one)."""
        if not records:
            return
        masks = []
        last_bits, first_bits = self._last_bits, self._first_bits
        for rec in records:  # runs for two million records: cached per name, no method calls
            m = last_bits.get(rec.last)
            if m is None:
                m = last_bits[rec.last] = _name_bits(rec.last, last=True)
            f = first_bits.get(rec.first)
            if f is None:
                f = first_bits[rec.first] = _name_bits(rec.first, last=False)
            m |= f
            b = rec.birth
            if b.day <= 12 and b.day != b.month:
                m |= _DM_SWAP
            sib = rec.siblings
            if sib and len(sib) > (rec.nn in sib):
                m |= _SIBLING
            masks.append(m)
        allowed = (np.array(masks, dtype=np.int64)[:, None] >> np.arange(len(KINDS))) & 1
        hits = (self.rng.random((len(records), len(KINDS))) < self._vector) & allowed.astype(bool)
        rows, cols = np.nonzero(hits)  # row-major: each record's kinds come together, in KINDS order
        by_row: dict[int, list[str]] = {}
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            by_row.setdefault(i, []).append(KINDS[j])
        for i, kinds in by_row.items():
            self._apply_one(records[i], kinds)

    def _apply_one(self, rec: ListRecord, kinds: list[str]) -> None:
        applied: list[str] = []
        for kind in kinds:
            if len(applied) >= self.rates.max_per_record:
                break
            done = getattr(self, f"_{kind}")(rec)
            if done:
                applied.append(done if isinstance(done, str) else kind)
        rec.errors.extend(applied)

    # -- national number ---------------------------------------------------------------------------
    def _nn_missing(self, rec: ListRecord) -> bool:
        if not rec.nn or any(e.startswith("nn_") for e in rec.errors):
            return False
        rec.nn = ""
        return True

    def _nn_typo(self, rec: ListRecord) -> str | bool:
        if not rec.nn or any(e.startswith("nn_") for e in rec.errors):
            return False
        original = rec.nn
        digits = list(original)
        py = self.py
        want_valid = py.random() < self.rates.nn_typo_valid_share
        span = 9 if want_valid else 11
        for _ in range(20):
            trial = digits[:]
            if py.random() < 0.5:
                i = py.randrange(span)
                trial[i] = py.choice([d for d in "0123456789" if d != trial[i]])
            else:
                i = py.randrange(span - 1)
                if trial[i] == trial[i + 1]:
                    continue
                trial[i], trial[i + 1] = trial[i + 1], trial[i]
            text = "".join(trial)
            if want_valid:
                base = int(text[:9]) + (2_000_000_000 if original_is_2000s(original) else 0)
                text = text[:9] + f"{97 - base % 97:02d}"
            if text != original:
                rec.nn = text
                return "nn_typo" if isinstance(parse(text), NNProblem) else "nn_typo_valid"
        return False

    def _nn_sibling(self, rec: ListRecord) -> bool:
        others = [s for s in rec.siblings if s != rec.nn]
        if not rec.nn or not others or any(e.startswith("nn_") for e in rec.errors):
            return False
        rec.nn = self.py.choice(others)
        return True

    # -- names -----------------------------------------------------------------------------------------
    def _translit(self, rec: ListRecord) -> bool:
        if not names.has_variants(rec.first):
            return False
        rec.first = names.variant(rec.first, self.py)
        return True

    def _compound_truncated(self, rec: ListRecord) -> bool:
        parts = names.segments(rec.last)
        if len(parts) < 2:
            return False
        rec.last = parts[0] if self.py.random() < 0.8 else parts[-1]
        return True

    def _particle(self, rec: ListRecord) -> bool:
        if not names.has_particle(rec.last):
            return False
        rec.last = names.particle_variant(rec.last, self.py)
        return True

    def _accent(self, rec: ListRecord) -> bool:
        targets = [f for f in ("last", "first") if names.has_accents(getattr(rec, f))]
        if not targets:
            return False
        field = self.py.choice(targets)
        setattr(rec, field, names.change_accent(getattr(rec, field), self.py))
        return True

    def _name_typo(self, rec: ListRecord) -> bool:
        field = "last" if self.py.random() < 0.65 else "first"
        value = getattr(rec, field)
        letters = [i for i, ch in enumerate(value) if ch.isalpha() and i > 0]
        if not letters:
            return False
        py = self.py
        i = py.choice(letters)
        op = py.random()
        if op < 0.3 and len(value) > 3:
            new = value[:i] + value[i + 1 :]
        elif op < 0.5:
            new = value[:i] + value[i] + value[i:]
        elif op < 0.8:
            ch = value[i]
            pool = _NEIGHBOURS.get(ch.lower(), "aeioulnrst")
            repl = py.choice(pool)
            new = value[:i] + (repl.upper() if ch.isupper() else repl) + value[i + 1 :]
        else:
            j = i - 1 if i == len(value) - 1 else i
            if not value[j + 1].isalpha() or value[j] == value[j + 1]:
                return False
            new = value[:j] + value[j + 1] + value[j] + value[j + 2 :]
        if new == value or not new.strip():
            return False
        setattr(rec, field, new)
        return True

    def _name_swap(self, rec: ListRecord) -> bool:
        rec.last, rec.first = rec.first, rec.last
        return True

    def _upper(self, rec: ListRecord) -> bool:
        if rec.last.isupper() and rec.first.isupper():
            return False
        rec.last, rec.first = rec.last.upper(), rec.first.upper()
        return True

    # -- birth date --------------------------------------------------------------------------------
    def _dm_swap(self, rec: ListRecord) -> bool:
        b = rec.birth
        if b.day > 12 or b.day == b.month:
            return False
        rec.birth = date(b.year, b.day, b.month)
        return True

    def _date_digit(self, rec: ListRecord) -> bool:
        b = rec.birth
        py = self.py
        for _ in range(10):
            which = py.random()
            try:
                if which < 0.5:
                    new = b.replace(day=b.day + py.choice((-1, 1)))
                elif which < 0.8:
                    new = b.replace(year=b.year + py.choice((-1, 1)))
                else:
                    new = b.replace(month=b.month + py.choice((-1, 1)))
            except ValueError:
                continue
            rec.birth = new
            return True
        return False


def original_is_2000s(nn: str) -> bool:
    """Whether a valid number's check digits are computed with the 2000s prefix."""
    base = int(nn[:9])
    return 97 - (base % 97) != int(nn[9:])
