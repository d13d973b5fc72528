"""The linkage itself, on dataframes: stage 1 (keyed hashes), stage 2 (fuzzy), outcomes per pair.

No database here: `service.py` loads the frames and writes the results, the bench feeds the same
functions, and tests can call them on a handful of rows.

Reasoning about national numbers (the lists are community-wide, most of their pupils live outside
Brussels and are therefore not in the register):

* a record whose number's hash is in the register is linked to that child, unless the names and the
  birth date say it is somebody else (a sibling's number, a typo that still passes the checksum):
  then the record goes to fuzzy scoring like a record without a number;
* a regular (non-bis), checksum-valid number that agrees with the record's own birth date and sex
  but is not in the register is evidence that the pupil is not a Brussels register child, so the
  record is kept out of fuzzy linkage: otherwise homonyms living elsewhere absorb Brussels truants;
* a bis number absent from the register proves nothing (a child who received a register number
  may still be listed under the bis number a school knew), and neither does a number inconsistent
  with the record's own birth date or sex (likely mistyped): both go to fuzzy linkage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from service.core.reference import brussels_postcodes
from service.linkage.blocking import RULES, candidate_pairs
from service.linkage.compare import FIELDS, Encoded, compare, encode
from service.linkage.model import FSModel, estimate_u, expectation_maximisation, tf_for_pairs, tf_tables
from service.linkage.normalise import add_keys

Progress = Callable[[int, int, str], None]
FN, SN, DOB = FIELDS.index("first_name"), FIELDS.index("surname"), FIELDS.index("birth_date")
BRUSSELS_POSTCODES = sorted(brussels_postcodes())


@dataclass(frozen=True)
class LinkSettings:
    """Thresholds on the match probability, and how EM is run; stored with every run."""

    link_probability: float = 0.99
    review_probability: float = 0.60
    ambiguity_margin_bits: float = 6.0  # a runner-up closer than this to the best makes a record ambiguous
    em_iterations: int = 200  # an upper bound: EM stops when no parameter moves by 1e-6
    u_sample_pairs: int = 300_000
    seed: int = 20251001

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class LinkResult:
    links: pd.DataFrame  # rec, pi, method, probability, pair (positions in records / people / pairs)
    reviews: pd.DataFrame  # rec, pi, probability, swapped, pair
    scored: pd.DataFrame  # every stage-2 pair with probability >= 0.01 (for explanations)
    model: FSModel
    counts: dict[str, int] = field(default_factory=dict)
    blocking: list[dict[str, Any]] = field(default_factory=list)
    stage2_records: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gamma: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FIELDS)), dtype=np.int8))
    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FIELDS))))

    def pair_strings(self, pair: pd.Series) -> tuple[list[str | None], list[str | None]]:
        """Comparison levels and field weights of stored pairs as short strings (None for hash links)."""
        gammas: list[str | None] = []
        weights: list[str | None] = []
        for p in pair.tolist():
            if p is None or p != p or p < 0:
                gammas.append(None)
                weights.append(None)
            else:
                gammas.append(",".join(str(int(v)) for v in self.gamma[int(p)]))
                weights.append(",".join(f"{v:.2f}" for v in self.weights[int(p)]))
        return gammas, weights


def prepare_people(people: pd.DataFrame) -> pd.DataFrame:
    """Register children with keys, the twin flag and a positional index."""
    people = add_keys(people.reset_index(drop=True))
    address = (
        people.get("nis_code", pd.Series("", index=people.index)).fillna("").astype(str)
        + "|"
        + people.get("street", pd.Series("", index=people.index)).fillna("").astype(str).str.lower()
        + "|"
        + people.get("house_number", pd.Series("", index=people.index)).fillna("").astype(str).str.lower()
    )
    group = people["sn"] + "|" + people["dob"].astype(str) + "|" + address
    names_in_group = people.groupby(group)["fn"].transform("nunique")
    people["twin"] = (names_in_group >= 2).to_numpy()
    codes, _ = pd.factorize(group)
    people["twin_group"] = np.where(people["twin"].to_numpy(), codes, -1).astype(np.int64)
    return people


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


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    return add_keys(records.reset_index(drop=True), swapped=True)


def record_fingerprints(records: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
    """A stable key for a list record (survives a re-ingest of the same content under new row ids)."""
    cols = [
        "kind",
        "source",
        "last_name",
        "first_names",
        "birth_date",
        "sex",
        "postcode",
        "detail",
        "valid_from",
    ]
    sub = records.iloc[idx]
    parts = [sub[c].astype(str).to_numpy() if c in sub else np.full(len(sub), "") for c in cols]
    return np.array(
        [
            hashlib.sha256("\x1f".join(p[i] for p in parts).encode("utf-8")).hexdigest()[:40]
            for i in range(len(sub))
        ],
        dtype=object,
    )


def _stage1(records: pd.DataFrame, people: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
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
    encoded = encode(records, people)
    gamma = compare(records, people, ri, pi, encoded).gamma
    fn, sn, dob = gamma[:, FN], gamma[:, SN], gamma[:, DOB]
    disagreements = (fn == 3).astype(int) + (sn == 3).astype(int) + (dob >= 2).astype(int)
    twin_doubt = twin_rule(records, people, ri, pi, fn, encoded)
    # a birth date that is off by more than a typo needs the first name to agree exactly
    date_doubt = (dob >= 2) & (fn != 0)
    doubtful = (disagreements >= 2) | twin_doubt | date_doubt
    links = pd.DataFrame(
        {"rec": ri[~doubtful], "pi": pi[~doubtful], "method": "hash", "probability": np.nan, "pair": -1}
    )
    matched = np.zeros(len(records), dtype=bool)
    matched[ri] = True
    status = records["nn_status"].to_numpy()
    bis = records["nn_bis"].fillna(False).to_numpy(dtype=bool)
    evidence_elsewhere = has_hash & ~matched & (status == "valid") & ~bis
    # such a pupil is out of reach unless the record places them in Brussels (or says nothing): then
    # a checksum-valid typo is possible, and the absent number becomes evidence the model weighs
    outside = (
        ~records["postcode"].isin(BRUSSELS_POSTCODES).to_numpy() & (records["postcode"] != "").to_numpy()
    )
    stage2 = np.zeros(len(records), dtype=bool)
    stage2[ri[doubtful]] = True
    stage2 |= ~matched & ~(evidence_elsewhere & outside)
    records["nn_class"] = (evidence_elsewhere & stage2).astype(np.int8)
    counts = {
        "records": len(records),
        "hash_links": int((~doubtful).sum()),
        "hash_doubtful": int(doubtful.sum()),
        "hash_doubtful_twin": int(twin_doubt.sum()),
        "valid_number_not_in_register": int(evidence_elsewhere.sum()),
        "valid_number_not_in_register_outside_brussels": int((evidence_elsewhere & outside).sum()),
        "stage2_records": int(stage2.sum()),
    }
    return links, np.flatnonzero(stage2), counts


def train(
    records: pd.DataFrame,
    people: pd.DataFrame,
    gamma: np.ndarray,
    rule_masks: dict[str, np.ndarray],
    settings: LinkSettings,
    encoded: Encoded | None = None,
) -> FSModel:
    """Learn u from random pairs and m by EM in two sessions (blocked on birth date, then on names)."""
    model = FSModel()
    model.u = estimate_u(records, people, settings.seed, settings.u_sample_pairs, encoded)
    sessions = []
    lam_dob = None
    birth_date = rule_masks.get("birth_date_surname", np.zeros(len(gamma), bool)) | rule_masks.get(
        "birth_date_first_name", np.zeros(len(gamma), bool)
    )
    for rule, fields in (
        ("birth_date", ["first_name", "surname", "sex", "postcode", "national_number"]),
        ("names", ["birth_date", "sex", "postcode", "national_number"]),
    ):
        mask = birth_date if rule == "birth_date" else rule_masks.get(rule)
        if mask is None or mask.sum() < 50:
            sessions.append(
                {"blocked_on": rule, "pairs": int(0 if mask is None else mask.sum()), "skipped": True}
            )
            continue
        m, lam, iterations = expectation_maximisation(
            gamma[mask], model, fields, iterations=settings.em_iterations
        )
        keep = fields if rule == "birth_date" else ["birth_date"]
        for f in keep:
            model.m[f] = m[f]
        if rule == "birth_date":
            lam_dob = (lam, int(mask.sum()))
        sessions.append(
            {
                "blocked_on": rule,
                "pairs": int(mask.sum()),
                "fields": keep,
                "match_share": lam,
                "iterations": iterations,
            }
        )
    if lam_dob is not None:
        expected = lam_dob[0] * lam_dob[1] / max(model.m["birth_date"][0], 0.5)
        model.prior = float(np.clip(expected / (len(records) * len(people)), 1e-12, 0.5))
    else:
        model.prior = float(np.clip(0.5 / max(len(people), 1), 1e-12, 0.5))
    model.training = {
        "u": "random sampling",
        "u_sample_pairs": settings.u_sample_pairs,
        "em": "m and the session's own non-match frequencies learnt together; only m is kept",
        "em_sessions": sessions,
    }
    return model


def default_model(records: pd.DataFrame, people: pd.DataFrame, settings: LinkSettings) -> FSModel:
    """The model used before any run of the year exists: u from the data, m from the starting values."""
    model = FSModel()
    model.u = estimate_u(records, people, settings.seed, min(settings.u_sample_pairs, 50_000))
    model.prior = float(np.clip(0.5 / max(len(people), 1), 1e-12, 0.5))
    model.training = {"u": "random sampling", "m": "starting values (no run of the year yet)"}
    return model


def link(
    records: pd.DataFrame,
    people: pd.DataFrame,
    settings: LinkSettings | None = None,
    *,
    model: FSModel | None = None,
    decisions: dict[tuple[str, str], str] | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Link prepared `records` to prepared `people` (see prepare_records / prepare_people).

    `records` columns: kind, batch_id, nn_hash, nn_status, nn_bis, names, birth_date, sex, postcode
    (and for fingerprints: source, detail, valid_from). `people`: nn_hash, names, birth date, sex,
    postcode, address. `decisions` maps (record fingerprint, person nn_hash) to accept / reject.
    With `model`, no training happens (re-linking late lists with a run's model).
    """
    settings = settings or LinkSettings()
    step = progress or (lambda done, total, message: None)
    step(1, 6, "stage 1: national-number hashes")
    hash_links, stage2_idx, counts = _stage1(records, people)

    step(2, 6, "stage 2: blocking")
    sub = records.iloc[stage2_idx].reset_index(drop=True)
    candidates = candidate_pairs(sub, people)
    sri, pi = candidates.ri, candidates.pi
    blocking = [
        {"rule": r.name, "description": r.description, "candidate_pairs": candidates.count(r.name)}
        for r in RULES
    ]
    counts["candidate_pairs"] = int(len(candidates))

    step(3, 6, "stage 2: comparisons")
    encoded = encode(sub, people)
    compared = compare(sub, people, sri, pi, encoded)
    gamma = compared.gamma

    step(4, 6, "stage 2: model")
    if model is None:
        masks = {r.name: candidates.mask(r.name) for r in RULES}
        if len(sub) and len(people):
            model = train(sub, people, gamma, masks, settings, encoded)
        else:
            model = FSModel(u={f: [1.0 / len(v)] * len(v) for f, v in FSModel().m.items()})
    tables = tf_tables(people)
    weights = model.field_weights(gamma, tf_for_pairs(people, tables, pi))
    prob = model.probability(weights)

    step(5, 6, "stage 2: decisions")
    rec = stage2_idx[sri] if len(sri) else np.zeros(0, dtype=np.int64)
    method = np.full(len(rec), "fuzzy", dtype=object)
    twin_block = twin_rule(sub, people, sri, pi, gamma[:, FN], encoded)
    prob = np.where(twin_block, 0.0, prob)
    counts["twin_rule_blocked"] = int(
        (twin_block & (model.probability(weights) >= settings.review_probability)).sum()
    )
    if decisions:
        fps = record_fingerprints(records, rec)
        keys = people["nn_hash"].fillna("").to_numpy()[pi]
        verdict = np.array([decisions.get((f, k), "") for f, k in zip(fps, keys, strict=True)], dtype=object)
        prob = np.where(verdict == "accept", 1.0, np.where(verdict == "reject", 0.0, prob))
        method = np.where(verdict == "accept", "review_decision", method)
        counts["decisions_reused"] = int((verdict != "").sum())
    pairs = pd.DataFrame(
        {
            "rec": rec,
            "pi": pi,
            "probability": prob,
            "method": method,
            "swapped": compared.swapped,
            "pair": np.arange(len(rec), dtype=np.int64),
        }
    )
    links, reviews = _decide(records, pairs, hash_links, settings, counts)
    step(6, 6, "done")
    scored = pairs[pairs["probability"] >= 0.01].reset_index(drop=True)
    return LinkResult(links, reviews, scored, model, counts, blocking, stage2_idx, gamma, weights)


