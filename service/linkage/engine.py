"""The linkage itself, on dataframes: stage 1 (keyed hashes, `stage1.py`), stage 2 (fuzzy), outcomes.

No database here: `service.py` loads the frames and writes the results, the bench feeds the same
functions, and tests can call them on a handful of rows. Stage 2 compares two kinds of records: those
without a usable number (and distrusted hash links), found by the blocking rules and used to train
the model; and the few records with a foreign number that the tight route keeps (`stage1.py`), scored
with the trained model but never trained on, and only where first name, surname and birth date agree
exactly. Without a Brussels postcode on the record such a pair can reach review, never a link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from service.linkage.blocking import RULES, Candidates, candidate_pairs
from service.linkage.compare import FIELDS, Compared, compare, encode
from service.linkage.decide import decide
from service.linkage.model import FSModel, tf_for_pairs, tf_tables
from service.linkage.normalise import add_keys
from service.linkage.settings import LinkSettings
from service.linkage.stage1 import BRUSSELS_POSTCODES, DOB, FN, SN, stage1, twin_rule
from service.linkage.training import labelled_m, train

__all__ = ["LinkResult", "LinkSettings", "link", "prepare_people", "prepare_records", "twin_rule"]

Progress = Callable[[int, int, str], None]


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


def _stage2_input(records: pd.DataFrame, first: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The stage-2 records (general ones, then tight-route ones) and their positions in `records`."""
    idx = np.concatenate([first.stage2, first.foreign]).astype(np.int64)
    sub = records.iloc[idx].reset_index(drop=True)
    sub["nn_class"] = np.r_[np.zeros(len(first.stage2), np.int8), np.ones(len(first.foreign), np.int8)]
    return sub, idx


def _keep_tight(sub: pd.DataFrame, candidates: Candidates, compared: Compared) -> tuple[Candidates, Compared]:
    """Drop pairs of foreign-number records unless first name, surname and birth date are exact."""
    g = compared.gamma
    foreign = sub["nn_class"].to_numpy()[candidates.ri] == 1
    keep = ~foreign | ((g[:, FN] == 0) & (g[:, SN] == 0) & (g[:, DOB] == 0))
    if keep.all():
        return candidates, compared
    kept = Candidates(candidates.ri[keep], candidates.pi[keep], candidates.rules[keep], candidates.names)
    return kept, Compared(g[keep], compared.swapped[keep])


def _model(sub, people, candidates, gamma, encoded, settings, labels, linked) -> FSModel:  # type: ignore[no-untyped-def]
    """Train on the general records' pairs only: foreign-number pairs never teach the model.
    `linked` marks the register children with a stage-1 link."""
    general = sub["nn_class"].to_numpy()[candidates.ri] == 0
    masks = {
        "birth_date": (candidates.mask("birth_date_surname") | candidates.mask("birth_date_first_name"))
        & general,
        "names": candidates.mask("names") & general,
    }
    n_general = int((sub["nn_class"] == 0).sum())
    if n_general and len(people):
        return train(
            sub,
            people,
            gamma,
            masks,
            settings,
            encoded=encoded,
            labels=labels,
            pair_class=linked[candidates.pi],
            hash_linked_people=int(linked.sum()),
        )
    model = FSModel(u={f: [1.0 / len(v)] * len(v) for f, v in FSModel().m.items()})
    model.training = {"health": {"verdict": "ok", "problems": [], "used": "nothing to train on"}}
    return model


def _homonym_weight(people: pd.DataFrame) -> np.ndarray:
    """Per register child, how likely a random person shares its first name, surname and birth date
    (product of the three frequencies among register children): up to a constant, its expected
    number of exact homonyms on the lists."""
    out = np.ones(len(people))
    for col in ("fn", "sn", "dob"):
        out *= people[col].map(people[col].value_counts(normalize=True)).to_numpy(dtype=np.float64)
    return out


