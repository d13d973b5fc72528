"""Stage-2 decisions: one child per record, one record per child and list, and what is left to review."""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.linkage.settings import LinkSettings


def _logit2(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log2(p / (1 - p))


def decide(
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
