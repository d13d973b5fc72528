"""Addresses: Brussels streets in both languages, and the rest of Belgium by community.

Community lists are community-wide, so most of their pupils live in Flanders or Wallonia; their
postcodes must look right (4 digits, outside the 19 gemeenten) for the run to filter them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from itertools import accumulate
from typing import Any

import yaml

from service.core.reference import GemeenteRef, gemeenten


@dataclass(frozen=True)
class Street:
    fr: str
    nl: str

    def label(self, language: str) -> str:
        return self.nl if language == "nl" else self.fr


@lru_cache
def _data() -> dict[str, Any]:
    """Streets and outside places, in `data/places.yaml` (shipped with the package)."""
    text = (files("sim.generate") / "data" / "places.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache
def _pairs(key: str) -> tuple[tuple[str, str], ...]:
    return tuple((fr, nl) for fr, nl in _data()[key])


def _street_pool() -> list[Street]:
    streets = [Street(fr, nl) for fr, nl in _pairs("brussels_streets")]
    for kind_fr, kind_nl in _pairs("street_kinds"):
        for base_fr, base_nl in _pairs("street_bases"):
            nl = f"{base_nl}{kind_nl}" if kind_nl != "square" else f"{base_nl}square"
            streets.append(Street(f"{kind_fr} {base_fr}", nl))
    return streets


@dataclass(frozen=True)
class Municipality:
    """A place outside Brussels where pupils (or guardians living apart) are domiciled."""

    postcode: str
    name: str
    weight: float  # relative number of pupils


def _municipalities(*regions: str) -> tuple[Municipality, ...]:
    outside = _data()["outside"]
    return tuple(Municipality(pc, name, float(w)) for region in regions for pc, name, w in outside[region])


@lru_cache
def regions() -> dict[str, tuple[Municipality, ...]]:
    """Outside places per community list: Flemish pupils, Walloon pupils (and the facility belt)."""
    return {
        "flanders": _municipalities("flanders", "facilities"),
        "wallonia": _municipalities("wallonia", "facilities"),
    }


@dataclass
class BrusselsPlaces:
    """Per-gemeente streets, postcodes and statistical sectors (fixed once per seed)."""

    gemeenten: tuple[GemeenteRef, ...]
    streets: dict[str, list[Street]]
    sectors: dict[str, list[str]]
    postcode_weights: dict[str, tuple[tuple[str, ...], tuple[float, ...]]]
    _cum_weights: dict[str, list[float]] = field(default_factory=dict)

    def postcode(self, nis: str, rng: random.Random) -> str:
        codes = self.postcode_weights[nis][0]
        return codes[0] if len(codes) == 1 else rng.choices(codes, cum_weights=self._cum(nis))[0]

    def _cum(self, nis: str) -> list[float]:
        cum = self._cum_weights.get(nis)
        if cum is None:
            cum = self._cum_weights[nis] = list(accumulate(self.postcode_weights[nis][1]))
        return cum

    def name(self, nis: str, language: str) -> str:
        ref = gemeenten()[nis]
        return ref.name_nl if language == "nl" else ref.name_fr


def brussels_places(rng: random.Random) -> BrusselsPlaces:
    """Give each gemeente its own streets and statistical sectors (codes like 21004A01-)."""
    refs = tuple(gemeenten().values())
    pool = _street_pool()
    streets: dict[str, list[Street]] = {}
    sectors: dict[str, list[str]] = {}
    postcode_weights: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {}
    for ref in refs:
        streets[ref.nis_code] = rng.sample(pool, k=min(len(pool), 70 + ref.approx_population // 3000))
        n_sectors = max(6, ref.approx_population // 2500)
        codes: list[str] = []
        for i in range(n_sectors):
            letter = "ABCDEFGHJK"[i // 12 % 10]
            number = i % 12 + 1
            tail = "-" if rng.random() < 0.6 else rng.choice("0123")
            codes.append(f"{ref.nis_code}{letter}{number:02d}{tail}")
        sectors[ref.nis_code] = codes
        first = 0.55 if len(ref.postcodes) > 1 else 1.0
        rest = (1.0 - first) / max(1, len(ref.postcodes) - 1)
        postcode_weights[ref.nis_code] = (ref.postcodes, (first,) + (rest,) * (len(ref.postcodes) - 1))
    return BrusselsPlaces(refs, streets, sectors, postcode_weights)


def house_number(rng: random.Random) -> str:
    """Mostly small numbers, some with a letter suffix (12A)."""
    n = int(rng.paretovariate(1.1) * 3) % 320 + 1
    return f"{n}{rng.choice('ABC')}" if rng.random() < 0.03 else str(n)


def box(rng: random.Random) -> str:
    """Apartment box (bus / boîte), empty for houses."""
    r = rng.random()
    if r < 0.62:
        return ""
    if r < 0.85:
        return str(rng.randint(1, 24))
    if r < 0.92:
        return rng.choice("ABCD")
    return f"{rng.randint(0, 6):02d}{rng.randint(1, 4):02d}"


def outside_street(rng: random.Random) -> Street:
    """A generic street elsewhere in Belgium (guardians living apart)."""
    kind_fr, kind_nl = rng.choice(_pairs("street_kinds")[:2])
    base_fr, base_nl = rng.choice(_pairs("street_bases"))
    return Street(f"{kind_fr} {base_fr}", f"{base_nl}{kind_nl}")
