"""The honest count: every child of the start reading (the run's residual) in exactly one end
category, at the end of the procedure or on a chosen date, and the end reading that follows.

A category says whether the child was accounted for (education found, or the child left the
region or the population) or is still unaccounted for; the end reading counts the latter. A
closure reason the mapping does not know still lands in a category of its own (`closed_other`,
unaccounted), with the reason as its detail: no child drops out of the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from service.indicators.frames import YearData


@dataclass(frozen=True)
class Category:
    key: str
    nl: str
    fr: str
    accounted: bool  # education found, or the child left the region or the population


CATEGORIES: tuple[Category, ...] = (
    Category("enrolled", "Ingeschreven", "Inscrit", True),
    Category("home_education_exemption", "Huisonderwijs of vrijstelling", "Enseignement à domicile ou dispense", True),
    Category("moved", "Verhuisd buiten het Gewest of naar het buitenland", "Déménagé hors de la Région ou à l'étranger", True),
    Category("left_population", "Overleden, diploma behaald of dubbel dossier", "Décédé, diplôme obtenu ou dossier en double", True),
    Category("age_ended", "Einde leerplicht tijdens de procedure", "Fin de l'obligation scolaire pendant la procédure", False),
    Category("open_cell", "Nog open bij de cel", "Encore ouvert à la cellule", False),
    Category("open_gemeente", "Nog open, wacht op de gemeente", "Encore ouvert, en attente de la commune", False),
    Category("open_parket", "Nog open, wacht op het parket", "Encore ouvert, en attente du parquet", False),
    Category("referred_decided", "Doorverwezen, parket heeft beslist", "Transmis, le parquet a décidé", False),
    Category("not_referred", "Niet doorverwezen (specifieke problematiek)", "Non transmis (problématique spécifique)", False),
    Category("no_case", "Geen dossier van dit schooljaar", "Pas de dossier de cette année scolaire", False),
    Category("closed_other", "Afgesloten om een andere reden", "Clôturé pour une autre raison", False),
)  # fmt: skip
BY_KEY = {c.key: c for c in CATEGORIES}

CLOSURE_CATEGORY = {
    "enrolled_linkage": "enrolled",
    "enrolled_other_community": "enrolled",
    "enrolled_late_list": "enrolled",
    "enrolled_reply": "enrolled",
    "enrolled": "enrolled",
    "home_education": "home_education_exemption",
    "exemption": "home_education_exemption",
    "moved_out_of_region": "moved",
    "moved_abroad": "moved",
    "deceased": "left_population",
    "secondary_diploma": "left_population",
    "duplicate": "left_population",
    "compulsory_age_ended": "age_ended",
    "not_referred_age_margin": "age_ended",
    "not_referred": "not_referred",
    "parket_anti_truancy_contract": "referred_decided",
    "parket_proces_verbaal": "referred_decided",
    "parket_dismissed": "referred_decided",
}
GEMEENTE_STATES = frozenset({"gemeente_register_check", "gemeente_home_visit"})
PARKET_STATES = frozenset({"referred_to_parket"})
CLOSED = "closed"


def open_category(state: str) -> str:
    if state in GEMEENTE_STATES:
        return "open_gemeente"
    if state in PARKET_STATES:
        return "open_parket"
    return "open_cell"


def states_at(data: YearData, at: datetime) -> pd.Series:
    """Each case's state on `at`, from its events (the last state entered at or before `at`)."""
    ev = data.events[data.events["at"] <= pd.Timestamp(at)]
    return ev.groupby("case_id")["to_state"].last()


def case_outcomes(data: YearData, at: datetime | None = None) -> pd.DataFrame:
    """Per case of the year: category and detail (closure reason or the state it sits in)."""
    c = data.cases[["id", "child_key", "state", "closure_reason", "closed_at", "opened_at"]].copy()
    if at is not None:
        when = pd.Timestamp(at)
        c = c[c["opened_at"] <= when]
        c["state"] = c["id"].map(states_at(data, at)).fillna("residual")
        closed = c["closed_at"].notna() & (c["closed_at"] <= when)
        c.loc[~closed & (c["state"] == CLOSED), "state"] = "residual"  # closed later: not yet on `at`
        c.loc[~closed, "closure_reason"] = None
    is_closed = c["state"] == CLOSED
    reason = c["closure_reason"].fillna("unknown")
    c["category"] = [
        CLOSURE_CATEGORY.get(r, "closed_other") if done else open_category(s)
        for done, r, s in zip(is_closed, reason, c["state"], strict=True)
    ]
    c["detail"] = reason.where(is_closed, c["state"])
    return c


def honest_children(data: YearData, at: datetime | None = None) -> pd.DataFrame:
    """One row per child of the start reading with its end category and detail."""
    residual = data.residual[["person_id", "key", "nis_code", "stat_sector", "age", "sex"]]
    outcomes = case_outcomes(data, at).drop_duplicates("child_key").set_index("child_key")
    out = residual.join(outcomes[["category", "detail"]], on="key")
    missing = out["category"].isna()
    out["category"] = out["category"].astype(object).where(~missing, "no_case")
    out["detail"] = (
        out["detail"].astype(object).where(~missing, "no case opened" if at is None else "no case opened yet")
    )
    out["accounted"] = out["category"].map({c.key: c.accounted for c in CATEGORIES}).astype(bool)
    return out


def honest_table(children: pd.DataFrame) -> pd.DataFrame:
    """Counts per category and detail, every category listed (zero when empty)."""
    counts = children.groupby(["category", "detail"]).size()
    rows = []
    for cat in CATEGORIES:
        details = counts[cat.key] if cat.key in counts.index.get_level_values(0) else pd.Series(dtype=int)
        rows.append(
            {
                "category": cat.key,
                "label_nl": cat.nl,
                "label_fr": cat.fr,
                "accounted": cat.accounted,
                "count": int(details.sum()),
                "details": {str(k): int(v) for k, v in details.items()},
            }
        )
    return pd.DataFrame(rows)


def cases_outside_residual(data: YearData) -> int:
    """Cases of the year whose child is not in the reference run's residual (opened from another
    run, or a register row corrected since): shown beside the honest count, never inside it."""
    return int((~data.cases["child_key"].isin(set(data.residual["key"]))).sum())
