"""The auditor's read side: searching the trail with paging, and the report for one child (who
consulted or changed what, and why) as JSON, as a bilingual PDF and from the CLI."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.audit.models import AuditEvent
from service.auth.models import Role
from service.cases.service import fire
from service.cli.main import app
from service.gemeenten.models import Assignment
from tests.gemeenten.helpers import children, frozen_clock, officer, open_case, to_gemeente  # noqa: F401


def _walked(session: Session, client, make_user, tmp_path: Path) -> dict:  # type: ignore[no-untyped-def]
    """Child A's case reaches its gemeente, which answers; the cell and the gemeente read it."""
    first, second = children(session, tmp_path)
    case = to_gemeente(session, open_case(session, first))
    fire(session, case, "register_check_still_registered", officer(case.nis_code), reason="adres klopt")
    session.commit()
    _, cell = make_user(Role.CELL_OPERATOR, "AGODI", "anna")
    _, town = make_user(Role.GEMEENTE_USER, "21004", "gert")
    _, auditor = make_user(Role.AUDITOR, "SCOS", "odile")
    assignment = session.scalar(select(Assignment.id).where(Assignment.case_id == case.id))
    assert client.get(f"/api/cases/{case.id}", headers=cell).status_code == 200
    assert client.get(f"/api/assignments/{assignment}", headers=town).status_code == 200
    assert client.get(f"/api/register/children/{second}", headers=cell).status_code == 200
    return {"first": first, "second": second, "case": case.id, "cell": cell, "auditor": auditor}


def test_the_child_report_names_every_read_and_change_with_its_organisation(
    session, client, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    w = _walked(session, client, make_user, tmp_path)
    report = client.get(f"/api/audit/children/{w['first']}", headers=w["auditor"]).json()
    consulted = [x for x in report["lines"] if x["kind"] == "consulted"]
    assert {(x["actor"], x["organisation_nl"]) for x in consulted} == {
        ("anna", "AGODI - Agentschap voor Onderwijsdiensten"),
        ("gert", "Brussel"),
    }
    read_case = next(x for x in consulted if x["actor"] == "anna")
    assert (
        read_case["what_fr"] == "dossier : consulté" and read_case["why_nl"] == "dossier met tijdlijn bekeken"
    )
    changed = [x for x in report["lines"] if x["kind"] == "changed"]
    answer = next(x for x in changed if x["actor"] == "officer-21004")
    assert (
        answer["why_nl"] == "adres klopt"
        and answer["what_nl"] == "nieuwe stap: Gemeente: huisbezoek"
        and answer["case_id"] == w["case"]
    )
    assert changed[0]["what_nl"] == "dossier geopend"
    assert [x["at"] for x in report["lines"]] == sorted(x["at"] for x in report["lines"])
    assert report["consulted"] == len(consulted) and report["last_name"] == "Achternaam0"
    other = client.get(f"/api/audit/children/{w['second']}", headers=w["auditor"]).json()
    assert [x["actor"] for x in other["lines"]] == ["anna"]  # the other child's report shows only its read
    recorded = session.scalars(
        select(AuditEvent).where(AuditEvent.actor == "odile", AuditEvent.purpose == "child audit report")
    ).all()
    assert [e.entity_ids for e in recorded] == [[w["first"]], [w["second"]]]
    again = client.get(f"/api/audit/children/{w['first']}", headers=w["auditor"]).json()
    assert any(x["actor"] == "odile" for x in again["lines"])  # the auditor's own look is on it next time
    assert client.get("/api/audit/children/999999", headers=w["auditor"]).status_code == 404
    assert client.get(f"/api/audit/children/{w['first']}", headers=w["cell"]).status_code == 403


def test_the_child_report_pdf_is_bilingual_with_the_familys_language_first(
    session, client, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    w = _walked(session, client, make_user, tmp_path)
    url = f"/api/audit/children/{w['first']}/report.pdf"
    texts = {}
    for first in ("nl", "fr"):
        response = client.get(f"{url}?first={first}", headers=w["auditor"])
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        texts[first] = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for text in texts.values():
        assert "Achternaam0" in text and "Wie heeft" in text and "Qui a consulté" in text
        assert "dossier met tijdlijn bekeken" in text and "dossier et historique consultés" in text
    assert texts["nl"].index("Wie heeft") < texts["nl"].index("Qui a consulté")
    assert texts["fr"].index("Qui a consulté") < texts["fr"].index("Wie heeft")
    assert client.get(f"{url}?first=en", headers=w["auditor"]).status_code == 422
    exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.actor for e in exported if e.purpose == "child audit report"] == ["odile", "odile"]


def test_the_audit_search_filters_and_pages(session, client, make_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = _walked(session, client, make_user, tmp_path)
    auditor = w["auditor"]
    by_case = client.get(f"/api/audit?case={w['case']}", headers=auditor)
    assert {e["actor"] for e in by_case.json()} == {"anna", "gert"}
    assert by_case.headers["x-total-count"] == "2"
    anna_case = client.get(f"/api/audit?case={w['case']}&who=anna", headers=auditor).json()
    assert [e["entity"] for e in anna_case] == ["case"]
    assert (
        client.get(f"/api/audit?child={w['first']}&case={w['case']}", headers=auditor).headers[
            "x-total-count"
        ]
        == "2"
    )
    by_purpose = client.get("/api/audit?purpose=TIMELINE", headers=auditor).json()
    assert [e["purpose"] for e in by_purpose] == ["read case with timeline"]
    everything = client.get("/api/audit?action=read", headers=auditor)
    total = int(everything.headers["x-total-count"])
    assert total >= 3
    pages = [
        client.get(f"/api/audit?action=read&limit=1&offset={i}", headers=auditor).json() for i in range(total)
    ]
    assert [p[0]["id"] for p in pages] == [e["id"] for e in everything.json()]
    paged_child = client.get(f"/api/audit?child={w['first']}&limit=1&offset=1", headers=auditor)
    assert len(paged_child.json()) == 1 and paged_child.headers["x-total-count"] == "2"
    assert client.get("/api/audit?entity_id=3", headers=auditor).status_code == 400
    late = "since=2025-10-02T00:00:00Z&until=2025-10-01T00:00:00Z"
    assert client.get(f"/api/audit?{late}", headers=auditor).status_code == 400
    assert client.get("/api/audit?child=9223372036854775808", headers=auditor).status_code == 422
    assert client.get("/api/audit", headers=w["cell"]).status_code == 403


def test_tandem_audit_child_prints_the_report_and_writes_the_pdf(
    session, client, make_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    w = _walked(session, client, make_user, tmp_path)
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(app, ["audit", "child", str(w["first"]), "--pdf", str(out), "--first", "fr"])
    assert result.exit_code == 0, result.output
    assert "anna" in result.output and "gert" in result.output and "Achternaam0" not in result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert CliRunner().invoke(app, ["audit", "child", "424242"]).exit_code != 0
