"""Gemeente assignments: created by the workflow, answered by the gemeente, never silently forgotten."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.auth.models import Role
from service.cases.models import Case, CaseEvent
from service.cases.service import fire, tick
from service.gemeenten.models import Assignment, HomeVisit
from service.notifications.models import Notification
from tests.gemeenten.helpers import SYSTEM, children, officer, open_case, to_gemeente


def _notes(session: Session, org_code: str) -> list[Notification]:
    from service.auth.models import Organisation

    org = session.scalar(select(Organisation).where(Organisation.code == org_code))
    return list(
        session.scalars(
            select(Notification).where(Notification.organisation_id == org.id).order_by(Notification.id)
        )
    )


def test_assignment_register_check_and_visit_through_the_api(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, person))
    _, headers = make_user(Role.GEMEENTE_USER, "21004")

    listed = client.get("/api/assignments", headers=headers).json()
    assert [(a["case_id"], a["step"], a["status"], a["overdue"]) for a in listed] == [
        (case.id, "register_check", "open", False)
    ]
    first = listed[0]
    assert first["due_at"].startswith("2025-10-31")  # 30 days from the workflow file
    assert first["child"]["last_name"] == "Achternaam0" and "Wetstraat 16" in first["child"]["address"]
    note = _notes(session, "21004")[-1]
    assert note.kind == "assignment_created" and "controle van het bevolkingsregister" in note.body_nl
    assert "vérification du registre de la population" in note.body_fr and "Achternaam0" not in note.body_nl

    answered = client.post(
        f"/api/assignments/{first['id']}/register-check", headers=headers, json={"answer": "still_registered"}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered" and answered.json()["answer"] == "still_registered"
    session.expire_all()
    assert session.get(Case, case.id).state == "gemeente_home_visit"
    visit_task = client.get("/api/assignments?status=open", headers=headers).json()
    assert [(a["step"], a["due_at"][:10]) for a in visit_task] == [("home_visit", "2025-11-30")]

    incomplete = client.post(
        f"/api/assignments/{visit_task[0]['id']}/visit",
        headers=headers,
        json={"visited_on": "2025-10-01", "family_found": True},
    )
    assert incomplete.status_code == 422 and "parents_said" in incomplete.json()["detail"]
    done = client.post(
        f"/api/assignments/{visit_task[0]['id']}/visit",
        headers=headers,
        json={
            "visited_on": "2025-10-01",
            "family_found": True,
            "parents_said": "enrolled",
            "school_name": "Athénée Royal",
            "remarks": "inschrijving niet bewezen",
        },
    )
    assert done.status_code == 200, done.text
    session.expire_all()
    assert session.get(Case, case.id).state == "parket_review"
    report = session.scalars(select(HomeVisit)).one()
    assert (report.visitor_kind, report.family_found, report.parents_said, report.school_name) == (
        "neighbourhood_police",
        True,
        "enrolled",
        "Athénée Royal",
    )  # the gemeente's default visitor
    detail = client.get(f"/api/assignments/{visit_task[0]['id']}", headers=headers).json()
    assert detail["status"] == "answered" and detail["visit"]["school_name"] == "Athénée Royal"
    session.commit()  # a fresh snapshot: the API wrote the audit events
    reads = [
        (e.actor, e.entity_ids)
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "assignment", AuditEvent.action == "read")
        )
    ]
    assert ("gemeente_user-21004", [visit_task[0]["id"]]) in reads


def test_each_gemeente_chooses_its_default_visitor(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, person))
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    changed = client.put(
        "/api/gemeenten/21004/settings", headers=headers, json={"default_visitor": "municipal_staff"}
    )
    assert changed.status_code == 200 and changed.json()["default_visitor"] == "municipal_staff"
    fire(session, case, "register_check_still_registered", officer("21004"))
    session.commit()
    task = client.get("/api/assignments?status=open", headers=headers).json()[0]
    client.post(
        f"/api/assignments/{task['id']}/visit",
        headers=headers,
        json={"visited_on": "2025-10-01", "family_found": False},
    )
    assert session.scalars(select(HomeVisit.visitor_kind)).one() == "municipal_staff"
    assert (
        client.put(
            "/api/gemeenten/21004/settings", headers=headers, json={"default_visitor": "nobody"}
        ).status_code
        == 422
    )


BRUSSEL_ADDRESS = {"street": "Hoogstraat", "house_number": "101", "postcode": "1000"}
SCHAARBEEK_ADDRESS = {"street": "Haachtsesteenweg", "house_number": "12", "box": "3", "postcode": "1030"}


def test_moved_within_brussels_hands_the_case_over(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, person))
    _, brussel = make_user(Role.GEMEENTE_USER, "21004")
    _, schaarbeek = make_user(Role.GEMEENTE_USER, "21015")
    task = client.get("/api/assignments", headers=brussel).json()[0]

    same = client.post(
        f"/api/assignments/{task['id']}/register-check",
        headers=brussel,
        json={"answer": "moved_within_brussels", "new_nis_code": "21004", "new_address": BRUSSEL_ADDRESS},
    )
    assert same.status_code == 422 and "current gemeente" in same.json()["detail"]
    moved = client.post(
        f"/api/assignments/{task['id']}/register-check",
        headers=brussel,
        json={"answer": "moved_within_brussels", "new_nis_code": "21015", "new_address": SCHAARBEEK_ADDRESS},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "handed_over" and moved.json()["new_nis_code"] == "21015"

    session.expire_all()
    fresh = session.get(Case, case.id)
    assert (fresh.nis_code, fresh.state) == ("21015", "gemeente_register_check")
    theirs = client.get("/api/assignments", headers=schaarbeek).json()
    assert [(a["nis_code"], a["step"], a["status"], a["handed_over_from_id"]) for a in theirs] == [
        ("21015", "register_check", "open", task["id"])
    ]
    # Brussel keeps its own record of the hand-over but cannot reach Schaarbeek's assignment.
    ours = client.get("/api/assignments", headers=brussel).json()
    assert [(a["id"], a["status"]) for a in ours] == [(task["id"], "handed_over")]
    assert client.get(f"/api/assignments/{theirs[0]['id']}", headers=brussel).status_code == 404
    assert [n.kind for n in _notes(session, "21004")] == ["assignment_created", "assignment_handed_over_out"]
    assert [n.kind for n in _notes(session, "21015")] == ["assignment_handed_over_in"]
    incoming = _notes(session, "21015")[0]
    assert "Brussel" in incoming.body_nl and "Bruxelles" in incoming.body_fr
    assert "Schaarbeek" in _notes(session, "21004")[-1].subject_nl

    # Schaarbeek carries on; the old gemeente can no longer answer.
    assert (
        client.post(
            f"/api/assignments/{task['id']}/register-check",
            headers=brussel,
            json={"answer": "still_registered"},
        ).status_code
        == 409
    )
    ok = client.post(
        f"/api/assignments/{theirs[0]['id']}/register-check",
        headers=schaarbeek,
        json={"answer": "still_registered"},
    )
    assert ok.status_code == 200
    pdf = client.get("/api/gemeenten/21015/worklist.csv", headers=schaarbeek)
    assert "Achternaam0" in pdf.content.decode("utf-8-sig")


def test_overdue_reminder_and_overdue_list(session, client, make_user, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    first, second = children(session, tmp_path)
    late = to_gemeente(session, open_case(session, first))
    clock.advance(days=10)
    on_time = to_gemeente(session, open_case(session, second, with_run=False))
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    _, cell = make_user(Role.CELL_OPERATOR, "AGODI")

    clock.advance(days=13)  # 23 days after the first assignment: the reminder is 7 days before day 30
    report = tick(session, SYSTEM)
    assert report.reminders == 1
    session.expire_all()
    reminded = session.scalars(select(Assignment).where(Assignment.case_id == late.id)).one()
    assert reminded.reminder_sent_at is not None
    reminder = _notes(session, "21004")[-1]
    assert (
        reminder.kind == "reminder"
        and "31/10/2025" in reminder.subject_nl
        and "31/10/2025" in reminder.subject_fr
    )
    assert tick(session, SYSTEM).reminders == 0  # once only

    clock.advance(days=9)  # day 32: the first is 2 days overdue, the second not yet
    tick(session, SYSTEM)
    overdue = client.get("/api/gemeenten/21004/overdue", headers=headers).json()
    assert [(r["case_id"], r["days_overdue"]) for r in overdue] == [(late.id, 2)]
    assert client.get("/api/assignments?overdue=true", headers=headers).json()[0]["case_id"] == late.id
    assert [a["case_id"] for a in client.get("/api/assignments?overdue=false", headers=headers).json()] == [
        on_time.id
    ]
    board = {row["nis_code"]: row for row in client.get("/api/gemeenten/overview", headers=cell).json()}
    assert len(board) == 19
    brussel = board["21004"]
    assert (brussel["open"], brussel["overdue"], brussel["reminded"], brussel["most_overdue_days"]) == (
        2,
        1,
        1,
        2,
    )
    assert brussel["oldest_open_days"] == 32 and brussel["mean_open_days"] == 27.0
    assert board["21015"]["open"] == 0
    assert (
        client.get("/api/gemeenten/overview", headers=cell).json()[0]["nis_code"] == "21004"
    )  # most behind first
    assert any(
        e.kind == "overdue" for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == late.id))
    )


def test_late_list_withdraws_the_assignment_and_the_gemeente_sees_it(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, person))
    fire(session, case, "register_check_still_registered", officer("21004"))
    fire(
        session, case, "late_list_match", SYSTEM, {"record_kind": "enrolment", "record_id": 1, "batch_id": 1}
    )
    session.commit()
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    visit_task = client.get("/api/assignments?step=home_visit", headers=headers).json()
    assert [(a["status"], a["reason"]) for a in visit_task] == [("withdrawn", "enrolled_late_list")]
    assert "child" not in visit_task[0]  # no task left, so no identity either
    notes = client.get("/api/notifications?unread=true", headers=headers).json()
    assert notes[0]["kind"] == "assignment_withdrawn" and notes[0]["case_id"] == case.id
    assert "laattijdige inschrijvingslijst" in notes[0]["body_nl"]
    assert "liste d'inscription tardive" in notes[0]["body_fr"]
    assert (
        client.get("/api/gemeenten/21004/worklist.csv", headers=headers)
        .content.decode("utf-8-sig")
        .count("\n")
        == 1
    )
    assert (
        client.post(
            f"/api/assignments/{visit_task[0]['id']}/visit",
            headers=headers,
            json={"visited_on": "2025-10-01", "family_found": False},
        ).status_code
        == 409
    )


def test_send_back_with_a_reason_tells_the_owning_community(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, person, owner="fr"))
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    task = client.get("/api/assignments", headers=headers).json()[0]
    assert (
        client.post(
            f"/api/assignments/{task['id']}/send-back",
            headers=headers,
            json={"reason_code": "address_unknown", "reason": ""},
        ).status_code
        == 422
    )
    back = client.post(
        f"/api/assignments/{task['id']}/send-back",
        headers=headers,
        json={"reason_code": "address_unknown", "reason": "niemand gekend op dit adres"},
    )
    assert back.status_code == 200 and back.json()["status"] == "returned"
    session.expire_all()
    assert session.get(Case, case.id).state == "gemeente_returned"
    note = _notes(session, "SCOS")[-1]
    assert note.kind == "assignment_returned" and "adresse inconnue" in note.body_fr
    assert _notes(session, "AGODI") == []
    # the cell reassigns to another gemeente: a fresh assignment there
    fire(
        session,
        session.get(Case, case.id),
        "reassign_gemeente",
        SYSTEM,
        {"reason": "nieuw adres gevonden", "new_nis_code": "21001"},
    )
    session.commit()
    assert [(a.nis_code, a.status) for a in session.scalars(select(Assignment).order_by(Assignment.id))] == [
        ("21004", "returned"),
        ("21001", "open"),
    ]


def test_register_check_closing_answers(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    people = children(session, tmp_path, 3)
    for person, transition, reason in zip(
        people,
        ["register_check_moved_out", "register_check_moved_abroad", "register_check_deceased"],
        ["moved_out_of_region", "moved_abroad", "deceased"],
        strict=True,
    ):
        case = to_gemeente(session, open_case(session, person, with_run=False))
        fire(session, case, transition, officer("21004"))
        session.commit()
        a = session.scalars(select(Assignment).where(Assignment.case_id == case.id)).one()
        answer = transition.removeprefix("register_check_")
        assert (case.closure_reason, a.status, a.answer, a.closed_by) == (
            reason,
            "answered",
            answer,
            "officer-21004",
        )


def test_work_list_csv_and_bilingual_pdf(session, client, make_user, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from pypdf import PdfReader

    people = children(session, tmp_path, 2, street="Rue de l'Église", house_number="3", box="2B")
    for person in people:
        to_gemeente(session, open_case(session, person, with_run=False))
    clock.advance(days=31)
    _, headers = make_user(Role.GEMEENTE_USER, "21004")
    csv_text = client.get("/api/gemeenten/21004/worklist.csv", headers=headers).content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("dossier / dossier;opdracht / mission;stap / étape;naam / nom")
    assert len(lines) == 3 and "Rue de l'Église 3 bus/bte 2B, 1000" in lines[1]
    assert "controle van het bevolkingsregister / vérification du registre de la population" in lines[1]
    assert lines[1].split(";")[10] == "ja / oui"
    response = client.get("/api/gemeenten/21004/worklist.pdf", headers=headers)
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for expected in (
        "Werklijst",
        "Liste de travail",
        "Brussel",
        "Bruxelles",
        "achterstallig",
        "en retard",
        "Achternaam0",
        "Achternaam1",
        "Rue de l",
        "Échéance",
    ):
        assert expected in text, expected


def test_a_late_list_ingest_withdraws_the_assignment(session, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from service.ingest.models import SourceKind
    from service.ingest.service import ingest_file
    from tests.factories import child, enrolment, write_source

    first, second = children(session, tmp_path)
    late, waiting = (to_gemeente(session, open_case(session, p, with_run=False)) for p in (first, second))
    kid = child(1, date(2014, 3, 1), last_name="Achternaam0", first_names="Voornaam0")
    rows = [
        enrolment(
            kid["national_number"],
            "Achternaam0",
            "Voornaam0",
            date(2014, 3, 1),
            school_name="Sint-Jozefscollege",
            enrolled_from=date(2025, 9, 15),
        )
    ]
    clock.advance(days=3)
    ingest_file(
        session,
        SourceKind.ENROLMENT_NL,
        write_source(tmp_path / "late.csv", "discimus_export", rows),
        "2025-2026",
        SYSTEM,
        source="late-private-school",
    )
    session.commit()
    session.expire_all()
    statuses = dict(session.execute(select(Assignment.case_id, Assignment.status)).all())
    assert statuses == {late.id: "withdrawn", waiting.id: "open"}
    assert session.get(Case, late.id).closure_reason == "enrolled_late_list"
    assert [n.kind for n in _notes(session, "21004")][-1] == "assignment_withdrawn"
