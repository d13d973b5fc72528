"""School catalogues of both communities: ids, names, campuses, levels and grades.

Dutch-language schools carry a 6-digit instellingsnummer and campus (vestigingsplaats) numbers;
French-language schools a FASE number for the establishment and one per implantation. Primary
schools (basisschool / école fondamentale) cover kleuter+lager / maternel+primaire.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from service.core.reference import gemeenten
from sim.generate.places import regions

T = TypeVar("T")

LEVELS = {
    "nl": ("kleuter", "lager", "secundair"),
    "fr": ("maternel", "primaire", "secondaire"),
}

_NL_BASIS_NAMES = (
    "De Regenboog", "De Zonnebloem", "Het Klavertje", "De Kleine Prins", "Sint-Jozef", "Lutgardis",
    "De Vlieger", "Het Anker", "De Puzzel", "De Knipoog", "Het Kompas", "De Wonderboom", "Sint-Martinus",
    "De Mozaïek", "Sint-Ursula", "De Linde", "Het Mierennest", "De Sterrenkijker", "Ter Elst",
    "De Kriekelaar", "Sint-Pieter", "De Toverfluit", "Paloke", "Klavertje Vier", "De Boomhut",
)  # fmt: skip
_NL_BASIS_KINDS = ("Basisschool", "GO! Basisschool", "Vrije Basisschool", "Gemeentelijke Basisschool")
_NL_SEC = (
    "Sint-Jan Berchmanscollege", "GO! Atheneum", "Koninklijk Atheneum", "Sint-Guido-Instituut",
    "Lyceum Sint-Augustinus", "Technisch Instituut Sint-Lukas", "Don Bosco", "Maria-Boodschaplyceum",
    "Sint-Pieterscollege", "Instituut Anneessens-Funck", "Campus Kompas", "Scheppersinstituut",
)  # fmt: skip
_FR_FOND = (
    "École fondamentale", "École communale n°", "École n°", "Institut Saint-Joseph", "École Sainte-Marie",
    "École Les Tournesols", "École Les Marronniers", "École Arc-en-Ciel", "École du Centre",
    "Institut Notre-Dame", "École La Farandole", "École Clair-Vivre", "École Decroly", "École des Étangs",
)  # fmt: skip
_FR_SEC = (
    "Athénée royal", "Lycée", "Collège Saint-Michel", "Collège Saint-Pierre", "Institut Saint-Louis",
    "Athénée Adolphe Max", "Institut technique", "Collège Roi Baudouin", "Institut Sainte-Marie",
    "Athénée Fernand Blum", "Lycée Émile Jacqmain", "Institut des Ursulines", "Collège Saint-Hubert",
)  # fmt: skip


@dataclass(frozen=True)
class School:
    community: str  # "nl" or "fr"
    school_id: str
    name: str
    campuses: tuple[str, ...]
    stage: str  # "primary" (kleuter + lager) or "secondary"


class _Options(NamedTuple):
    """Where a pupil of one area goes to school: local with `local_share`, else `middle` up to
    `middle_share`, else `rest`."""

    local: list[School]
    local_share: float
    middle_share: float
    middle: list[School]
    rest: list[School]


@dataclass
class Catalogue:
    """Schools per community, stage and area ('bru:<nis>' or 'out:<postcode>')."""

    by_area: dict[tuple[str, str, str], list[School]]
    brussels: dict[tuple[str, str], list[School]]  # (community, stage) -> every Brussels school
    outside: dict[tuple[str, str], list[School]]  # (community, stage) -> every school elsewhere
    _options: dict[tuple[str, str, str], _Options] = field(default_factory=dict)

    def pick(self, community: str, stage: str, area: str, rng: random.Random) -> School:
        """Mostly a school near home; Brussels children also cross gemeenten, a few commute out."""
        key = (community, stage, area)
        options = self._options.get(key)
        if options is None:
            options = self._options[key] = self._options_for(key)
        local, local_share, middle_share, middle, rest = options
        r = rng.random()
        if r < local_share:
            return local[int(rng.random() * len(local))]
        if r < middle_share:
            return middle[int(rng.random() * len(middle))]
        return rest[int(rng.random() * len(rest))]

    def _options_for(self, key: tuple[str, str, str]) -> _Options:
        community, stage, area = key
        local = self.by_area.get(key) or []
        brussels, outside = self.brussels[(community, stage)], self.outside[(community, stage)]
        if area.startswith("bru:"):  # 50% own gemeente, 47% elsewhere in Brussels, 3% outside
            return _Options(local, 0.5 if local else 0.0, 0.97, brussels, outside)
        # 94% near home, 3% elsewhere in the same community, 3% in a Brussels school
        return _Options(local, 0.94 if local else 0.0, 0.97, outside, brussels)


def fast_choice(items: Sequence[T], rng: random.Random) -> T:
    """random.choice without its rejection sampling: this runs for two million rows."""
    return items[int(rng.random() * len(items))]


def campus(school: School, rng: random.Random) -> str:
    return school.campuses[0] if len(school.campuses) == 1 else fast_choice(school.campuses, rng)


class _Ids:
    """Unique ids drawn from a range without replacement (deterministic for the rng)."""

    def __init__(self, rng: random.Random, low: int, high: int, width: int) -> None:
        self.rng, self.low, self.high, self.width = rng, low, high, width
        self.used: set[int] = set()

    def next(self) -> str:
        while True:
            n = self.rng.randint(self.low, self.high)
            if n not in self.used:
                self.used.add(n)
                return f"{n:0{self.width}d}"


def _name(community: str, stage: str, place: str, rng: random.Random, k: int) -> str:
    if community == "nl":
        if stage == "primary":
            return f"{rng.choice(_NL_BASIS_KINDS)} {rng.choice(_NL_BASIS_NAMES)} {place}".strip()
        return f"{rng.choice(_NL_SEC)} {place}"
    if stage == "primary":
        base = rng.choice(_FR_FOND)
        return f"{base}{k}" if base.endswith("n°") else f"{base} ({place})"
    return f"{rng.choice(_FR_SEC)} {place}"


def build_catalogue(rng: random.Random) -> Catalogue:
    """Enough schools per area that classmates do not all share a school; counts track population."""
    ids = {"nl": _Ids(rng, 1000, 199999, 6), "fr": _Ids(rng, 100, 9999, 4)}
    campus_ids = {"nl": _Ids(rng, 10000, 999999, 6), "fr": _Ids(rng, 10000, 99999, 5)}
    by_area: dict[tuple[str, str, str], list[School]] = {}
    brussels: dict[tuple[str, str], list[School]] = {}
    outside: dict[tuple[str, str], list[School]] = {}
    # schools per 10,000 inhabitants (Brussels) or per unit weight (outside)
    density = {
        ("nl", "primary"): 1.5,
        ("nl", "secondary"): 0.35,
        ("fr", "primary"): 3.3,
        ("fr", "secondary"): 0.8,
    }

    def make(community: str, stage: str, area: str, place: str, count: int) -> None:
        for k in range(count):
            n_campus = 1 if rng.random() < 0.6 else rng.randint(2, 3)
            school = School(
                community,
                ids[community].next(),
                _name(community, stage, place, rng, k + 1),
                tuple(campus_ids[community].next() for _ in range(n_campus)),
                stage,
            )
            by_area.setdefault((community, stage, area), []).append(school)
            bucket = brussels if area.startswith("bru:") else outside
            bucket.setdefault((community, stage), []).append(school)

    for ref in gemeenten().values():
        for (community, stage), d in density.items():
            place = ref.name_nl if community == "nl" else ref.name_fr
            make(
                community,
                stage,
                f"bru:{ref.nis_code}",
                place,
                max(1, round(ref.approx_population / 10000 * d)),
            )
    for region, community in (("flanders", "nl"), ("wallonia", "fr")):
        for m in regions()[region]:
            for stage, per in (("primary", 6), ("secondary", 2)):
                make(community, stage, f"out:{m.postcode}", m.name, max(1, round(m.weight * per)))
    return Catalogue(by_area, brussels, outside)


def level_and_grade(
    birth_year: int, delay: int, community: str, school_year_start: int
) -> tuple[str, str, str]:
    """(stage, level, grade) for a child born in `birth_year` who is `delay` years behind.

    Kleuter/maternel years 1-3 (ages 3-5), lager/primaire 1-6, secundair/secondaire 1-7.
    """
    index = school_year_start - 3 - (birth_year + delay)  # 0 = first kleuter year
    index = max(0, min(index, 15))
    levels = LEVELS[community]
    if index < 3:
        return "primary", levels[0], str(index + 1)
    if index < 9:
        return "primary", levels[1], str(index - 2)
    return "secondary", levels[2], str(min(index - 8, 7))
