"""Every route requires authentication and declares its roles; a gemeente reaches only its own data.

ROUTE_CASES lists how to call every route of the API with an object that belongs to another
gemeente; a new route without an entry here makes `test_every_route_is_covered` fail.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.api.app import PUBLIC_ROUTES, api_routes, create_app
from service.auth.models import Role
from service.auth.policy import PERMISSIONS
from service.auth.service import Actor
from service.ingest.models import RegisterPerson, SourceKind
from service.ingest.service import ingest_file
from tests.factories import child, write_source


def _permission(route) -> str | None:  # type: ignore[no-untyped-def]
    for dep in route.dependant.dependencies:
        perm = getattr(dep.call, "permission", None)
        if perm:
            return perm
    return None


def _auth_dependency(route) -> bool:  # type: ignore[no-untyped-def]
    from service.auth.deps import current_actor

    def walk(dependant) -> bool:  # type: ignore[no-untyped-def]
        return any(d.call is current_actor or walk(d) for d in dependant.dependencies)

    return walk(route.dependant)


def test_every_route_requires_authentication_and_declares_a_permission() -> None:
    for route in api_routes(create_app()):
        for method in route.methods:
            if (method, route.path) in PUBLIC_ROUTES:
                continue
            assert _auth_dependency(route), f"{method} {route.path} does not authenticate"
            perm = _permission(route)
            assert perm is None or perm in PERMISSIONS
            assert perm is not None or route.path == "/api/me", (
                f"{method} {route.path} declares no permission"
            )


def test_unauthenticated_requests_are_refused(client) -> None:  # type: ignore[no-untyped-def]
    for route in api_routes(client.app):
        for method in route.methods:
            if (method, route.path) in PUBLIC_ROUTES:
                continue
            path = route.path.replace("{", "").replace("}", "")
            path = "/".join(
                "1" if part.endswith("_id") or part == "nis_code" else part for part in path.split("/")
            )
            assert client.request(method, path).status_code == 401, f"{method} {route.path}"


def test_login_and_wrong_password(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_OPERATOR, "AGODI", "op")
    bad = client.post("/api/auth/token", json={"username": "op", "password": "nope"})
    assert bad.status_code == 401
    good = client.post("/api/auth/token", json={"username": "op", "password": "correct horse battery"})
    token = good.json()["access_token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {
        "username": "op",
        "role": "cell_operator",
        "organisation": "AGODI",
        "community": "nl",
        "nis_code": None,
    }


def test_role_must_fit_organisation(session: Session) -> None:
    from service.auth.service import create_user
    from service.core.errors import TandemError

    with pytest.raises(TandemError):
        create_user(session, "x", Role.GEMEENTE_USER, "AGODI", "pw")


@pytest.fixture
def two_gemeenten(session: Session, tmp_path: Path) -> dict[str, int]:
    """Two children in Anderlecht (21001), one in Schaarbeek (21015); returns their ids.

    The second Anderlecht child's case (`unassigned_case`) never reaches the gemeente step."""
    rows = [
        child(1, date(2014, 1, 1), nis_code="21001", postcode="1070", street="Bergensesteenweg"),
        child(3, date(2014, 2, 2), nis_code="21015", postcode="1030", street="Haachtsesteenweg"),
        child(5, date(2014, 3, 3), nis_code="21001", postcode="1070", street="Ninoofsesteenweg"),
    ]
    path = write_source(tmp_path / "register.csv", "rijksregister_extract", rows)
    ingest_file(session, SourceKind.REGISTER, path, "2025-2026", Actor.system("test"))
    people = list(
        session.execute(select(RegisterPerson.nis_code, RegisterPerson.id).order_by(RegisterPerson.id))
    )
    ids = {"own": people[0].id, "other": people[1].id, "unassigned": people[2].id}
    cases = _cases_for(session, ids)
    walked = {k: cases[k] for k in ("own_case", "other_case")}
    return {**ids, **cases, **_handovers_for(session, walked)}


