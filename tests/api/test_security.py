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
