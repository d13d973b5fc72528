"""Name pools that look like Brussels, and the spelling variants real lists are full of.

Linkage quality depends on names being as messy as the real ones: particles (Van den, El, Da),
compound surnames, diacritics outside Windows-1252, feminine surname forms, and first names with
several accepted transliterations. The pools are fixed (not seeded) so that a seed only decides who
gets which name, never what the names are.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import yaml


@dataclass(frozen=True)
class Origin:
    """One naming tradition: surnames most common first, first names per sex."""

    key: str
    surnames: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    country: str  # ISO code used when a guardian lives abroad
    cities: tuple[str, ...]  # towns abroad for such guardians
    feminine_surnames: bool = False  # Polish -ski/-ska, Bulgarian -ov/-ova


@lru_cache
def _data() -> dict[str, Any]:
    """The pools themselves, in `data/names.yaml` (shipped with the package)."""
    text = (files("sim.generate") / "data" / "names.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _combos(
    rng: random.Random, heads: tuple[str, ...], tails: tuple[str, ...], sep: str, n: int
) -> list[str]:
    """Plausible rare surnames built from parts; a fixed RNG keeps the pools the same for every seed."""
    pairs = [f"{h}{sep}{t}" for h in heads for t in tails if h != t]
    rng.shuffle(pairs)
    return pairs[:n]


def _rare(rng: random.Random, spec: dict[str, Any] | None, taken: set[str]) -> list[str]:
    """Rare surnames for one origin, built from its `rare` parts (prefixes, stems, suffixes, count).

    Real registers hold tens of thousands of distinct surnames; without a long tail every "Peeters,
    2011-03-04" would collide far more often than in reality and the linkage would look harder than
    it is. A particle keeps the stem capitalised.
    """
    if spec is None:
        return []
    prefixes, stems, suffixes, wanted = spec["prefixes"], spec["stems"], spec["suffixes"], spec["count"]
    out: list[str] = []
    for _ in range(wanted * 8):
        if len(out) >= wanted:
            break
        pre, stem, suf = rng.choice(prefixes), rng.choice(stems), rng.choice(suffixes)
        core = stem if not pre or pre.endswith((" ", "-")) else stem.lower()
        name = f"{pre}{core}{suf}"
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def _unique(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return tuple(seen)


def _built_surnames(rng: random.Random, listed: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """The origins whose common surnames are partly composed (particles, roots, double surnames)."""
    part = {key: tuple(values) for key, values in _data()["parts"].items()}
    nl = list(listed["be_nl"]) + _combos(rng, part["nl_particles"], part["nl_roots"], " ", 260)
    nl += [f"De {r}" for r in part["de_roots"]] + [f"De{r.lower()}" for r in part["de_roots"][:12]]
    ma = list(listed["ma"])
    for root in part["ma_roots"]:
        ma.append(root)
        ma.append(f"El {root}")
    ma += _combos(rng, ("Ben", "Bou", "Ait", "Ouled"), part["ma_roots"], " ", 40)
    tr = list(listed["tr"])
    tr += [h + t for h in part["tr_heads"] for t in part["tr_tails"] if (h + t) not in listed["tr"]]
    cd = list(listed["cd"]) + _combos(rng, listed["cd"][:30], listed["cd"][10:], " ", 120)
    ro = list(listed["ro"]) + [r + s for r in part["ro_roots"] for s in ("escu", "eanu", "ache")]
    es = _combos(rng, part["es_parts"], part["es_parts"], " ", 900)
    pt = list(listed["pt"]) + _combos(rng, listed["pt"][:12], listed["pt"][2:30], " ", 120)
    return {"be_nl": nl, "ma": ma, "tr": tr, "cd": cd, "ro": ro, "es": es, "pt": pt}


@lru_cache
def origins() -> dict[str, Origin]:
    """All naming traditions, built once (deterministically) per process."""
    rng = random.Random(20251001)
    spec = _data()["origins"]
    listed = {key: tuple(o.get("surnames", ())) for key, o in spec.items()}
    built = _built_surnames(rng, listed)
    out: dict[str, Origin] = {}
    for key, o in spec.items():
        surnames = built.get(key, listed[key])
        surnames = list(surnames) + _rare(rng, o.get("rare"), set(surnames))
        out[key] = Origin(
            key,
            _unique(surnames),
            tuple(o["male"]),
            tuple(o["female"]),
            o["country"],
            tuple(o["cities"]),
            o.get("feminine_surnames", False),
        )
    return out


# Origin mix per place of residence (children in Brussels, pupils in Flanders, pupils in Wallonia).
REGION_MIX: dict[str, dict[str, float]] = _data()["region_mix"]


class WeightedPool:
    """A list of names with skewed (Zipf-like) frequencies: a few very common, a long rare tail."""

    def __init__(self, names: tuple[str, ...], skew: float = 0.9, offset: float = 6.0) -> None:
        self.names = names
        weights = 1.0 / np.power(np.arange(len(names)) + offset, skew)
        self.cdf = np.cumsum(weights / weights.sum())
        self.cdf[-1] = 1.0
        self._cdf_list = self.cdf.tolist()

    def pick(self, rng: random.Random) -> str:
        return self.names[min(bisect.bisect_right(self._cdf_list, rng.random()), len(self.names) - 1)]

    def pick_many(self, u: np.ndarray) -> np.ndarray:
        """Indices for uniform draws `u` (vectorised, used for the bulk of outside pupils)."""
        return np.minimum(np.searchsorted(self.cdf, u, side="right"), len(self.names) - 1)


@lru_cache
def pools() -> dict[tuple[str, str], WeightedPool]:
    """(origin, 'last' | 'M' | 'F') -> weighted pool."""
    out: dict[tuple[str, str], WeightedPool] = {}
    for key, origin in origins().items():
        out[(key, "last")] = WeightedPool(origin.surnames, skew=0.8, offset=8.0)
        out[(key, "M")] = WeightedPool(origin.male, skew=1.0, offset=3.0)
        out[(key, "F")] = WeightedPool(origin.female, skew=1.0, offset=3.0)
    return out


def feminine(surname: str, origin_key: str) -> str:
    """Polish and Bulgarian surnames take a feminine form (Kowalski -> Kowalska, Ivanov -> Ivanova)."""
    if not origins()[origin_key].feminine_surnames:
        return surname
    for masc, fem in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"), ("ov", "ova"), ("ev", "eva")):
        if surname.endswith(masc):
            return surname[: -len(masc)] + fem
    return surname


# --- first-name transliteration variants -------------------------------------------------------

_VARIANT_GROUPS = tuple(tuple(group) for group in _data()["variant_groups"])
_VARIANTS: dict[str, tuple[str, ...]] = {}
for _group in _VARIANT_GROUPS:
    for _name in _group:
        _VARIANTS.setdefault(_name, _group)


def has_variants(first: str) -> bool:
    return first.split(" ")[0] in _VARIANTS


def variant(first: str, rng: random.Random) -> str:
    """Another accepted spelling of the (first) first name, e.g. Mohamed -> Mohammed."""
    head, _, rest = first.partition(" ")
    group = _VARIANTS.get(head)
    if not group:
        return first
    choice = rng.choice([v for v in group if v != head])
    return f"{choice} {rest}" if rest else choice


# --- diacritics ---------------------------------------------------------------------------------

_NO_DECOMPOSITION = {"ł": "l", "Ł": "L", "ı": "i", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"}
_ACCENT_SWAPS = {"é": "è", "è": "é", "ë": "é", "ê": "e", "ï": "i", "ç": "c", "ö": "o", "ü": "u", "â": "a"}


@lru_cache(maxsize=65536)
def strip_accents(text: str) -> str:
    """What a keyboard without dead keys produces: every diacritic dropped."""
    text = "".join(_NO_DECOMPOSITION.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def has_accents(text: str) -> bool:
    return strip_accents(text) != text


def change_accent(text: str, rng: random.Random) -> str:
    """Lose all accents (most often) or swap one for another (é -> è), as clerks do."""
    swaps = [i for i, ch in enumerate(text) if ch in _ACCENT_SWAPS]
    if swaps and rng.random() < 0.35:
        i = rng.choice(swaps)
        return text[:i] + _ACCENT_SWAPS[text[i]] + text[i + 1 :]
    return strip_accents(text)


_CP1252: dict[str, str] = {}


def to_cp1252(text: str) -> str:
    """Transliterate what Windows-1252 cannot hold (ş -> s, ł -> l, ă -> a), like a legacy export."""
    done = _CP1252.get(text)
    if done is None:
        done = _transliterate(text)
        if len(_CP1252) < 500_000:  # names repeat a lot; typos make the tail unbounded
            _CP1252[text] = done
    return done


def _transliterate(text: str) -> str:
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            repl = strip_accents(ch)
            try:
                repl.encode("cp1252")
            except UnicodeEncodeError:
                repl = "?"
            out.append(repl)
    return "".join(out)


# --- particles and compound surnames ---------------------------------------------------------------

PARTICLES = frozenset(
    "van vande vanden vander de den der del della di da das dos do du le la el al ben bou ait aït ouled"
    " ter ten op lo d'".split()
)


def segments(surname: str) -> list[str]:
    """Split a surname into parts, each with its particles attached: 'Da Silva Pereira' -> 2 parts."""
    out: list[str] = []
    pending: list[str] = []
    for token in surname.split(" "):
        pending.append(token)
        if token.lower() not in PARTICLES:
            out.append(" ".join(pending))
            pending = []
    if pending:
        if out:
            out[-1] = out[-1] + " " + " ".join(pending)
        else:
            out.append(" ".join(pending))
    return out


def is_compound(surname: str) -> bool:
    return len(segments(surname)) >= 2


def has_particle(surname: str) -> bool:
    tokens = surname.split(" ")
    return len(tokens) >= 2 and tokens[0].lower() in PARTICLES


def particle_variant(surname: str, rng: random.Random) -> str:
    """Van den Bossche -> Vandenbossche / Van Den Bossche / van den Bossche / VAN DEN BOSSCHE."""
    tokens = surname.split(" ")
    i = 0
    while i < len(tokens) - 1 and tokens[i].lower() in PARTICLES:
        i += 1
    particles, rest = tokens[:i], " ".join(tokens[i:])
    glued = "".join(particles) + rest.lower()
    options = [
        glued[0].upper() + glued[1:],
        " ".join(p.capitalize() for p in particles) + " " + rest,
        " ".join(p.lower() for p in particles) + " " + rest,
        surname.upper(),
    ]
    if particles and particles[-1].lower() in ("el", "al", "ben", "ait", "aït", "bou"):
        options.append("-".join(particles) + "-" + rest)
    options = [o for o in options if o != surname]
    return rng.choice(options)