def _logit2(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log2(p / (1 - p))


def _decide(
    records: pd.DataFrame,
    pairs: pd.DataFrame,
    hash_links: pd.DataFrame,
    settings: LinkSettings,
    counts: dict[str, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links (one child per record; one record per child and list), and the pairs left to review."""
    batch = records["batch_id"].to_numpy()
    live = pairs[pairs["probability"] >= settings.review_probability].copy()
    live = live.sort_values(["rec", "probability"], ascending=[True, False], kind="mergesort")
    live["rank"] = live.groupby("rec").cumcount()
    second = live[live["rank"] == 1].set_index("rec")["probability"]
    best = live[live["rank"] == 0].copy()
    best["second"] = best["rec"].map(second).fillna(0.0).to_numpy()
    margin = _logit2(best["probability"].to_numpy()) - _logit2(best["second"].to_numpy())
    best["ambiguous"] = (best["second"] >= settings.review_probability) & (
        margin < settings.ambiguity_margin_bits
    )
    confident = (best["probability"] >= settings.link_probability) & (
        ~best["ambiguous"] | (best["method"] == "review_decision")
    )
    fuzzy = best[confident].copy()
    # one record per child and list: the strongest wins; a child already linked by hash in that list
    # keeps that link and the extra record is a duplicate, never re-routed to another child.
    fuzzy["batch"] = batch[fuzzy["rec"].to_numpy()]
    hashed = set(zip(batch[hash_links["rec"].to_numpy()], hash_links["pi"].to_numpy(), strict=True))
    dup_of_hash = np.array(
        [(b, p) in hashed for b, p in zip(fuzzy["batch"], fuzzy["pi"], strict=True)], dtype=bool
    )
    fuzzy = fuzzy[~dup_of_hash]
    fuzzy = fuzzy.sort_values("probability", ascending=False, kind="mergesort")
    first = ~fuzzy.duplicated(["batch", "pi"])
    counts["fuzzy_duplicates_dropped"] = int(dup_of_hash.sum() + (~first).sum())
    fuzzy = fuzzy[first]
    cols = ["rec", "pi", "method", "probability", "pair"]
    links = pd.concat([hash_links[cols], fuzzy[cols]], ignore_index=True)
    counts["fuzzy_links"] = int(len(fuzzy))
    accounted = set(links["pi"].tolist())
    linked_records = set(links["rec"].tolist())
    # review: the unresolved best candidates (and runner-up when ambiguous) of records not linked,
    # for children nothing else accounts for
    open_ = live[~live["rec"].isin(linked_records) & (live["rank"] <= 1) & ~live["pi"].isin(accounted)]
    ambiguous_rec = set(best.loc[best["ambiguous"], "rec"].tolist())
    open_ = open_[(open_["rank"] == 0) | open_["rec"].isin(ambiguous_rec)]
    reviews = open_[["rec", "pi", "probability", "swapped", "pair"]].reset_index(drop=True)
    counts["review_pairs"] = int(len(reviews))
    return links.reset_index(drop=True), reviews
