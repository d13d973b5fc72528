"""The simulated weeks: tick plus the registered actors move cases as real users would."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Case
from sim.procedure import cases as sim_cases
from sim.procedure import weeks as simulate
from tests.cases.conftest import SYSTEM


def _print_room(session: Session, week: simulate.SimWeek) -> None:
    """A stand-in for the letters part's print room: every due letter goes out."""
    for case in simulate.cases_in(session, "letter_1_due", "letter_2_due"):
        name = "send_letter_1" if case.state == "letter_1_due" else "send_letter_2"
        simulate.try_fire(session, week, case, name, simulate.OPERATORS[case.owner_community], {})


def test_simulated_weeks_move_cases_through_the_procedure(
    engine: Engine, session: Session, make_cases, monkeypatch: pytest.MonkeyPatch, clock_at
) -> None:  # type: ignore[no-untyped-def]
    made = make_cases(40)
    from sim.procedure import letters as letters_simulate

    actors = [
        sim_cases.cross_check_answers,
        letters_simulate.family_replies,
        letters_simulate.verify_replies,
        _print_room,
    ]
    monkeypatch.setattr(simulate, "SIMULATED_ACTORS", actors)
    counters = simulate.simulate(16, datetime(2025, 10, 6, 9, tzinfo=UTC), seed=3, engine=engine)
    assert counters["tick:start_cross_check"] == 40
    assert counters["refused:record_reply"] == 0 and counters["refused:verify_reply"] == 0
    assert sum(n for k, n in counters.items() if k.startswith("letters: reply (")) > 0
    assert sum(n for k, n in counters.items() if k.endswith(": cross_check_not_found")) > 0
    session.expire_all()
    data = cases.funnel(session, SYSTEM)
    assert data["total"] == 40 and sum(data["closure_reasons"].values()) == 40 - data["open"] > 0
    for case in session.scalars(select(Case).where(Case.id.in_([c.id for c in made]))):
        last = [e for e in cases.timeline(session, case.id) if e.kind in ("opened", "transition")][-1]
        assert last.to_state == case.state  # the stored state is what the events say


def test_demo_step_skips_without_a_run(capsys: pytest.CaptureFixture[str]) -> None:
    sim_cases.demo_step(SimpleNamespace(state={}))
    assert "skipped" in capsys.readouterr().out


def test_load_actors_registers_every_part_s_actors() -> None:
    from sim.procedure.gemeenten import gemeente_officers
    from sim.procedure.letters import family_replies, print_room

    actors = simulate.load_actors()
    assert {sim_cases.cross_check_answers, family_replies, print_room, gemeente_officers} <= set(actors)
