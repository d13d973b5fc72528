"""Years unlike `tandem generate`'s defaults, built straight as the frames linkage reads (no database).

A register of Brussels children in families (siblings share surname, address and parents, so a
sibling's number is a realistic error), one enrolment record per accounted-for child, and pupils
living outside Brussels with valid numbers of their own, drawn from the same name pools (so exact
homonyms of Brussels children occur, as they do). Variants: lists without postcode and/or sex
columns, `outside_factor` outside pupils per register child, and an error model of its own
(`Errors`): sibling numbers, bis numbers, checksum-valid typos, invalid typos, missing numbers,
transliterations, truncated compound surnames, name swaps, day/month swaps, digit typos.

The name pools are the generator's (the only import of it in bench/: one line to change when it moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.generate.names import origins  # the one import of the generator in bench/

BRUSSELS = ("1000", "1020", "1030", "1040", "1050", "1060", "1070", "1080", "1090", "1140", "1180", "1190")
TRANSLIT = (
    ("ou", "u"),
    ("mohamed", "muhammad"),
    ("y", "i"),
    ("ph", "f"),
    ("sch", "sj"),
    ("ee", "e"),
    ("ç", "c"),
)


@dataclass(frozen=True)
class Errors:
    """Share of records carrying each error (a record may carry several)."""

    number_missing: float = 0.035
    number_invalid: float = 0.005  # a typo the checksum catches
    number_valid_typo: float = 0.0008  # a typo the checksum does not catch: a foreign number
    number_sibling: float = 0.003  # a brother's or sister's number
    number_bis: float = 0.002
    translit: float = 0.04
    truncate_compound: float = 0.35  # of records whose surname has several parts
    typo_first: float = 0.03
    typo_last: float = 0.03
    swap_names: float = 0.005
    swap_day_month: float = 0.01
    date_digit: float = 0.01
    truant: float = 0.005  # register children with no record at all


@dataclass(frozen=True)
class Variant:
    name: str
    children: int
    outside_factor: float = 1.0
    postcode: bool = True
    sex: bool = True
    errors: Errors = Errors()
    seed: int = 11


VARIANTS = {
    "default-like": Variant("default-like", 20_000),
    "no-postcode-no-sex-8x-outside": Variant("no-postcode-no-sex-8x-outside", 20_000, 8.0, False, False),
    "harsh": Variant(
        "harsh",
        20_000,
        3.0,
        False,
        True,
        Errors(number_missing=0.12, number_invalid=0.02, typo_first=0.08, typo_last=0.08, translit=0.1),
    ),
}


def _pools() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Surnames (with Zipf-like weights) and first names of all naming traditions."""
    sn, sw, male, female = [], [], [], []
    for origin in origins().values():
        k = len(origin.surnames)
        sn += list(origin.surnames)
        sw += list(1.0 / (np.arange(k) + 3.0))
        male += list(origin.male)
        female += list(origin.female)
    w = np.array(sw)
    return (
        np.array(sn, dtype=object),
        w / w.sum(),
        np.array(male, dtype=object),
        np.array(female, dtype=object),
    )


def _births(rng: np.random.Generator, n: int) -> np.ndarray:
    start = np.datetime64("2008-01-01")
    return start + rng.integers(0, 13 * 365, n).astype("timedelta64[D]")


def _people(v: Variant, rng: np.random.Generator, pools) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    sn, sw, male, female = pools
    n = v.children
    family = np.sort(rng.integers(0, int(n / 1.7), n))  # about 1.7 children per family
    fam_sn = rng.choice(sn, size=family.max() + 1, p=sw)
    sex = rng.choice(np.array(["M", "F"]), n)
    first = np.where(sex == "M", rng.choice(male, n), rng.choice(female, n))
    return pd.DataFrame(
        {
            "nn_hash": [f"R{i}" for i in range(n)],
            "last_name": fam_sn[family],
            "first_names": first,
            "birth_date": _births(rng, n).astype(str),
            "sex": sex,
            "postcode": rng.choice(np.array(BRUSSELS), family.max() + 1)[family],
            "street": [f"Straat {f}" for f in family],
            "house_number": "1",
            "nis_code": "21004",
            "person_id": np.arange(1, n + 1),
            "family": family,
        }
    )


def _typo(s: str, k: int) -> str:
    if len(s) < 3:
        return s
    i = 1 + k % (len(s) - 2)
    return [s[:i] + s[i + 1 :], s[:i] + s[i] + s[i:], s[:i] + s[i + 1] + s[i] + s[i + 2 :]][k % 3]


def _translit(s: str) -> str:
    low = s.lower()
    for a, b in TRANSLIT:
        if a in low:
            return low.replace(a, b, 1).title()
    return s + "e"


def _swap_dm(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{y}-{d}-{m}" if int(d) <= 12 and d != m else iso


def _digit(iso: str, k: int) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    try:
        return (date(y, m, d) + timedelta(days=(1 if k % 2 else -10))).isoformat()
    except ValueError:
        return iso


def _apply(rng: np.random.Generator, share: float, n: int) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < share)


