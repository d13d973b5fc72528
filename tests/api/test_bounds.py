"""Issue 12 items 14-15: under fuzzing, an integer of 2^63 reached the database (500), `limit=-5`,
`until=0.5` and `"letter_date": 4.33e-225` were accepted, and the OpenAPI document declared neither
the error answers nor the real media types. The bounds live in one place (service.api.bounds)."""

from __future__ import annotations

import pytest

from service.api.app import create_app
from service.auth.models import Role

BIG = str(2**63)


@pytest.fixture
def admin(make_user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return make_user(Role.CELL_ADMIN, "AGODI")[1]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/jobs/{BIG}",
        f"/api/cases/{BIG}",
        f"/api/notifications?offset={BIG}",
        f"/api/audit?child={BIG}",
        f"/api/letters/preview?case_id={BIG}&kind=letter_1",
        f"/api/cases/{2**31}",
        "/api/cases?limit=-5",
        "/api/cases?limit=10001",
        "/api/cases?offset=-1",
        "/api/cases/0",
        "/api/cases/1.5",
        "/api/audit?until=0.5",
        "/api/audit?since=1e3",
    ],
)
def test_absurd_parameters_are_refused_not_crashed(client, admin, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, headers=admin)
    assert response.status_code == 422, (path, response.status_code, response.text)


def test_the_largest_id_is_an_ordinary_not_found(client, admin) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/jobs/{2**31 - 1}", headers=admin).status_code == 404
    assert client.get("/api/cases?limit=10000", headers=admin).status_code == 200
    assert client.get("/api/audit?until=2025-10-01T00:00:00Z", headers=admin).status_code == 200


@pytest.mark.parametrize("letter_date", [4.33e-225, 1700000000, "1700000000"])
def test_a_number_is_not_a_letter_date(client, admin, letter_date) -> None:  # type: ignore[no-untyped-def]
    body = {"kind": "letter_1", "letter_date": letter_date, "wait": True}
    response = client.post("/api/letters/batches", headers=admin, json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "letter_date"]


def test_the_openapi_document_bounds_every_integer_and_declares_errors_and_media_types() -> None:
    doc = create_app().openapi()
    operations = [(p, m, op) for p, ops in doc["paths"].items() for m, op in ops.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        for param in op.get("parameters", []):
            for schema in [param["schema"], *param["schema"].get("anyOf", [])]:
                if schema.get("type") == "integer":
                    assert 0 <= schema["minimum"] and schema["maximum"] <= 2**31 - 1, (path, param["name"])
        if path.startswith("/api/") and path != "/api/health":
            assert {"400", "401", "403", "404", "409", "422"} <= set(op["responses"]), (method, path)
    responses = doc["paths"]
    assert "429" in responses["/api/auth/token"]["post"]["responses"]
    assert set(responses["/api/letters/preview"]["get"]["responses"]["200"]["content"]) == {"application/pdf"}
    zip_200 = responses["/api/referrals/{referral_id}/case-file"]["get"]["responses"]["200"]["content"]
    assert set(zip_200) == {"application/zip"}
    body = doc["components"]["schemas"]["BatchIn"]["properties"]["limit"]["anyOf"][0]
    assert (body["minimum"], body["maximum"]) == (1, 10_000)
