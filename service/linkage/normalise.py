"""Name and date normalisation for linkage, applied to whole columns.

Lists spell the same child differently: case, accents (`Aïcha` / `AICHA`), punctuation and particles
(`Van den Bossche` / `Vandenbossche` / `VAN DEN BOSSCHE`, `El-Amrani`), compound surnames of which a
list keeps only one part (`Fernández García` / `Fernández`), and transliterations of the same name
(`Mohamed` / `Mohammed` / `Muhammad`). Each function maps a value to a key that is equal when the
spellings are equal up to those differences. Work is done once per distinct value (names repeat a
lot), so a column of a million values costs a few thousand calls.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

# Particles that belong to the next part of a surname (Dutch, French, Arabic, Iberian, Italian).
PARTICLES = frozenset(
    "van vande vanden vander ver de den der del della dello di da das dos do du des le la les el al ben bou"
    " ait ouled ter ten op lo mac mc st saint sainte".split()
)
_SPECIAL = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "İ": "i",
        "đ": "d",
        "Đ": "d",
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)
_NON_ALPHA = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"['’`´]")

# Spelling rules applied before taking a consonant skeleton: they make common transliterations of
# Arabic, Turkish, Slavic and Romance names coincide (sh/ch, kh/k, ph/f, ou/u, y/i, ...).
_TRANSLIT_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"sch", "ch"),
        (r"sh", "ch"),
        (r"tch", "ch"),
        (r"kh", "k"),
        (r"gh", "g"),
        (r"ph", "f"),
        (r"th", "t"),
        (r"dj", "j"),
        (r"ck", "k"),
        (r"q", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"x", "ks"),
        (r"z", "s"),
        (r"w", "v"),
        (r"ou", "u"),
        (r"oo", "u"),
        (r"ee", "i"),
        (r"y", "i"),
        (r"j", "i"),
    )
)
_VOWELS = re.compile(r"[aeiouh]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=500_000)
def fold(text: str) -> str:
    """Lower case, no accents, letters and single spaces only (`D'Hondt-Peeters` -> `dhondt peeters`)."""
    if not text:
        return ""
    text = text.translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _APOSTROPHES.sub("", text)
    text = _NON_ALPHA.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=500_000)
def surname_segments(text: str) -> tuple[str, ...]:
    """Parts of a surname with their particles glued on: `da silva pereira` -> (`dasilva`, `pereira`)."""
    out: list[str] = []
    pending = ""
    for token in fold(text).split(" "):
        if not token:
            continue
        pending += token
        if token not in PARTICLES:
            out.append(pending)
            pending = ""
    if pending:
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return tuple(out)


@lru_cache(maxsize=500_000)
def surname_key(text: str) -> str:
    """The whole surname glued: `Van den Bossche`, `VANDENBOSSCHE`, `van den bossche` -> `vandenbossche`."""
    return "".join(surname_segments(text))


@lru_cache(maxsize=500_000)
def skeleton(token: str) -> str:
    """A transliteration key: first letter class plus the consonant skeleton after spelling rules.

    `mohamed`, `mohammed`, `muhammad`, `mouhamed` -> `mmd`; `youssef`, `yusuf` -> `isf`. Equal
    skeletons are evidence (a comparison level the model weighs), not a decision.
    """
    if not token:
        return ""
    t = token
    for pattern, repl in _TRANSLIT_RULES:
        t = pattern.sub(repl, t)
    head = "a" if t[0] in "aeiouh" else t[0]
    body = _VOWELS.sub("", t[1:])
    return _REPEATS.sub(r"\1", head + body)


@lru_cache(maxsize=500_000)
def first_tokens(text: str) -> tuple[str, ...]:
    """Given names as folded tokens (`Marie-Claire Anne` -> (`marie`, `claire`, `anne`))."""
    return tuple(t for t in fold(text).split(" ") if t)


def _surname_keys(text: str) -> tuple[str, str, str, str]:
    key = surname_key(text)
    return key, fold(text), skeleton(key), key[:1]


def _first_name_keys(text: str) -> tuple[str, str, str, str]:
    tokens = first_tokens(text)
    key = tokens[0] if tokens else ""
    return key, " ".join(tokens), skeleton(key), key[:1]


def _map_unique(values: pd.Series, fn, names: tuple[str, ...]) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Apply `fn` (value -> tuple of keys) once per distinct value of a column."""
    codes, uniques = pd.factorize(values, sort=False)
    if not len(uniques):
        return {name: np.array([], dtype=object) for name in names}
    table = [fn(v) for v in uniques]
    return {name: np.array([t[k] for t in table], dtype=object)[codes] for k, name in enumerate(names)}


def _name_keys(frame: pd.DataFrame, last: pd.Series, first: pd.Series, prefix: str) -> None:
    sn = _map_unique(last, _surname_keys, ("sn", "sn_fold", "sn_skel", "sn_init"))
    fn = _map_unique(first, _first_name_keys, ("fn", "fn_all", "fn_skel", "fn_init"))
    for name in ("sn", "sn_fold", "fn", "fn_all", "fn_skel", "sn_skel", "sn_init", "fn_init"):
        frame[prefix + name] = (sn if name.startswith("sn") else fn)[name]


def add_keys(frame: pd.DataFrame, *, swapped: bool = False) -> pd.DataFrame:
    """Add the normalised columns every comparison and blocking rule reads.

    Expects `last_name`, `first_names`, `birth_date` (dates, may be missing), `sex`, `postcode`.
    With `swapped`, also the keys of the names read the other way round (`x_` columns), for list
    records whose first and last names may have been entered in each other's field.
    """
    last = frame["last_name"].fillna("").astype(str)
    first = frame["first_names"].fillna("").astype(str)
    _name_keys(frame, last, first, "")
    if swapped:
        _name_keys(frame, first, last, "x_")
    for col in ("sex", "postcode"):  # a list without the column says nothing, it does not disagree
        frame[col] = frame[col].fillna("").astype(str) if col in frame else ""
    # the domicile's street and house number: the register's, and a list's where it carries them
    street = frame["street"].fillna("").astype(str) if "street" in frame else pd.Series("", index=frame.index)
    frame["addr_street"] = _map_unique(street, lambda v: (fold(v),), ("s",))["s"] if len(frame) else street
    house = frame["house_number"] if "house_number" in frame else pd.Series("", index=frame.index)
    frame["addr_house"] = house.fillna("").astype(str).str.lower().str.replace(r"\s+", "", regex=True)
    birth = pd.to_datetime(frame["birth_date"], errors="coerce")
    frame["dob"] = (birth.dt.year * 10000 + birth.dt.month * 100 + birth.dt.day).fillna(0).astype(np.int64)
    frame["byear"] = (frame["dob"] // 10000).astype(np.int64)
    frame["dob_swap"] = swap_day_month(frame["dob"].to_numpy())
    return frame


def swap_day_month(dob: np.ndarray) -> np.ndarray:
    """yyyymmdd with day and month exchanged (0 stays 0): `20130704` -> `20130407`."""
    dob = np.asarray(dob, dtype=np.int64)
    return np.where(dob > 0, (dob // 10000) * 10000 + (dob % 100) * 100 + (dob // 100) % 100, 0)