def _names_and_dates(rec: pd.DataFrame, e: Errors, rng: np.random.Generator) -> None:
    n = len(rec)
    last, first, birth = (
        rec["last_name"].to_numpy(),
        rec["first_names"].to_numpy(),
        rec["birth_date"].to_numpy(),
    )
    compound = np.flatnonzero(np.char.find(last.astype(str), " ") > 0)
    for i in compound[rng.random(len(compound)) < e.truncate_compound]:
        last[i] = last[i].split(" ")[0 if rng.random() < 0.5 else -1]
    for i in _apply(rng, e.translit, n):
        first[i] = _translit(first[i])
    for i in _apply(rng, e.typo_first, n):
        first[i] = _typo(first[i], int(i))
    for i in _apply(rng, e.typo_last, n):
        last[i] = _typo(last[i], int(i))
    for i in _apply(rng, e.swap_names, n):
        first[i], last[i] = last[i], first[i]
    for i in _apply(rng, e.swap_day_month, n):
        birth[i] = _swap_dm(birth[i])
    for i in _apply(rng, e.date_digit, n):
        birth[i] = _digit(birth[i], int(i))
    rec["last_name"], rec["first_names"], rec["birth_date"] = last, first, birth


def _numbers(rec: pd.DataFrame, people: pd.DataFrame, e: Errors, rng: np.random.Generator) -> None:
    n = len(rec)
    hashes = rec["nn_hash"].to_numpy(dtype=object)
    status = np.full(n, "valid", dtype=object)
    bis = np.zeros(n, dtype=bool)
    roll = rng.random(n)
    edges = np.cumsum(
        [e.number_missing, e.number_invalid, e.number_valid_typo, e.number_sibling, e.number_bis]
    )
    kind = np.searchsorted(edges, roll, side="right")  # 0 missing ... 4 bis, 5 correct
    hashes[kind == 0], status[kind == 0] = None, "missing"
    hashes[kind == 1], status[kind == 1] = None, "invalid"
    hashes[kind == 2] = [f"T{i}" for i in np.flatnonzero(kind == 2)]
    fam = people["family"].to_numpy()
    pos = rec["truth"].to_numpy()
    for i in np.flatnonzero(kind == 3):  # a sibling's number (same family, another child)
        sibs = np.flatnonzero(fam == fam[pos[i]])  # families are sorted: a small slice in practice
        sibs = sibs[sibs != pos[i]]
        if len(sibs):
            hashes[i] = people["nn_hash"].iat[int(sibs[0])]
    hashes[kind == 4], bis[kind == 4] = [f"B{i}" for i in np.flatnonzero(kind == 4)], True
    rec["nn_hash"], rec["nn_status"], rec["nn_bis"] = hashes, status, bis
    rec["error"] = np.array(["missing", "invalid", "valid_typo", "sibling", "bis", "none"], dtype=object)[
        kind
    ]


def generate(v: Variant) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(people, records) as linkage reads them; records carry `truth` (register position or -1)
    and `error` (what happened to the number)."""
    rng = np.random.default_rng(v.seed)
    pools = _pools()
    people = _people(v, rng, pools)
    listed = np.flatnonzero(rng.random(len(people)) >= v.errors.truant)
    rec = people.iloc[listed][["nn_hash", "last_name", "first_names", "birth_date", "sex", "postcode"]].copy()
    rec = rec.reset_index(drop=True).assign(truth=listed)
    _names_and_dates(rec, v.errors, rng)
    _numbers(rec, people, v.errors, rng)
    sn, sw, male, female = pools
    k = int(v.outside_factor * len(people))
    sex = rng.choice(np.array(["M", "F"]), k)
    outside = pd.DataFrame(
        {
            "nn_hash": [f"O{i}" for i in range(k)],
            "nn_status": "valid",
            "nn_bis": False,
            "last_name": rng.choice(sn, size=k, p=sw),
            "first_names": np.where(sex == "M", rng.choice(male, k), rng.choice(female, k)),
            "birth_date": _births(rng, k).astype(str),
            "sex": sex,
            "postcode": rng.choice(np.array(["2000", "9000", "1500", "3000", "1300", "4000"]), k),
            "truth": -1,
            "error": "outside",
        }
    )
    records = pd.concat([rec, outside], ignore_index=True)
    if not v.postcode:
        records["postcode"] = None
    if not v.sex:
        records["sex"] = None
    n = len(records)
    records = records.assign(
        kind="enrolment", batch_id=1, source="bench", detail="", record_id=np.arange(1, n + 1)
    )
    extra = {"valid_from": "2025-09-01", "valid_until": None, "community": "fr", "school_id": None}
    return people.drop(columns=["family"]), records.assign(**extra, campus_id=None, reason=None)