def _cases_for(session: Session, ids: dict[str, int]) -> dict[str, int]:
    """A case for each child (a run in which all are residual): own_case, other_case, unassigned_case."""
    from service.cases.models import Case
    from service.cases.service import open_cases_for_run
    from service.core import clock
    from service.ingest.models import SchoolYear
    from service.linkage.models import ChildStatus, Run

    year = session.scalar(select(SchoolYear).where(SchoolYear.label == "2025-2026"))
    run = Run(school_year_id=year.id, reference_date=date(2025, 10, 1), status="done", created_at=clock.now())
    session.add(run)
    session.flush()
    session.add_all([ChildStatus(run_id=run.id, person_id=pid, status="residual") for pid in ids.values()])
    open_cases_for_run(session, run.id, Actor.system("test"))
    session.commit()
    cases = dict(session.execute(select(Case.person_id, Case.id)).all())
    return {f"{name}_case": cases[pid] for name, pid in ids.items()}


def _handovers_for(session: Session, cases: dict[str, int]) -> dict[str, int]:
    """Both cases walked to the gemeente step: each gemeente has an assignment and a notification."""
    from service.cases.service import fire
    from service.gemeenten.models import Assignment
    from service.notifications.models import Notification

    system = Actor.system("test")
    for case_id in cases.values():
        for name in (
            "start_cross_check",
            "cross_check_expired",
            "late_info_expired",
            "send_letter_1",
            "letter_1_expired",
            "send_letter_2",
            "letter_2_expired",
        ):
            fire(session, case_id, name, system)
    session.commit()
    assignment = session.scalar(select(Assignment.id).where(Assignment.nis_code == "21015"))
    note = session.scalar(select(Notification.id).where(Notification.case_id == cases["other_case"]))
    return {"other_assignment": assignment, "other_notification": note}


