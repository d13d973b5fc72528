"""The gemeenten reference list shipped with the package (copied from the shared brief)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_CSV = Path(__file__).with_name("gemeenten.csv")


@dataclass(frozen=True)
class GemeenteRef:
    nis_code: str
    name_nl: str
    name_fr: str
    postcodes: tuple[str, ...]
    approx_population: int

    @property
    def name(self) -> str:
        return self.name_nl if self.name_nl == self.name_fr else f"{self.name_nl} / {self.name_fr}"


@lru_cache
def gemeenten() -> dict[str, GemeenteRef]:
    with _CSV.open(encoding="utf-8") as fh:
        return {
            row["nis_code"]: GemeenteRef(
                row["nis_code"],
                row["name_nl"],
                row["name_fr"],
                tuple(row["postcodes"].split()),
                int(row["approx_population"]),
            )
            for row in csv.DictReader(fh)
        }


@lru_cache
def brussels_postcodes() -> frozenset[str]:
    return frozenset(pc for g in gemeenten().values() for pc in g.postcodes)
