"""Issue 11 item 6: `nn_key_id` was written but never read, so adding a key would have broken the
stage-1 join without an error. `tandem keys rotate` re-keys every stored hash in one transaction,
and linkage refuses a register whose hashes use several keys."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.cases.models import Case
from service.cases.service import open_cases_for_run
from service.core import clock, crypto
from service.core.errors import TandemError
from service.ingest.models import Enrolment, Guardian, HomeEducation, RegisterPerson
from service.linkage.models import ChildStatus, ReviewDecision
from service.linkage.service import run_linkage
from service.ops.rotation import rotate
from tests.linkage.test_linkage import ACTOR, REF, YEAR, year  # noqa: F401 - the fixture

NEW_KEY = "zz-rotated"


def _results(session: Session, run_id: int) -> dict[int, tuple[Any, ...]]:
    rows = session.scalars(select(ChildStatus).where(ChildStatus.run_id == run_id))
    return {s.person_id: (s.status, s.method, s.record_kind, s.record_id, s.community) for s in rows}


def _rotated_keyring() -> crypto.KeyRing:
    old = crypto.cached_keyring()
    return crypto.KeyRing({**old.hmac_keys, NEW_KEY: b"n" * 32}, NEW_KEY, old.aead_keys, old.aead_active)


def test_rotation_rekeys_every_hash_and_links_the_same(session: Session, year: dict[str, Any]) -> None:  # noqa: F811
    before = _results(session, run_linkage(session, YEAR, REF, ACTOR).id)
    run_id = session.scalar(select(ChildStatus.run_id).limit(1))
    open_cases_for_run(session, run_id, ACTOR)
    person = session.scalars(select(RegisterPerson).where(RegisterPerson.nn_hash.is_not(None))).first()
    session.add(
        ReviewDecision(
            school_year_id=session.scalar(select(Case.school_year_id).limit(1)),
            record_fp="f" * 40,
            person_key=person.nn_hash,
            decision="reject",
            decided_by="test",
            decided_at=clock.now(),
        )
    )
    session.commit()
    old_child_keys = {c.id: c.child_key for c in session.scalars(select(Case))}

    ring = _rotated_keyring()
    report = rotate(session, ACTOR, ring)
    session.commit()

    for model in (RegisterPerson, Guardian, Enrolment, HomeEducation):
        keys = set(session.scalars(select(model.nn_key_id).where(model.nn_hash.is_not(None))))
        assert keys == {NEW_KEY}, (model.__tablename__, keys)
    session.expire_all()  # the rotation wrote through Core: drop the session's stale copies
    for p in session.scalars(select(RegisterPerson).where(RegisterPerson.nn_cipher.is_not(None))):
        assert p.nn_hash == ring.hash_nn(ring.decrypt_nn(p.nn_cipher))
    assert report.rekeyed["register_persons"] == len(before)
    assert report.unmatched["enrolments"] == 2  # the two numbers no register child has
    cases = {c.id: c.child_key for c in session.scalars(select(Case))}
    assert cases and all(cases[i] != k for i, k in old_child_keys.items() if not k.startswith("p:"))
    assert session.scalar(select(ReviewDecision.person_key)) == person.nn_hash

    after = _results(session, run_linkage(session, YEAR, REF, ACTOR).id)
    assert after == before


def test_a_register_hashed_under_two_keys_is_refused_not_silently_linked(
    session: Session,
    year: dict[str, Any],  # noqa: F811
) -> None:
    first = session.scalar(select(RegisterPerson.id).order_by(RegisterPerson.id).limit(1))
    session.execute(update(RegisterPerson).where(RegisterPerson.id == first).values(nn_key_id="other"))
    session.commit()
    with pytest.raises(TandemError, match="tandem keys rotate"):
        run_linkage(session, YEAR, REF, ACTOR)