# method, path template, expectation for a gemeente user of 21001 reaching 21015's data:
# "forbidden" (403: the role may not use the route at all), "hidden" (404), or "filtered" (200, but
# no object of the other gemeente in the answer).
ROUTE_CASES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/me"): ("/api/me", "own"),
    ("GET", "/api/users"): ("/api/users", "forbidden"),
    ("POST", "/api/users"): ("/api/users", "forbidden"),
    ("GET", "/api/gemeenten"): ("/api/gemeenten", "reference"),
    ("POST", "/api/ingest"): ("/api/ingest", "forbidden"),
    ("GET", "/api/batches"): ("/api/batches", "forbidden"),
    ("GET", "/api/batches/{batch_id}"): ("/api/batches/1", "forbidden"),
    ("GET", "/api/register/children"): ("/api/register/children?school_year=2025-2026", "forbidden"),
    ("GET", "/api/register/children/{person_id}"): ("/api/register/children/{own}", "forbidden"),
    ("GET", "/api/jobs/{job_id}"): ("/api/jobs/1", "forbidden"),
    ("GET", "/api/audit"): ("/api/audit", "forbidden"),
    # linkage runs and the review queue belong to the joint cell: a gemeente may not use them at all
    ("POST", "/api/runs"): ("/api/runs", "forbidden"),
    ("GET", "/api/runs/{run_id}"): ("/api/runs/1", "forbidden"),
    ("GET", "/api/runs/{run_id}/review"): ("/api/runs/1/review", "forbidden"),
    ("GET", "/api/review/{pair_id}"): ("/api/review/1", "forbidden"),
    ("POST", "/api/review/{pair_id}/decision"): ("/api/review/1/decision", "forbidden"),
    ("GET", "/api/linkage/children/{person_id}/explain"): (
        "/api/linkage/children/{other}/explain",
        "forbidden",
    ),
    ("GET", "/api/cases"): ("/api/cases", "filtered"),
    ("GET", "/api/cases/funnel"): ("/api/cases/funnel", "own"),  # counts of its own cases only
    ("GET", "/api/cases/{case_id}"): ("/api/cases/{other_case}", "hidden"),
    ("GET", "/api/cases/{case_id}/timeline"): ("/api/cases/{other_case}/timeline", "hidden"),
    ("POST", "/api/cases/{case_id}/transitions/{transition}"): (
        "/api/cases/{other_case}/transitions/register_check_still_registered",
        "hidden",
    ),
    ("POST", "/api/cases/bulk"): ("/api/cases/bulk", "forbidden"),
    ("GET", "/api/workflow"): ("/api/workflow", "reference"),
    # gemeente assignments, work lists and settings: a gemeente reaches its own gemeente's only
    ("GET", "/api/assignments"): ("/api/assignments", "filtered"),
    ("GET", "/api/assignments/{assignment_id}"): ("/api/assignments/{other_assignment}", "hidden"),
    ("POST", "/api/assignments/{assignment_id}/register-check"): (
        "/api/assignments/{other_assignment}/register-check",
        "hidden",
    ),
    ("POST", "/api/assignments/{assignment_id}/visit"): (
        "/api/assignments/{other_assignment}/visit",
        "hidden",
    ),
    ("POST", "/api/assignments/{assignment_id}/send-back"): (
        "/api/assignments/{other_assignment}/send-back",
        "hidden",
    ),
    ("GET", "/api/gemeenten/overview"): ("/api/gemeenten/overview", "filtered"),
    ("GET", "/api/gemeenten/{nis_code}/overdue"): ("/api/gemeenten/21015/overdue", "hidden"),
    ("GET", "/api/gemeenten/{nis_code}/worklist.csv"): ("/api/gemeenten/21015/worklist.csv", "hidden"),
    ("GET", "/api/gemeenten/{nis_code}/worklist.pdf"): ("/api/gemeenten/21015/worklist.pdf", "hidden"),
    ("PUT", "/api/gemeenten/{nis_code}/settings"): ("/api/gemeenten/21015/settings", "hidden"),
    # parket referrals are for the cell and the parket; the case-file schema is public reference
    ("GET", "/api/referrals"): ("/api/referrals", "forbidden"),
    ("GET", "/api/referrals/check/{case_id}"): ("/api/referrals/check/{other_case}", "forbidden"),
    ("GET", "/api/referrals/{referral_id}"): ("/api/referrals/1", "forbidden"),
    ("GET", "/api/referrals/{referral_id}/case-file"): ("/api/referrals/1/case-file", "forbidden"),
    ("POST", "/api/referrals/{referral_id}/outcome"): ("/api/referrals/1/outcome", "forbidden"),
    ("GET", "/api/parket/schemas/case-file"): ("/api/parket/schemas/case-file", "reference"),
    ("GET", "/api/parket/schemas/case-file/{version}"): ("/api/parket/schemas/case-file/1.0.0", "reference"),
    # notifications: each organisation its own
    ("GET", "/api/notifications"): ("/api/notifications", "filtered"),
    ("POST", "/api/notifications/{notification_id}/read"): (
        "/api/notifications/{other_notification}/read",
        "hidden",
    ),
    # letters are the joint cell's work: a gemeente may not use any letter route
    ("GET", "/api/letters/preview"): ("/api/letters/preview?case_id={other_case}&kind=letter_1", "forbidden"),
    ("POST", "/api/letters/batches"): ("/api/letters/batches", "forbidden"),
    ("GET", "/api/letters/batches"): ("/api/letters/batches", "forbidden"),
    ("GET", "/api/letters/batches/{batch_id}"): ("/api/letters/batches/1", "forbidden"),
    ("GET", "/api/letters/batches/{batch_id}/pdf"): ("/api/letters/batches/1/pdf", "forbidden"),
    ("POST", "/api/letters/batches/{batch_id}/post"): ("/api/letters/batches/1/post", "forbidden"),
    ("GET", "/api/letters"): ("/api/letters?case_id={other_case}", "forbidden"),
    ("GET", "/api/letters/{letter_id}/pdf"): ("/api/letters/1/pdf", "forbidden"),
    ("POST", "/api/letters/{letter_id}/returned"): ("/api/letters/1/returned", "forbidden"),
    ("POST", "/api/letters/replies"): ("/api/letters/replies", "forbidden"),
    ("GET", "/api/letters/replies"): ("/api/letters/replies?case_id={other_case}", "forbidden"),
    ("POST", "/api/letters/replies/{reply_id}/verify"): ("/api/letters/replies/1/verify", "forbidden"),
    # indicators: a gemeente gets its own gemeente's published figures; the yearly report is the cell's
    ("GET", "/api/indicators/years"): ("/api/indicators/years", "own"),
    ("GET", "/api/indicators/{school_year}"): ("/api/indicators/2025-2026?by=gemeente", "own"),
    ("GET", "/api/indicators/{school_year}/timeliness"): ("/api/indicators/2025-2026/timeliness", "own"),
    ("GET", "/api/indicators/{school_year}/charts/{name}.svg"): (
        "/api/indicators/2025-2026/charts/gemeenten.svg",
        "own",
    ),
    ("GET", "/api/indicators/{school_year}/report.pdf"): (
        "/api/indicators/2025-2026/report.pdf",
        "forbidden",
    ),
}

