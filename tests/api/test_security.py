"""Security properties of the API beyond route access (tests/api/test_access.py): what error
responses, logs and exports may carry."""

from __future__ import annotations

from service.auth.models import Role

ADDRESS = "Kerkstraat 12 bus 3"
NAME = "Peeters-Janssens"


def test_validation_errors_do_not_echo_the_request(client, make_user) -> None:  # type: ignore[no-untyped-def]
    """FastAPI's 422 repeats the offending input (for a missing field: the whole body); a body may
    carry names and addresses, so the answer names the fields only."""
    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")
    body = {"case_id": "x", "new_address": ADDRESS, "text": NAME}  # case_id invalid, answer missing
    response = client.post("/api/letters/replies", headers=headers, json=body)
    assert response.status_code == 422
    assert ADDRESS not in response.text and NAME not in response.text
    fields = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert fields == {("body", "case_id"), ("body", "answer")}
    login = client.post("/api/auth/token", json={"username": NAME})
    assert login.status_code == 422 and NAME not in login.text


def test_unexpected_errors_are_logged_without_their_message(client, caplog) -> None:  # type: ignore[no-untyped-def]
    """A library's or database's message may quote values (a failing row, a parameter): the log keeps
    the error's type and where it happened, the answer says only that something went wrong."""
    from service.jobs.service import create_job, run_job

    def boom() -> dict:
        raise RuntimeError(f"failing row contains ({NAME}, {ADDRESS})")

    client.app.add_api_route("/api/test-boom", boom, methods=["GET"])
    response = client.get("/api/test-boom")
    assert response.status_code == 500 and NAME not in response.text
    from service.core.db import session_scope

    with session_scope() as s:
        job_id = create_job(s, "test", None).id
    run_job(job_id, lambda _session, _progress: boom())
    text = caplog.text
    assert "RuntimeError" in text and "boom" in text  # the type and the place are kept
    assert NAME not in text and ADDRESS not in text


def test_database_errors_do_not_carry_the_statement_parameters(session) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        session.execute(
            text("INSERT INTO organisations (code, kind, name_nl, name_fr) VALUES (:code, NULL, :n, :n)"),
            {"code": "X1", "n": NAME},
        )
    except DBAPIError as exc:
        assert "parameters hidden" in str(exc)
    else:
        raise AssertionError("the insert should have failed")
