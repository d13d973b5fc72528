"""Every outcome the parket may record (anti-truancy contract, proces-verbaal, dismissed, returned
with the question asked), the list's deadlines, and the history of what the parket decided."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from service.auth.models import Role
from service.cases.models import Case
from service.cases.service import fire
from tests.gemeenten.helpers import CELL_NL, children, open_case, to_parket_review


def _refer_all(session: Session, tmp_path: Path, n: int) -> list[Case]:
    found = [open_case(session, p) for p in children(session, tmp_path, n)]
    for case in found:
        to_parket_review(session, case)
        fire(session, case, "refer_to_parket", CELL_NL)
    session.commit()
    return found


def test_each_outcome_closes_the_case_with_its_own_reason(session, client, make_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    outcomes = {
        "anti_truancy_contract": "contrat anti-absentéisme",
        "proces_verbaal": "procès-verbal",
        "dismissed": "classement sans suite",
    }
    found = _refer_all(session, tmp_path, len(outcomes))
    _, headers = make_user(Role.PARKET_USER, "PARKET")
    listed = client.get("/api/referrals", headers=headers).json()
    assert all(r["decision_due_at"] and r["compulsory_ends_on"] for r in listed)
    by_case = {r["case_id"]: r["id"] for r in listed}
    for case, (outcome, label_fr) in zip(found, outcomes.items(), strict=True):
        done = client.post(
            f"/api/referrals/{by_case[case.id]}/outcome", headers=headers, json={"outcome": outcome}
        )
        assert done.status_code == 200, done.text
        assert (done.json()["outcome_fr"], done.json()["case_state"]) == (label_fr, "closed")
        assert done.json()["decision_due_at"] is None  # decided: nothing is due any more
    session.expire_all()
    assert [session.get(Case, c.id).closure_reason for c in found] == [f"parket_{o}" for o in outcomes]
    refused = client.post(
        f"/api/referrals/{by_case[found[0].id]}/outcome", headers=headers, json={"outcome": "fine"}
    )
    assert refused.status_code == 422


def test_the_history_shows_the_question_asked_and_the_later_decision(
    session, client, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    (case,) = _refer_all(session, tmp_path, 1)
    _, headers = make_user(Role.PARKET_USER, "PARKET")
    first = client.get("/api/referrals", headers=headers).json()[0]["id"]
    question = "Welke school bezocht het kind vorig jaar? / Quelle école l'enfant fréquentait-il ?"
    returned = client.post(
        f"/api/referrals/{first}/outcome", headers=headers, json={"outcome": "returned", "note": question}
    )
    assert returned.json()["status"] == "returned"
    session.commit()
    session.expire_all()
    fire(session, session.get(Case, case.id), "refer_to_parket", CELL_NL, reason="schoolverleden toegevoegd")
    session.commit()
    second = max(r["id"] for r in client.get("/api/referrals", headers=headers).json())
    client.post(
        f"/api/referrals/{second}/outcome", headers=headers, json={"outcome": "anti_truancy_contract"}
    )
    history = client.get(f"/api/referrals/{second}/history", headers=headers).json()
    assert [(h["id"], h["outcome"], h["outcome_note"]) for h in history] == [
        (first, "returned", question),
        (second, "anti_truancy_contract", None),
    ]
    assert history[0]["outcome_nl"] == "teruggestuurd voor bijkomende informatie"
    assert client.get(f"/api/referrals/{first}/history", headers=headers).json() == history
    assert client.get("/api/referrals/424242/history", headers=headers).status_code == 404
