"""Pupils who are not register children: the bulk of every community-wide list.

Most live in Flanders or Wallonia; some live in Brussels but are not in the extract (toddlers in
kindergarten, young people past compulsory-school age). They are generated in vectorised chunks
(numpy) so that a million rows per list stays fast and memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sim.generate import names
from sim.generate.nn import BASE, Allocator, format_many
from sim.generate.places import BrusselsPlaces, regions

_DATES = [BASE + timedelta(days=d) for d in range((date(2030, 1, 1) - BASE).days)]


# A pupil outside the extract, as a plain tuple (millions are made): national number, last name,
# first name, birth date, male, postcode, area ("out:<postcode>" or "bru:<nis>", for choosing a
# nearby school), the family's national numbers (own included; () for an only child), grade delay.
Pupil = tuple[str, str, str, date, bool, str, str, tuple[str, ...], int]


@dataclass(frozen=True)
class _Places:
    postcodes: tuple[str, ...]
    areas: tuple[str, ...]
    weights: np.ndarray


def _places(region: str, brussels: BrusselsPlaces) -> _Places:
    if region == "brussels":
        pcs: list[str] = []
        areas: list[str] = []
        weights: list[float] = []
        for g in brussels.gemeenten:
            codes, shares = brussels.postcode_weights[g.nis_code]
            for code, share in zip(codes, shares, strict=True):
                pcs.append(code)
                areas.append(f"bru:{g.nis_code}")
                weights.append(g.approx_population * share)
    else:
        ms = regions()[region]
        pcs = [m.postcode for m in ms]
        areas = [f"out:{m.postcode}" for m in ms]
        weights = [m.weight for m in ms]
    w = np.array(weights, dtype=float)
    return _Places(tuple(pcs), tuple(areas), w / w.sum())


class OutsideGenerator:
    """Makes chunks of pupils for one region ('flanders', 'wallonia' or 'brussels')."""

    def __init__(
        self,
        region: str,
        rng: np.random.Generator,
        allocator: Allocator,
        brussels: BrusselsPlaces,
        years: dict[int, float],
        repeat_from: int,
        bis_share: float = 0.005,
    ) -> None:
        self.rng = rng
        self.allocator = allocator
        self.places = _places(region, brussels)
        mix = names.REGION_MIX["brussels" if region == "brussels" else region]
        self.origins = list(mix)
        w = np.array(list(mix.values()), dtype=float)
        self.origin_p = w / w.sum()
        self.years = np.array(list(years), dtype=np.int64)
        yw = np.array(list(years.values()), dtype=float)
        self.year_p = yw / yw.sum()
        self.bis_share = bis_share
        self.repeat_from = repeat_from
        self.pools = names.pools()

    def chunk(self, n: int) -> list[Pupil]:
        """`n` pupils in families of one to three siblings (same surname, postcode and school area)."""
        if n <= 0:
            return []
        rng = self.rng
        sizes = rng.choice(np.array([1, 2, 3]), p=[0.55, 0.3, 0.15], size=n)
        sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
        fam = np.repeat(np.arange(len(sizes)), sizes)[:n]
        nfam = len(sizes)
        fam_origin = rng.choice(len(self.origins), p=self.origin_p, size=nfam)
        fam_place = rng.choice(len(self.places.postcodes), p=self.places.weights, size=nfam)
        fam_u = rng.random(nfam)
        surnames = np.empty(nfam, dtype=object)
        for o, key in enumerate(self.origins):
            sel = np.flatnonzero(fam_origin == o)
            if sel.size:
                pool = self.pools[(key, "last")]
                surnames[sel] = np.array(pool.names, dtype=object)[pool.pick_many(fam_u[sel])]

        male = rng.random(n) < 0.512
        years = rng.choice(self.years, p=self.year_p, size=n)
        year_start = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        days_in_year = np.where((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)), 366, 365)
        days = (year_start - np.datetime64(BASE.isoformat(), "D")).astype(np.int64)
        days = days + (rng.random(n) * days_in_year).astype(np.int64)
        bis = rng.random(n) < self.bis_share
        bis_add = np.where(bis, np.where(rng.random(n) < 0.8, 40, 20), 0)
        days, seq = self.allocator.many(days, male, bis)
        nns = format_many(days, seq, bis_add)

        origin_of = fam_origin[fam]
        firsts = np.empty(n, dtype=object)
        u_first = rng.random(n)
        u_second = rng.random(n)
        two_names = rng.random(n) < 0.1
        for o, key in enumerate(self.origins):
            for sex, mask in (("M", male), ("F", ~male)):
                sel = np.flatnonzero((origin_of == o) & mask)
                if sel.size:
                    pool = self.pools[(key, sex)]
                    arr = np.array(pool.names, dtype=object)
                    first = arr[pool.pick_many(u_first[sel])]
                    second = arr[pool.pick_many(u_second[sel])]
                    both = two_names[sel] & (first != second)
                    first[both] = first[both] + " " + second[both]
                    firsts[sel] = first
        delay_draw = rng.random(n)
        delay = np.where(
            years <= self.repeat_from, np.where(delay_draw < 0.76, 0, np.where(delay_draw < 0.94, 1, 2)), 0
        )

        # columns first, then one C-level zip into tuples: this runs for two million pupils
        fam_list = fam.tolist()
        members: dict[int, list[str]] = {}
        for f, nn in zip(fam_list, nns, strict=True):
            members.setdefault(f, []).append(nn)
        family = {f: tuple(m) for f, m in members.items() if len(m) > 1}
        siblings = [family.get(f, ()) for f in fam_list]
        lasts = surnames[fam]
        feminine_origins = [i for i, k in enumerate(self.origins) if names.origins()[k].feminine_surnames]
        for i in np.flatnonzero(np.isin(origin_of, feminine_origins) & ~male).tolist():
            lasts[i] = names.feminine(lasts[i], self.origins[origin_of[i]])
        place = fam_place[fam]
        postcodes = np.array(self.places.postcodes, dtype=object)[place]
        areas = np.array(self.places.areas, dtype=object)[place]
        births = [_DATES[d] for d in days.tolist()]
        columns = (nns, lasts.tolist(), firsts.tolist(), births, male.tolist(), postcodes.tolist(), areas.tolist(),
                   siblings, delay.tolist())  # fmt: skip
        return list(zip(*columns, strict=True))
