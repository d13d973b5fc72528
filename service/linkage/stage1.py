"""Stage 1: keyed-hash links, the twin rule, and what the national number says about the rest.

Reasoning about national numbers (the lists are community-wide, most of their pupils live outside
Brussels and are therefore not in the register):

* a record whose number's hash is in the register is linked to that child, unless the names and the
  birth date say it is somebody else (a sibling's number, a typo that still passes the checksum):
  then the record goes to fuzzy scoring like a record without a number;
* a regular (non-bis), checksum-valid number that agrees with the record's own birth date and sex
  but is not in the register ("a foreign number") is near-certain evidence that the pupil is not a
  Brussels register child, whatever the list says (or does not say) about the domicile. Such a
  record never enters the general fuzzy linkage nor EM training (with 1.8 million of them and no
  postcode column, EM learnt "pupil living outside Brussels" as its match class). It stays reachable
  through one tight route only, for the rare checksum-valid typo of a Brussels child: a register child
  with the same first-name key, surname key and birth date (`foreign_route`); and not at all when the
  record gives a postcode outside Brussels;
* a bis number absent from the register proves nothing (a child who received a register number
  may still be listed under the bis number a school knew), and neither does a number inconsistent
  with the record's own birth date or sex (likely mistyped): both go to fuzzy linkage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from service.core.reference import brussels_postcodes
from service.linkage.compare import FIELDS, Encoded, compare, encode

FN, SN, DOB = FIELDS.index("first_name"), FIELDS.index("surname"), FIELDS.index("birth_date")
BRUSSELS_POSTCODES = sorted(brussels_postcodes())


@dataclass
class Stage1:
    links: pd.DataFrame  # rec, pi, method, probability, pair
    stage2: np.ndarray  # positions of records for the general fuzzy linkage
    foreign: np.ndarray  # positions of foreign-number records with a tight-route register partner
    labelled_gamma: np.ndarray  # comparison levels of the trusted hash links (free labels for m)
    counts: dict[str, int]


def twin_rule(
    records: pd.DataFrame,
    people: pd.DataFrame,
    ri: np.ndarray,
    pi: np.ndarray,
    fn: np.ndarray,
    encoded: Encoded | None = None,
) -> np.ndarray:
    """The twin rule: pairs whose child has a twin (same surname, birth date and address) and whose
    first names differ (level 2 or 3) while another child of that group fits the record's first name
    at least as well. A record whose first name is closest to one twin (`Lpuis` for Louis, not for
    his sister Anna) may still link to him; which twin it is, only the first name can say.
    """
    twin_group = people["twin_group"].to_numpy()  # from prepare_people
    rows = np.flatnonzero((twin_group[pi] >= 0) & (fn >= 2))
    out = np.zeros(len(pi), dtype=bool)
    if not len(rows):
        return out
    members = pd.DataFrame({"group": twin_group, "other": np.arange(len(people))})
    members = members[members["group"] >= 0]
    asked = pd.DataFrame({"row": rows, "group": twin_group[pi[rows]], "person": pi[rows]})
    others = asked.merge(members, on="group")
    others = others[others["other"] != others["person"]]
    other_fn = compare(
        records, people, ri[others["row"].to_numpy()], others["other"].to_numpy(), encoded
    ).gamma[:, FN]
    other_fn = np.where(other_fn < 0, 3, other_fn)
    best_other = pd.Series(other_fn).groupby(others["row"].to_numpy()).min()
    best = best_other.reindex(rows).fillna(9).to_numpy()
    out[rows] = best <= fn[rows]
    return out


def foreign_route(records: pd.DataFrame, people: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """Those of `candidates` (record positions) whose first-name key, surname key and birth date all
    equal a register child's (names read either way round): the only foreign-number records worth a
    comparison. A set-based join, so 1.8 million such records cost a merge, not a model."""
    if not len(candidates) or not len(people):
        return np.zeros(0, dtype=np.int64)
    keys = people[["fn", "sn", "dob"]].drop_duplicates()
    keys = keys[(keys["fn"] != "") & (keys["sn"] != "") & (keys["dob"] > 0)]
    sub = records.iloc[candidates]
    found = np.zeros(len(candidates), dtype=bool)
    for fn, sn in (("fn", "sn"), ("x_fn", "x_sn")):
        if fn not in sub:
            continue
        left = pd.DataFrame(
            {"fn": sub[fn].to_numpy(), "sn": sub[sn].to_numpy(), "dob": sub["dob"].to_numpy()}
        )
        left["row"] = np.arange(len(left))
        found[left.merge(keys, on=["fn", "sn", "dob"], how="inner")["row"].to_numpy()] = True
    return candidates[found]


def stage1(records: pd.DataFrame, people: pd.DataFrame) -> Stage1:
    """Hash links that the names and birth date do not contradict, and the records left for stage 2."""
    has_hash = records["nn_hash"].notna().to_numpy()
    hashed = pd.DataFrame(
        {"rec": np.flatnonzero(has_hash), "nn_hash": records["nn_hash"].to_numpy()[has_hash]}
    )
    person_by_hash = pd.DataFrame(
        {"nn_hash": people["nn_hash"].to_numpy(), "pid_idx": np.arange(len(people))}
    )
    person_by_hash = person_by_hash[person_by_hash["nn_hash"].notna()]
    joined = hashed.merge(person_by_hash, on="nn_hash", how="inner")
    ri, pi = joined["rec"].to_numpy(), joined["pid_idx"].to_numpy()
    encoded = encode(records.iloc[ri].reset_index(drop=True), people)
    local = np.arange(len(ri))
    gamma = compare(records.iloc[ri].reset_index(drop=True), people, local, pi, encoded).gamma
    fn, sn, dob = gamma[:, FN], gamma[:, SN], gamma[:, DOB]
    disagreements = (fn == 3).astype(int) + (sn == 3).astype(int) + (dob >= 2).astype(int)
    twin_doubt = twin_rule(records.iloc[ri].reset_index(drop=True), people, local, pi, fn, encoded)
    # a birth date that is off by more than a typo needs the first name to agree exactly; within 31
    # days or two digits wrong, a close first name (level 1) will do (a sibling is born further apart,
    # a twin is the twin rule's)
    date_doubt = ((dob == 4) & (fn != 0)) | ((dob >= 2) & (dob <= 3) & (fn >= 2))
    doubtful = (disagreements >= 2) | twin_doubt | date_doubt
    links = pd.DataFrame(
        {"rec": ri[~doubtful], "pi": pi[~doubtful], "method": "hash", "probability": np.nan, "pair": -1}
    )
    matched = np.zeros(len(records), dtype=bool)
    matched[ri] = True
    status = records["nn_status"].to_numpy()
    bis = records["nn_bis"].fillna(False).to_numpy(dtype=bool)
    foreign = has_hash & ~matched & (status == "valid") & ~bis
    postcode = records["postcode"].to_numpy()
    outside = ~np.isin(postcode, BRUSSELS_POSTCODES) & (postcode != "")
    stage2 = np.zeros(len(records), dtype=bool)
    stage2[ri[doubtful]] = True
    stage2 |= ~matched & ~foreign
    tight = foreign_route(records, people, np.flatnonzero(foreign & ~outside))
    counts = {
        "records": len(records),
        "hash_links": int((~doubtful).sum()),
        "hash_doubtful": int(doubtful.sum()),
        "hash_doubtful_twin": int(twin_doubt.sum()),
        "valid_number_not_in_register": int(foreign.sum()),
        "valid_number_not_in_register_outside_brussels": int((foreign & outside).sum()),
        "valid_number_not_in_register_tight_route": int(len(tight)),
        "stage2_records": int(stage2.sum()),
    }
    return Stage1(links, np.flatnonzero(stage2), tight, gamma[~doubtful], counts)


def reachable(records: pd.DataFrame, people: pd.DataFrame) -> np.ndarray:
    """Which raw list records can link at all (before any normalisation): the mask `frames.py`
    applies in SQL, for frames that did not come through it (benches, imports). A foreign number is
    kept only if the row is not placed outside Brussels and a register child shares its birth date
    and surname (in either name field, case aside)."""
    number = records["nn_hash"]
    bis = records["nn_bis"].fillna(False).to_numpy(dtype=bool)
    foreign = (
        number.notna().to_numpy()
        & ~number.isin(people["nn_hash"].dropna()).to_numpy()
        & (records["nn_status"].to_numpy() == "valid")
        & ~bis
    )
    postcode = records["postcode"].fillna("").astype(str).to_numpy() if "postcode" in records else None
    placed_outside = (
        np.zeros(len(records), bool)
        if postcode is None
        else ~np.isin(postcode, BRUSSELS_POSTCODES) & (postcode != "")
    )
    rows = np.flatnonzero(foreign & ~placed_outside)
    sub = records.iloc[rows]
    n_p, n_r = len(people), len(rows)
    # integer keys (birth date, lower-cased name), each string lowered once per distinct value
    names = pd.concat([people["last_name"], sub["last_name"], sub["first_names"]], ignore_index=True)
    codes, uniques = pd.factorize(names.fillna("").astype(str))
    lowered = pd.factorize(pd.Index(uniques).str.lower())[0][codes] if len(uniques) else codes
    births = pd.factorize(
        pd.concat([people["birth_date"], sub["birth_date"]], ignore_index=True).astype(str)
    )[0]
    births = np.r_[births, births[n_p:]].astype(np.int64)
    key = births * (int(lowered.max(initial=0)) + 1) + lowered
    shares = np.isin(key[n_p : n_p + n_r], key[:n_p]) | np.isin(key[n_p + n_r :], key[:n_p])
    keep = ~foreign
    keep[rows[shares]] = True
    return keep
