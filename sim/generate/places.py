"""Addresses: Brussels streets in both languages, and the rest of Belgium by community.

Community lists are community-wide, so most of their pupils live in Flanders or Wallonia; their
postcodes must look right (4 digits, outside the 19 gemeenten) for the run to filter them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from service.core.reference import GemeenteRef, gemeenten


@dataclass(frozen=True)
class Street:
    fr: str
    nl: str

    def label(self, language: str) -> str:
        return self.nl if language == "nl" else self.fr


# Real Brussels streets (French / Dutch), and parts to compose many more plausible ones.
_REAL_STREETS = (
    ("Rue de la Loi", "Wetstraat"),
    ("Chaussée de Gand", "Gentsesteenweg"),
    ("Chaussée de Haecht", "Haachtsesteenweg"),
    ("Chaussée de Mons", "Bergensesteenweg"),
    ("Chaussée de Waterloo", "Waterloosesteenweg"),
    ("Chaussée d'Ixelles", "Elsensesteenweg"),
    ("Chaussée de Wavre", "Waversesteenweg"),
    ("Chaussée de Louvain", "Leuvensesteenweg"),
    ("Chaussée de Ninove", "Ninoofsesteenweg"),
    ("Chaussée d'Alsemberg", "Alsembergsesteenweg"),
    ("Avenue Louise", "Louizalaan"),
    ("Boulevard Lambermont", "Lambermontlaan"),
    ("Rue Royale", "Koningsstraat"),
    ("Rue Haute", "Hoogstraat"),
    ("Rue Blaes", "Blaesstraat"),
    ("Rue Neuve", "Nieuwstraat"),
    ("Rue de Brabant", "Brabantstraat"),
    ("Rue du Progrès", "Vooruitgangstraat"),
    ("Rue de Ribaucourt", "Ribaucourtstraat"),
    ("Boulevard Léopold II", "Leopold II-laan"),
    ("Rue Vanderstichelen", "Vanderstichelenstraat"),
    ("Rue de Fiennes", "Fiennesstraat"),
    ("Avenue Clemenceau", "Clemenceaulaan"),
    ("Rue Wayez", "Wayezstraat"),
    ("Avenue de Stalingrad", "Stalingradlaan"),
    ("Rue de Mérode", "Merodestraat"),
    ("Chaussée de Forest", "Vorstsesteenweg"),
    ("Avenue Brugmann", "Brugmannlaan"),
    ("Rue de l'Église", "Kerkstraat"),
    ("Avenue de Tervueren", "Tervurenlaan"),
    ("Boulevard Général Jacques", "Generaal Jacqueslaan"),
    ("Rue Gallait", "Gallaitstraat"),
    ("Avenue Rogier", "Rogierlaan"),
    ("Rue Josaphat", "Josaphatstraat"),
    ("Avenue Émile Max", "Émile Maxlaan"),
    ("Rue Marie-Christine", "Maria-Christinastraat"),
    ("Boulevard Émile Bockstael", "Émile Bockstaellaan"),
    ("Rue Léopold Ier", "Leopold I-straat"),
    ("Avenue de Jette", "Jetselaan"),
    ("Rue Dieudonné Lefèvre", "Dieudonné Lefèvrestraat"),
)
_BASES = (
    ("des Tilleuls", "Linden"), ("du Moulin", "Molen"), ("de la Station", "Stations"),
    ("des Fleurs", "Bloemen"), ("du Marché", "Markt"), ("de la Paix", "Vrede"), ("des Roses", "Rozen"),
    ("du Pont", "Brug"), ("des Champs", "Velden"), ("de l'École", "School"), ("du Château", "Kasteel"),
    ("des Alliés", "Geallieerden"), ("de la Fontaine", "Fontein"), ("du Parc", "Park"),
    ("des Hirondelles", "Zwaluwen"), ("du Bois", "Bos"), ("des Ateliers", "Werkhuizen"),
    ("de la Source", "Bron"), ("des Cerisiers", "Kersenbomen"), ("du Canal", "Kanaal"),
    ("des Étangs", "Vijvers"), ("de la Colline", "Heuvel"), ("des Églantiers", "Egelantieren"),
    ("du Verger", "Boomgaard"), ("des Peupliers", "Populieren"), ("de la Ferme", "Hoeve"),
    ("des Violettes", "Viooltjes"), ("du Tir", "Schiet"), ("des Mimosas", "Mimosa"),
    ("du Midi", "Zuid"), ("des Archers", "Boogschutters"), ("de la Brasserie", "Brouwerij"),
)  # fmt: skip
_KINDS = (("Rue", "straat"), ("Avenue", "laan"), ("Place", "plein"), ("Clos", "gaarde"), ("Square", "square"))


def _street_pool() -> list[Street]:
    streets = [Street(fr, nl) for fr, nl in _REAL_STREETS]
    for kind_fr, kind_nl in _KINDS:
        for base_fr, base_nl in _BASES:
            nl = f"{base_nl}{kind_nl}" if kind_nl != "square" else f"{base_nl}square"
            streets.append(Street(f"{kind_fr} {base_fr}", nl))
    return streets


@dataclass(frozen=True)
class Municipality:
    """A place outside Brussels where pupils (or guardians living apart) are domiciled."""

    postcode: str
    name: str
    weight: float  # relative number of pupils


_FLANDERS = (
    ("2000", "Antwerpen", 9), ("2100", "Deurne", 3), ("2140", "Borgerhout", 2), ("2600", "Berchem", 2),
    ("2610", "Wilrijk", 2), ("9000", "Gent", 9), ("3000", "Leuven", 4), ("8000", "Brugge", 4),
    ("2800", "Mechelen", 4), ("3500", "Hasselt", 3), ("8500", "Kortrijk", 3), ("9300", "Aalst", 3),
    ("1800", "Vilvoorde", 2), ("1700", "Dilbeek", 2), ("1930", "Zaventem", 2),
    ("1600", "Sint-Pieters-Leeuw", 2), ("1500", "Halle", 2), ("9100", "Sint-Niklaas", 3),
    ("2300", "Turnhout", 2), ("8400", "Oostende", 3), ("3600", "Genk", 3), ("8800", "Roeselare", 2),
    ("9200", "Dendermonde", 2), ("2500", "Lier", 2), ("2200", "Herentals", 1), ("3300", "Tienen", 1),
    ("1850", "Grimbergen", 2), ("1780", "Wemmel", 1), ("1730", "Asse", 2), ("9400", "Ninove", 2),
    ("3800", "Sint-Truiden", 2), ("2440", "Geel", 2), ("2400", "Mol", 2), ("8900", "Ieper", 2),
    ("9700", "Oudenaarde", 1), ("9600", "Ronse", 1), ("2900", "Schoten", 2), ("3080", "Tervuren", 1),
    ("3090", "Overijse", 1), ("3200", "Aarschot", 1), ("9500", "Geraardsbergen", 2),
    ("9160", "Lokeren", 2), ("9900", "Eeklo", 1), ("8300", "Knokke-Heist", 1), ("3700", "Tongeren", 1),
    ("3920", "Lommel", 2), ("2260", "Westerlo", 1), ("1910", "Kampenhout", 1), ("1820", "Steenokkerzeel", 1),
    ("3010", "Kessel-Lo", 1), ("9800", "Deinze", 2), ("8700", "Tielt", 1), ("2870", "Puurs-Sint-Amands", 1),
    ("9120", "Beveren-Kruibeke-Zwijndrecht", 2), ("3290", "Diest", 1), ("3630", "Maasmechelen", 2),
)  # fmt: skip
_FACILITIES = (("1640", "Sint-Genesius-Rode", 2), ("1950", "Kraainem", 1), ("1970", "Wezembeek-Oppem", 1))
_WALLONIA = (
    ("4000", "Liège", 8), ("6000", "Charleroi", 8), ("7000", "Mons", 4), ("5000", "Namur", 5),
    ("1300", "Wavre", 3), ("1400", "Nivelles", 2), ("1420", "Braine-l'Alleud", 3), ("1410", "Waterloo", 2),
    ("1348", "Louvain-la-Neuve", 2), ("1340", "Ottignies", 2), ("1330", "Rixensart", 2),
    ("1380", "Lasne", 1), ("7500", "Tournai", 4), ("7100", "La Louvière", 4), ("4100", "Seraing", 3),
    ("4800", "Verviers", 3), ("6700", "Arlon", 2), ("5500", "Dinant", 1), ("4500", "Huy", 2),
    ("6200", "Châtelet", 2), ("7700", "Mouscron", 3), ("1480", "Tubize", 2), ("7060", "Soignies", 2),
    ("7800", "Ath", 2), ("6900", "Marche-en-Famenne", 1), ("5100", "Jambes", 2), ("6040", "Jumet", 2),
    ("6001", "Marcinelle", 2), ("4400", "Flémalle", 2), ("4430", "Ans", 2), ("4040", "Herstal", 2),
    ("1370", "Jodoigne", 1), ("6800", "Libramont-Chevigny", 1), ("1440", "Braine-le-Château", 1),
    ("7130", "Binche", 2), ("5300", "Andenne", 1), ("6600", "Bastogne", 1), ("4600", "Visé", 1),
    ("7600", "Péruwelz", 1), ("5060", "Sambreville", 2), ("1450", "Chastre", 1), ("6140", "Fontaine-l'Évêque", 1),
)  # fmt: skip


def _municipalities(rows: tuple[tuple[str, str, int], ...]) -> tuple[Municipality, ...]:
    return tuple(Municipality(pc, name, float(w)) for pc, name, w in rows)


@lru_cache
def regions() -> dict[str, tuple[Municipality, ...]]:
    """Outside places per community list: Flemish pupils, Walloon pupils (and the facility belt)."""
    return {
        "flanders": _municipalities(_FLANDERS + _FACILITIES),
        "wallonia": _municipalities(_WALLONIA + _FACILITIES),
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
    kind_fr, kind_nl = rng.choice(_KINDS[:2])
    base_fr, base_nl = rng.choice(_BASES)
    return Street(f"{kind_fr} {base_fr}", f"{base_nl}{kind_nl}")