# A valid request body for routes that need one, so the scope check (not validation) answers.
ROUTE_BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/assignments/{assignment_id}/register-check"): {"answer": "still_registered"},
    ("POST", "/api/assignments/{assignment_id}/visit"): {"visited_on": "2025-10-01", "family_found": False},
    ("POST", "/api/assignments/{assignment_id}/send-back"): {
        "reason_code": "wrong_gemeente",
        "reason": "niet bij ons / pas chez nous",
    },
    ("PUT", "/api/gemeenten/{nis_code}/settings"): {"default_visitor": "municipal_staff"},
    ("POST", "/api/referrals/{referral_id}/outcome"): {"outcome": "dismissed"},
}


def test_every_route_is_covered() -> None:
    routes = {(m, r.path) for r in api_routes(create_app()) for m in r.methods} - PUBLIC_ROUTES
    assert routes == set(ROUTE_CASES), "add the new route to ROUTE_CASES with its gemeente expectation"


def test_gemeente_user_reaches_only_its_own_data(client, make_user, two_gemeenten) -> None:  # type: ignore[no-untyped-def]
    _, headers = make_user(Role.GEMEENTE_USER, "21001")
    for (method, _template), (path, expectation) in ROUTE_CASES.items():
        url = path.format(**two_gemeenten)
        response = client.request(method, url, headers=headers, json=ROUTE_BODIES.get((method, _template)))
        if expectation == "forbidden":
            assert response.status_code == 403, f"{method} {url}"
        elif expectation == "hidden":
            assert response.status_code == 404, f"{method} {url}"
        elif expectation == "filtered":
            assert response.status_code == 200, f"{method} {url}"
            assert str(two_gemeenten["other"]) not in {str(item.get("id")) for item in response.json()}
            assert "21015" not in response.text
        else:
            assert response.status_code == 200, f"{method} {url}"


def test_gemeente_sees_a_case_only_while_assigned(client, make_user, two_gemeenten, session: Session) -> None:  # type: ignore[no-untyped-def]
    """A case of the gemeente's own territory that was never assigned to it is hidden on every case
    route, like another gemeente's; an assigned case is visible until the assignment is withdrawn."""
    from service.cases.service import fire

    _, headers = make_user(Role.GEMEENTE_USER, "21001")
    own, unassigned = two_gemeenten["own_case"], two_gemeenten["unassigned_case"]
    for (method, template), (path, expectation) in ROUTE_CASES.items():
        if "{other_case}" not in path or not template.startswith("/api/cases"):
            continue
        url = path.format(**{**two_gemeenten, "other_case": unassigned})
        response = client.request(method, url, headers=headers, json=ROUTE_BODIES.get((method, template)))
        assert response.status_code == (404 if expectation == "hidden" else 403), f"{method} {url}"
    listed = client.get("/api/cases", headers=headers).json()
    assert [c["id"] for c in listed] == [own] and listed[0]["child"]["last_name"]
    assert client.get("/api/cases/funnel", headers=headers).json()["total"] == 1
    assert client.get(f"/api/cases/{own}", headers=headers).status_code == 200
    fire(session, own, "close", Actor.system("test"), {"reason": "duplicate", "duplicate_of": unassigned})
    session.commit()  # the assignment is withdrawn: the case is no longer the gemeente's to see
    assert client.get(f"/api/cases/{own}", headers=headers).status_code == 404
    assert client.get("/api/cases", headers=headers).json() == []


def test_reads_of_personal_data_are_audited(client, make_user, two_gemeenten, session: Session) -> None:  # type: ignore[no-untyped-def]
    from service.audit.models import AuditEvent

    _, headers = make_user(Role.CELL_OPERATOR, "SCOS")
    assert client.get(f"/api/register/children/{two_gemeenten['other']}", headers=headers).status_code == 200
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "register_person")).one()
    assert event.actor == "cell_operator-scos" and event.entity_ids == [two_gemeenten["other"]]


def test_upload_through_the_api(client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")
    path = write_source(tmp_path / "register.csv", "rijksregister_extract", [child(1, date(2014, 1, 1))])
    with path.open("rb") as fh:
        response = client.post(
            "/api/ingest",
            headers=headers,
            data={"kind": "register", "school_year": "2025-2026", "wait": "true"},
            files={"file": fh},
        )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "done" and job["result"]["outcome"] == "accepted"
    assert client.get(f"/api/jobs/{job['job_id']}", headers=headers).json()["status"] == "done"
    batches = client.get("/api/batches", headers=headers).json()
    assert [b["rows_total"] for b in batches] == [1]
