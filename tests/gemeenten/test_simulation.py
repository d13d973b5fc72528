"""The demo's gemeente officers, cell decisions and parket act only through the engine, without refusals."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from service.cases.models import Case
from service.gemeenten.models import Assignment
from service.parket.models import Referral
from sim.procedure.weeks import load_actors, simulate
from tests.gemeenten.helpers import START, children, open_case, to_gemeente


def test_simulated_year_of_hand_overs(session, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    names = {f"{a.__module__}.{a.__name__}" for a in load_actors()}
    assert {
        "sim.procedure.gemeenten.gemeente_officers",
        "sim.procedure.parket.cell_parket_decision",
        "sim.procedure.parket.parket_magistrate",
        "sim.procedure.notifications.email_outbox",
    } <= names
    for person in children(session, tmp_path, 10):
        to_gemeente(session, open_case(session, person, with_run=False))
    counters: Counter[str] = simulate(30, START, seed=3, engine=engine)
    session.expire_all()
    gemeente_refusals = {k: v for k, v in counters.items() if k.startswith("refused:") and "parket" not in k}
    assert gemeente_refusals == {}
    assert (
        counters["gemeente: register_check_still_registered"] > 0 and counters["gemeente: record_visit"] > 0
    )
    states = Counter(session.scalars(select(Case.state)))
    assert set(states) <= {
        "closed",
        "gemeente_register_check",
        "gemeente_home_visit",
        "gemeente_returned",
        "parket_review",
        "referred_to_parket",
    }
    referrals = session.scalars(select(Referral)).all()
    assert referrals and all(r.sha256 for r in referrals)
    # every case still at a gemeente step has exactly one open assignment, for its current gemeente
    for case in session.scalars(
        select(Case).where(Case.state.like("gemeente_%"), Case.state != "gemeente_returned")
    ):
        open_ = session.scalars(
            select(Assignment).where(Assignment.case_id == case.id, Assignment.status == "open")
        ).all()
        assert [a.nis_code for a in open_] == [case.nis_code]


def test_the_simulated_officers_report_a_valid_new_address_in_every_gemeente() -> None:
    import random

    from service.core.reference import gemeenten
    from service.gemeenten.service import address_problems
    from sim.procedure.gemeenten import new_address

    rng = random.Random(5)
    for nis in gemeenten():
        for language in ("nl", "fr"):
            address = new_address(nis, language, rng, seed=3)
            assert address_problems(address, nis) == [], (nis, address)
            assert address["postcode"] in gemeenten()[nis].postcodes
