"""Unique, valid national numbers for synthetic people, allocated per birth date and sex.

A national number is unique only through its sequence number within a birth date (odd for men,
even for women, 499 of each per day), so the allocator keeps one counter per (day, sex, bis) and
moves a birth to the next day in the rare case a day is full. Sequence numbers are spread over
the range with a per-day offset so that they do not all start at 001.

Lanes let separate processes (the two community lists) allocate at the same time without ever
handing out the same number: after `freeze()`, lane i of n only uses slots i, i+n, i+2n... above
what was already taken, so the result does not depend on which process runs first.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from service.core.national_number import make

BASE = date(1960, 1, 1)
_BASE_ORDINAL = BASE.toordinal()
_DAYS = (date(2030, 1, 1) - BASE).days
_SLOTS = 499  # odd sequence numbers 001-997 (men), even 002-998 (women)
_STRIDE = 211  # coprime with 499: k -> (offset + k * stride) mod 499 is a permutation


class Allocator:
    """Hands out national numbers that are unique across the whole generated year."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.counters = np.zeros(_DAYS * 4, dtype=np.int64)  # (day, sex, bis): numbers handed out
        self.offsets = rng.integers(0, _SLOTS, size=_DAYS * 4, dtype=np.int64)
        self.base = np.zeros(_DAYS * 4, dtype=np.int64)  # slots taken before freeze()
        self.lane, self.lanes = 0, 1

    def freeze(self, lane: int, lanes: int) -> Allocator:
        """A copy that allocates only in `lane` of `lanes` above everything allocated so far."""
        if self.lanes != 1:
            raise ValueError("freeze the allocator that allocated everything so far, not a lane of it")
        view = Allocator.__new__(Allocator)
        view.offsets = self.offsets
        view.base = self.base + self.counters
        view.counters = np.zeros_like(self.counters)
        view.lane, view.lanes = lane, lanes
        return view

    def one(self, birth: date, male: bool, *, bis: bool = False, sex_known: bool = True) -> tuple[str, date]:
        """A number for one person; returns it with the birth date it encodes (shifted if a day was full)."""
        day = birth.toordinal() - _BASE_ORDINAL
        while True:
            key = day * 4 + (0 if male else 2) + (1 if bis else 0)
            count = int(self.counters[key])
            k = int(self.base[key]) + count * self.lanes + self.lane
            if k < _SLOTS:
                self.counters[key] = count + 1
                slot = (int(self.offsets[key]) + k * _STRIDE) % _SLOTS
                seq = 2 * slot + (1 if male else 2)
                day_date = date.fromordinal(day + _BASE_ORDINAL)
                return make(day_date, seq, bis=bis, sex_known=sex_known), day_date
            day += 1

    def many(self, days: np.ndarray, male: np.ndarray, bis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised allocation: (day offsets from BASE, possibly shifted; sequence numbers)."""
        days = days.astype(np.int64).copy()
        seq = np.zeros(len(days), dtype=np.int64)
        sex_part = np.where(male, 0, 2) + bis.astype(np.int64)
        pending = np.arange(len(days))
        while pending.size:
            keys = days[pending] * 4 + sex_part[pending]
            order = np.argsort(keys, kind="stable")
            ks = keys[order]
            starts = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
            sizes = np.diff(np.r_[starts, len(ks)])
            rank = np.arange(len(ks)) - np.repeat(starts, sizes)
            k = self.base[ks] + (self.counters[ks] + rank) * self.lanes + self.lane
            ok = k < _SLOTS
            chosen = pending[order[ok]]
            slot = (self.offsets[ks[ok]] + k[ok] * _STRIDE) % _SLOTS
            seq[chosen] = 2 * slot + np.where(male[chosen], 1, 2)
            np.add.at(self.counters, ks[ok], 1)
            pending = pending[order[~ok]]
            days[pending] += 1
        return days, seq


def format_many(days: np.ndarray, seq: np.ndarray, bis_add: np.ndarray) -> list[str]:
    """Turn allocations into 11-digit strings (check number on 2YYMMDDSSS from 2000)."""
    dates = np.datetime64(BASE.isoformat(), "D") + days.astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mdays = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    base = (years % 100) * 10_000_000 + (months + bis_add) * 100_000 + mdays * 1000 + seq
    check = 97 - ((base + np.where(years >= 2000, 2_000_000_000, 0)) % 97)
    full = base * 100 + check
    return [f"{v:011d}" for v in full.tolist()]
