"""Letters through the API and the CLI: the cell's routes, reads audited, preview records nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.audit.models import AuditEvent
from service.auth.models import Role
from service.cases.models import Case
from service.letters.models import Letter, LetterBatch, LetterReply
from tests.letters.conftest import MakeDue, pdftotext, words


@pytest.fixture
def output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from service.core.settings import reset_settings_cache

    monkeypatch.setenv("TANDEM_OUTPUT_DIR", str(tmp_path / "out"))
    reset_settings_cache()
    yield tmp_path / "out"
    reset_settings_cache()


def _audits(session: Session, entity: str) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id))
    )


def test_the_cell_works_the_letters_through_the_api(
    client, make_user, session: Session, due_cases: MakeDue, output: Path
) -> None:  # type: ignore[no-untyped-def]
    found = due_cases()
    _, nl = make_user(Role.CELL_OPERATOR, "AGODI")
    _, fr = make_user(Role.CELL_OPERATOR, "SCOS")
    _, auditor = make_user(Role.AUDITOR, "AGODI", "auditor")

    # preview: a PDF with every envelope of the case, nothing recorded but the audit of the read
    response = client.get(f"/api/letters/preview?case_id={found[0].id}&kind=letter_1", headers=fr)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    preview = output / "preview.pdf"
    preview.parent.mkdir(parents=True, exist_ok=True)
    preview.write_bytes(response.content)
    text = words(pdftotext(preview, "-raw"))
    pages = text.count("Pagina ")
    assert text.count("Formulaire de réponse") == 2 and text.count("VOORBEELD – APERÇU") == pages == 6
    assert session.scalar(select(func.count()).select_from(Letter)) == 0
    assert [(e.action, e.entity_ids) for e in _audits(session, "letter")] == [("preview", [found[0].id])]
    assert (
        client.get(f"/api/letters/preview?case_id={found[0].id}&kind=letter_1", headers=auditor).status_code
        == 403
    )

    # each community batches its own cases; posting at once moves them on
    owners = {c.id: c.owner_community for c in found}
    letters_made = 0
    for headers, community in ((nl, "nl"), (fr, "fr")):
        job = client.post(
            "/api/letters/batches", headers=headers, json={"kind": "letter_1", "post": True, "wait": True}
        ).json()
        assert job["status"] == "done", job
        if any(o == community for o in owners.values()):
            assert job["result"]["posted"]["moved_cases"] == sum(o == community for o in owners.values())
            letters_made += job["result"]["batch"]["letters"]
    assert letters_made == 4
    session.expire_all()
    assert {c.state for c in session.scalars(select(Case))} == {"letter_1_sent"}

    batches = client.get("/api/letters/batches", headers=nl).json()
    batch_id = batches[0]["id"]
    detail = client.get(f"/api/letters/batches/{batch_id}", headers=nl).json()
    assert detail["status"] == "posted" and len(detail["letter_list"]) == detail["letters"]
    merged = client.get(f"/api/letters/batches/{batch_id}/pdf", headers=nl)
    assert merged.status_code == 200 and merged.content[:4] == b"%PDF"
    assert hashlib.sha256(merged.content).hexdigest() == session.get(LetterBatch, batch_id).print_sha256

    listed = client.get(f"/api/letters?case_id={found[0].id}", headers=fr).json()
    assert [x["envelope"] for x in listed] == [1, 2] and all(x["status"] == "posted" for x in listed)
    stored = client.get(f"/api/letters/{listed[0]['id']}/pdf", headers=fr)
    assert hashlib.sha256(stored.content).hexdigest() == listed[0]["sha256"]
    actions = [e.action for e in _audits(session, "letter")]
    assert actions.count("download") == 2 and actions.count("read") == 2

    # a reply from the form, verified by the owning community
    case = found[1]
    owner = nl if case.owner_community == "nl" else fr
    made = client.post(
        "/api/letters/replies",
        headers=fr,
        json={
            "case_id": case.id,
            "answer": "home_education",
            "received_on": "2025-10-20",
            "channel": "email",
        },
    )
    assert made.status_code == 201, made.text
    pending = client.get("/api/letters/replies?outcome=pending", headers=nl).json()
    assert [r["id"] for r in pending] == [made.json()["id"]]
    assert _audits(session, "letter_reply")[-1].entity_ids == [made.json()["id"]]
    bad = client.post("/api/letters/replies", headers=fr, json={"case_id": case.id, "answer": "enrolled"})
    assert bad.status_code == 409  # the case is no longer waiting for a reply
    verified = client.post(
        f"/api/letters/replies/{made.json()['id']}/verify", headers=owner, json={"sufficient": True}
    )
    assert verified.status_code == 200 and verified.json()["outcome"] == "verified"
    verify_event = _audits(session, "letter_reply")[-1]  # the answer carries the family's reply
    assert (verify_event.action, verify_event.entity_ids) == ("change", [made.json()["id"]])
    session.expire_all()
    assert session.get(Case, case.id).closure_reason == "home_education"

    # returned mail, every envelope of a case: the case goes to the gemeente
    for x in listed:
        assert client.post(f"/api/letters/{x['id']}/returned", headers=nl, json={}).status_code == 200
    session.expire_all()
    assert session.get(Case, found[0].id).state == "gemeente_register_check"
    assert session.scalar(select(func.count()).select_from(LetterReply)) == 3


def test_the_cli_previews_batches_posts_and_records_replies(
    session: Session, due_cases: MakeDue, tmp_path: Path
) -> None:
    from service.cli.main import app

    found = due_cases()
    runner = CliRunner()
    out = tmp_path / "preview.pdf"
    result = runner.invoke(
        app, ["letters", "preview", "--kind", "letter_1", "--case", str(found[2].id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "LUXEMBOURG" in pdftotext(out)

    result = runner.invoke(app, ["letters", "batch", "--kind", "letter_1", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "4 letter(s) for 3 case(s)" in result.output and "tandem letters post" in result.output
    batch_id = session.scalars(select(LetterBatch.id)).one()
    result = runner.invoke(app, ["letters", "post", str(batch_id)])
    assert result.exit_code == 0 and "3 case(s) moved on" in result.output, result.output

    result = runner.invoke(app, ["letters", "reply", "--case", str(found[2].id), "--answer", "moved_abroad"])
    assert result.exit_code == 2 and "new address" in result.output
    result = runner.invoke(
        app,
        [
            "letters",
            "reply",
            "--case",
            f"2025-2026/{found[2].id:06d}",  # as printed on the reply form
            "--answer",
            "moved_abroad",
            "--new-address",
            "Grand-Rue 10, L-1234 Luxembourg",
            "--moved-on",
            "2025-08-01",
        ],
    )
    assert result.exit_code == 0, result.output
    reply_id = session.scalars(select(LetterReply.id)).one()
    result = runner.invoke(app, ["letters", "verify", str(reply_id)])
    assert result.exit_code == 0 and "verified" in result.output
    session.expire_all()
    assert session.get(Case, found[2].id).closure_reason == "moved_abroad"
    result = runner.invoke(app, ["letters", "batches"])
    assert result.exit_code == 0 and "posted" in result.output


def test_case_id_from_what_an_operator_types() -> None:
    import pytest

    from service.core.case_reference import case_id_from, case_reference

    assert case_id_from("21") == 21
    assert case_id_from(case_reference("2025-2026", 21)) == 21
    assert case_id_from("2025-2026/000021-1A") == 21
    with pytest.raises(ValueError):
        case_id_from("Peeters")
