"""The audit trail answers "who consulted this child's data?"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.ingest.models import RegisterPerson, SourceKind
from service.ingest.service import ingest_file
from tests.factories import child, write_source


def test_auditor_finds_every_read_of_one_child(client, make_user, session: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [child(1, date(2014, 1, 1)), child(3, date(2014, 2, 2), first_names="Lotte")]
    ingest_file(
        session,
        SourceKind.REGISTER,
        write_source(tmp_path / "r.csv", "rijksregister_extract", rows),
        "2025-2026",
        Actor.system("test"),
    )
    first, second = session.scalars(select(RegisterPerson.id).order_by(RegisterPerson.id)).all()
    _, nl = make_user(Role.CELL_OPERATOR, "AGODI", "anna")
    _, fr = make_user(Role.CELL_OPERATOR, "SCOS", "bruno")
    _, auditor = make_user(Role.AUDITOR, "AGODI", "carla")
    assert client.get(f"/api/register/children/{first}", headers=nl).status_code == 200
    assert client.get(f"/api/register/children/{second}", headers=fr).status_code == 200
    assert client.get("/api/register/children?school_year=2025-2026", headers=fr).status_code == 200

    about_first = client.get(f"/api/audit?child={first}", headers=auditor).json()
    assert sorted(e["actor"] for e in about_first) == ["anna", "bruno"]  # bruno's list showed both
    about_second = client.get(f"/api/audit?child={second}&who=anna", headers=auditor).json()
    assert about_second == []
    page = client.get("/api/audit?entity=register_person&limit=1&offset=1", headers=auditor).json()
    assert len(page) == 1
    assert client.get("/api/audit?entity_id=3", headers=auditor).status_code == 400
    assert client.get(f"/api/audit?child={first}", headers=nl).status_code == 403