def _cap_foreign(  # noqa: PLR0913
    sub: pd.DataFrame,
    people: pd.DataFrame,
    ri: np.ndarray,
    pi: np.ndarray,
    prob: np.ndarray,
    linked: np.ndarray,
    settings: LinkSettings,
    counts: dict[str, Any],
) -> np.ndarray:
    """A foreign-number pair without a Brussels postcode on the record is either a checksum-valid
    typo of the child's number or an exact homonym living elsewhere. Homonyms are seen on the
    children the number already links (stage 1): their tight-route pairs are all homonyms, which
    calibrates each child's expected homonyms (`_homonym_weight`, Jeffreys' +1/2: none seen is no
    proof of none). Among children without a link, what homonyms do not explain are typos; a pair's
    probability is capped by typo / (typo + its child's expected homonyms). A pair whose child
    already has a hash link may reach review, never a link."""
    foreign = sub["nn_class"].to_numpy()[ri] == 1
    placed = np.isin(sub["postcode"].to_numpy()[ri], BRUSSELS_POSTCODES)
    on_linked = linked[pi]
    weight = _homonym_weight(people)
    k_linked = int((foreign & on_linked).sum())
    k_unlinked = int((foreign & ~on_linked).sum())
    alpha = (k_linked + 0.5) / max(float(weight[linked].sum()), 1e-300)
    homonyms_unlinked = alpha * float(weight[~linked].sum())
    typo_rate = max(k_unlinked - homonyms_unlinked, 0.0) / max(int((~linked).sum()), 1)
    expected = alpha * weight[pi]
    share = typo_rate / np.maximum(typo_rate + expected, 1e-300)
    counts["tight_route_pairs_linked_children"] = k_linked
    counts["tight_route_pairs_unlinked_children"] = k_unlinked
    counts["tight_route_homonyms_expected_unlinked"] = int(round(homonyms_unlinked))
    cap = np.where(on_linked, np.nextafter(settings.link_probability, 0.0), share)
    return np.where(foreign & ~placed, np.minimum(prob, cap), prob)


def _apply_decisions(records, rec, pi, people, prob, method, decisions, counts):  # type: ignore[no-untyped-def]
    """Earlier operator decisions of the year, keyed by record fingerprint and child hash."""
    fps = record_fingerprints(records, rec)
    keys = people["nn_hash"].fillna("").to_numpy()[pi]
    verdict = np.array([decisions.get((f, k), "") for f, k in zip(fps, keys, strict=True)], dtype=object)
    prob = np.where(verdict == "accept", 1.0, np.where(verdict == "reject", 0.0, prob))
    method = np.where(verdict == "accept", "review_decision", method)
    counts["decisions_reused"] = int((verdict != "").sum())
    return prob, method


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
    (and for fingerprints: source, detail, valid_from); a missing sex or postcode is no evidence
    either way. `people`: nn_hash, names, birth date, sex, postcode, address. `decisions` maps
    (record fingerprint, person nn_hash) to accept / reject. With `model`, no training happens
    (re-linking late lists with a run's model).
    """
    settings = settings or LinkSettings()
    step = progress or (lambda done, total, message: None)
    step(1, 6, f"stage 1: national-number hashes ({len(records):,} records, {len(people):,} children)")
    first = stage1(records, people)
    counts = first.counts
    sub, stage2_idx = _stage2_input(records, first)
    step(2, 6, f"stage 2: blocking ({len(sub):,} records)")
    candidates = candidate_pairs(sub, people)
    step(3, 6, f"stage 2: comparisons ({len(candidates):,} pairs)")
    encoded = encode(sub, people)
    candidates, compared = _keep_tight(
        sub, candidates, compare(sub, people, candidates.ri, candidates.pi, encoded)
    )
    sri, pi, gamma = candidates.ri, candidates.pi, compared.gamma
    blocking = [
        {"rule": r.name, "description": r.description, "candidate_pairs": candidates.count(r.name)}
        for r in RULES
    ]
    counts["candidate_pairs"] = int(len(candidates))
    step(4, 6, f"stage 2: model ({len(candidates):,} pairs)")
    linked = np.zeros(len(people), dtype=bool)
    linked[first.links["pi"].to_numpy(dtype=np.int64)] = True
    if model is None:
        labels = labelled_m(first.labelled_gamma)
        model = _model(sub, people, candidates, gamma, encoded, settings, labels, linked)
    weights = model.field_weights(gamma, tf_for_pairs(people, tf_tables(people), pi))
    raw_prob = model.probability(weights, linked[pi])
    step(5, 6, "stage 2: decisions")
    rec = stage2_idx[sri] if len(sri) else np.zeros(0, dtype=np.int64)
    method = np.full(len(rec), "fuzzy", dtype=object)
    twin_block = twin_rule(sub, people, sri, pi, gamma[:, FN], encoded)
    prob = np.where(twin_block, 0.0, _cap_foreign(sub, people, sri, pi, raw_prob, linked, settings, counts))
    counts["twin_rule_blocked"] = int((twin_block & (raw_prob >= settings.review_probability)).sum())
    if decisions:
        prob, method = _apply_decisions(records, rec, pi, people, prob, method, decisions, counts)
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
    links, reviews = decide(records, pairs, first.links, settings, counts)
    step(6, 6, f"done ({len(links):,} links, {len(reviews):,} pairs in review)")
    scored = pairs[pairs["probability"] >= 0.01].reset_index(drop=True)
    return LinkResult(links, reviews, scored, model, counts, blocking, stage2_idx, gamma, weights)
