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


def test_an_uploaded_file_name_is_reduced_to_a_plain_name(client, make_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The client's file name is kept for the batch list and logs: no directories, no control characters
    (a NUL in it made storing the upload fail; terminal escapes would reach the logs)."""
    from datetime import date

    from tests.factories import child, write_source

    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")
    data = write_source(
        tmp_path / "register.csv", "rijksregister_extract", [child(1, date(2014, 1, 1))]
    ).read_bytes()
    name = b"../reg\x00ister\x1b[31m.c\x00sv"
    body = b"".join(
        [
            b'--B\r\nContent-Disposition: form-data; name="kind"\r\n\r\nregister\r\n',
            b'--B\r\nContent-Disposition: form-data; name="school_year"\r\n\r\n2025-2026\r\n',
            b'--B\r\nContent-Disposition: form-data; name="wait"\r\n\r\ntrue\r\n',
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n',
            b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n--B--\r\n",
        ]
    )
    response = client.post(
        "/api/ingest", content=body, headers={**headers, "Content-Type": "multipart/form-data; boundary=B"}
    )
    assert response.status_code == 202, response.text
    assert response.json()["result"]["file"] == "register[31m.csv"
    assert [b["file_name"] for b in client.get("/api/batches", headers=headers).json()] == [
        "register[31m.csv"
    ]
