"""Parket referrals: only complete files go, the case file proves itself, the parket sees only its cases."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation, Role
from service.cases.models import Case
from service.cases.service import CaseFilter, TransitionRefused, fire, list_cases
from service.core.errors import Forbidden
from service.letters.models import Letter
from service.notifications.models import Notification
from service.parket import casefile
from service.parket.models import Referral
from tests.factories import child
from tests.gemeenten.helpers import CELL_NL, PARKET, SYSTEM, children, open_case, register, to_parket_review


def _notes(session: Session, code: str) -> list[str]:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    return list(
        session.scalars(
            select(Notification.kind).where(Notification.organisation_id == org.id).order_by(Notification.id)
        )
    )


def _referred(session: Session, tmp_path: Path, letters: bool = False) -> tuple[Case, Case]:
    referred, waiting = (open_case(session, p) for p in children(session, tmp_path))
    to_parket_review(session, referred, tmp_path / "letters" if letters else None)
    fire(session, referred, "refer_to_parket", CELL_NL)
    session.commit()
    return referred, waiting


def test_referral_zip_verifies_and_is_bilingual(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case, _ = _referred(session, tmp_path, letters=True)
    assert case.state == "referred_to_parket" and case.referred_at is not None
    _, headers = make_user(Role.PARKET_USER, "PARKET")
    listed = client.get("/api/referrals", headers=headers).json()
    assert [(r["case_id"], r["status"]) for r in listed] == [(case.id, "referred")]
    response = client.get(f"/api/referrals/{listed[0]['id']}/case-file", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    data = response.content
    assert hashlib.sha256(data).hexdigest() == listed[0]["sha256"] == response.headers["x-content-sha256"]

    zf = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(zf.read("manifest.json"))
    assert set(zf.namelist()) == {f["path"] for f in manifest["files"]} | {"manifest.json", "manifest.sig"}
    assert {"dossier.pdf", "case-file.json", "case-file.schema.json"} <= set(zf.namelist())
    sent = {
        f"letters/{x.reference.replace('/', '-')}.pdf": x.sha256
        for x in session.scalars(select(Letter).where(Letter.case_id == case.id))
    }
    assert len(sent) == 2 and all(
        zf.read(name) and hashlib.sha256(zf.read(name)).hexdigest() == digest for name, digest in sent.items()
    )
    for entry in manifest["files"]:
        content = zf.read(entry["path"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] and len(content) == entry["bytes"]

    published = client.get("/api/parket/schemas/case-file/1.1.0", headers=headers).json()
    assert published == json.loads(zf.read("case-file.schema.json"))
    doc = json.loads(zf.read("case-file.json"))
    Draft202012Validator(published, format_checker=FormatChecker()).validate(doc)
    assert doc["schema_version"] == manifest["schema_version"] == "1.1.0"
    assert doc["child"]["national_number"] == child(1, date(2014, 3, 1))["national_number"]
    assert [(x["kind"], x["file"] in sent) for x in doc["letters"]] == [
        ("letter_1", True),
        ("letter_2", True),
    ]
    assert doc["visit"]["parents_said"] == "no_education" and doc["linkage"]["status"] == "residual"
    assert [s["step"] for s in doc["gemeente_steps"]] == ["register_check", "home_visit"]
    assert doc["guardians"][0]["last_name"] == "Peeters" and len(doc["guardians"][0]["national_number"]) == 11

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(zf.read("dossier.pdf"))).pages)
    text = " ".join(text.split())
    for expected in (
        "Dossier voor het parket",
        "Dossier pour le parquet",
        "Identiteit van het kind",
        "Identité de l'enfant",
        "Ouders en voogden",
        "Parents et tuteurs",
        "Brief 1 / Courrier 1",
        "Brief 2 / Courrier 2",
        "Tijdlijn / Chronologie",
        "huisbezoek / visite à domicile",
        "wijkagent / agent de quartier",
        "geen onderwijs / aucun enseignement",
        "Er werd geen inschrijving",
        "Aucune inscription",
        "Achternaam0",
        doc["child"]["national_number"],
        doc["case"]["reference"],
    ):
        assert expected in text, expected
    assert casefile.verify_zip(data) == []
    assert _notes(session, "PARKET") == ["referral_created"]


def test_a_tampered_case_file_is_detected(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case, _ = _referred(session, tmp_path)
    referral = session.scalars(select(Referral)).one()
    from service.parket.service import zip_bytes

    original = zip_bytes(referral)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "case-file.json":
                doc = json.loads(content)
                doc["child"]["birth_date"] = "not a date"
                content = json.dumps(doc).encode()
            dst.writestr(name, content)
    problems = casefile.verify_zip(out.getvalue())
    assert "case-file.json: hash differs" in problems
    assert any(p.startswith("case-file.json: child/birth_date") for p in problems)


def test_verify_names_what_is_not_a_case_file(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`tandem parket verify` on a file that is not a ZIP, or whose manifest is not JSON, ended in a
    traceback; a sound file re-zipped by a desktop tool (directory entries) was called unsound."""
    from typer.testing import CliRunner

    from service.cli.main import app
    from service.parket.service import zip_bytes

    assert casefile.verify_zip(b"register;naam\n") == ["not a ZIP file"]
    bad_manifest = io.BytesIO()
    with zipfile.ZipFile(bad_manifest, "w") as zf:
        zf.writestr(casefile.MANIFEST, "{not json")
    assert casefile.verify_zip(bad_manifest.getvalue()) == [f"{casefile.MANIFEST}: not a valid manifest"]

    _referred(session, tmp_path)
    original = zip_bytes(session.scalars(select(Referral)).one())
    rezipped = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(rezipped, "w") as dst:
        dst.writestr("letters/", b"")
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert casefile.verify_zip(rezipped.getvalue()) == []
    truncated = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(truncated, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name)[:100] if name == casefile.DOCUMENT else src.read(name))
    assert casefile.verify_zip(truncated.getvalue())[-2:] == [
        f"{casefile.DOCUMENT}: hash differs",
        f"{casefile.DOCUMENT}: not valid JSON",
    ]

    not_zip = tmp_path / "register.csv"
    not_zip.write_text("register;naam\n")
    for path in (not_zip, tmp_path / "missing.zip"):
        result = CliRunner().invoke(app, ["parket", "verify", str(path)])
        assert result.exit_code != 0 and isinstance(result.exception, SystemExit | None), result.exception


def test_an_incomplete_file_is_refused_with_what_is_missing(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    person, _ = children(session, tmp_path)
    case = open_case(session, person, state="parket_review")
    with pytest.raises(TransitionRefused) as refused:
        fire(session, case, "refer_to_parket", CELL_NL)
    missing = " | ".join(refused.value.missing)
    assert "letter 1 sent" in missing and "letter 2 sent" in missing and "returned-mail" in missing
    assert missing.count("visit report") == 1  # named once, with what it must hold
    session.rollback()
    assert session.scalars(select(Referral)).all() == []
    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")
    check = client.get(f"/api/referrals/check/{case.id}", headers=headers).json()
    assert check["complete"] is False and any("visit report" in m for m in check["missing"])


def test_age_ending_within_the_margin_is_refused(session, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))  # 44 days before it ends
    (person,) = register(session, tmp_path, [child(1, date(2008, 4, 15))])  # compulsory until 14/04/2026
    case = to_parket_review(session, open_case(session, person))
    with pytest.raises(TransitionRefused) as refused:
        fire(session, case, "refer_to_parket", CELL_NL)
    assert any("60-day margin" in m for m in refused.value.missing)
    assert "2026-04-14" not in str(refused.value)  # the eve of the 18th birthday gives the birth date away


def test_parket_sees_only_referred_cases(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    referred, waiting = _referred(session, tmp_path)
    to_parket_review(session, waiting)
    total, seen = list_cases(session, PARKET, CaseFilter())
    assert (total, [c.id for c in seen]) == (1, [referred.id])
    with pytest.raises(Exception) as refused:  # not visible: 404, so it does not even exist for them
        fire(session, waiting, "parket_outcome", PARKET, {"outcome": "dismissed"})
    assert getattr(refused.value, "status", None) == 404
    _, parket = make_user(Role.PARKET_USER, "PARKET")
    assert [r["case_id"] for r in client.get("/api/referrals", headers=parket).json()] == [referred.id]
    assert client.get(f"/api/referrals/check/{waiting.id}", headers=parket).status_code == 403
    _, gemeente = make_user(Role.GEMEENTE_USER, "21004")
    assert client.get("/api/referrals", headers=gemeente).status_code == 403
    referral = session.scalars(select(Referral)).one()
    assert client.get(f"/api/referrals/{referral.id}/case-file", headers=gemeente).status_code == 403


def test_list_referrals_respects_its_actor(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The service itself scopes the list (not only the route's permission): a gemeente or an
    auditor that reaches it through another path gets nothing, and no single referral either."""
    from service.auth.service import Actor
    from service.core.errors import NotFound
    from service.parket.service import get_referral, list_referrals

    referred, _ = _referred(session, tmp_path)
    [referral] = list_referrals(session, PARKET)
    assert referral.case_id == referred.id and [r.id for r in list_referrals(session, CELL_NL)] == [
        referral.id
    ]
    for outsider in (
        Actor("gemeente-21004", Role.GEMEENTE_USER, None, "21004", None, "21004"),
        Actor("auditor", Role.AUDITOR, None, "AGODI", "nl", None),
    ):
        assert list_referrals(session, outsider) == []
        with pytest.raises(NotFound):
            get_referral(session, outsider, referral.id)


def test_outcome_closes_and_return_reopens(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = (open_case(session, p) for p in children(session, tmp_path))
    for case in (first, second):
        to_parket_review(session, case)
        fire(session, case, "refer_to_parket", CELL_NL)
    session.commit()
    _, headers = make_user(Role.PARKET_USER, "PARKET")
    by_case = {r["case_id"]: r["id"] for r in client.get("/api/referrals", headers=headers).json()}

    decided = client.post(
        f"/api/referrals/{by_case[first.id]}/outcome",
        headers=headers,
        json={"outcome": "proces_verbaal", "note": "pv opgesteld"},
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["outcome_fr"], decided.json()["case_state"]) == (
        "decided",
        "procès-verbal",
        "closed",
    )
    session.expire_all()
    assert session.get(Case, first.id).closure_reason == "parket_proces_verbaal"
    assert (
        client.post(
            f"/api/referrals/{by_case[second.id]}/outcome", headers=headers, json={"outcome": "returned"}
        ).status_code
        == 400
    )  # a return needs a note
    returned = client.post(
        f"/api/referrals/{by_case[second.id]}/outcome",
        headers=headers,
        json={"outcome": "returned", "note": "schoolverleden ontbreekt"},
    )
    assert returned.json()["status"] == "returned" and returned.json()["case_state"] == "parket_review"
    assert _notes(session, "AGODI") == ["parket_outcome", "parket_returned"]

    # the cell completes the file and refers again: a second, new case file
    session.commit()  # end the test session's read snapshot: the API changed the case meanwhile
    session.expire_all()
    again = session.get(Case, second.id)
    fire(session, again, "refer_to_parket", CELL_NL)
    session.commit()
    referrals = session.scalars(
        select(Referral).where(Referral.case_id == second.id).order_by(Referral.id)
    ).all()
    assert [r.status for r in referrals] == ["returned", "referred"]
    assert referrals[0].zip_path != referrals[1].zip_path
    with pytest.raises(Forbidden):
        fire(session, again, "parket_outcome", CELL_NL, {"outcome": "dismissed"})


def test_late_list_withdraws_a_pending_referral(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case, _ = _referred(session, tmp_path)
    fire(
        session, case, "late_list_match", SYSTEM, {"record_kind": "enrolment", "record_id": 7, "batch_id": 3}
    )
    session.commit()
    assert session.scalars(select(Referral.status)).one() == "withdrawn"
    assert _notes(session, "PARKET") == ["referral_created", "referral_withdrawn"]


def test_schema_is_published_and_versioned(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, headers = make_user(Role.GEMEENTE_USER, "21004")  # no personal data: anyone signed in may read it
    versions = client.get("/api/parket/schemas/case-file", headers=headers).json()
    assert versions == {"current": "1.1.0", "versions": ["1.0.0", "1.1.0"]}
    schema = client.get("/api/parket/schemas/case-file/1.0.0", headers=headers).json()
    assert schema["$id"].endswith("/case-file/1.0.0") and schema["properties"]["schema_version"] == {
        "const": "1.0.0"
    }
    assert client.get("/api/parket/schemas/case-file/9.9.9", headers=headers).status_code == 404


def test_parket_sees_only_referred_cases_through_the_case_api(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    referred, waiting = _referred(session, tmp_path)
    _, parket = make_user(Role.PARKET_USER, "PARKET")
    listed = client.get("/api/cases", headers=parket).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [c["id"] for c in items] == [referred.id]
    assert client.get(f"/api/cases/{referred.id}", headers=parket).status_code == 200
    assert client.get(f"/api/cases/{waiting.id}", headers=parket).status_code == 404
    assert client.get(f"/api/cases/{waiting.id}/timeline", headers=parket).status_code == 404


def test_the_parket_is_reminded_before_its_deadline_and_reads_are_audited(
    session, client, make_user, tmp_path: Path, clock
) -> None:  # type: ignore[no-untyped-def]
    from service.audit.models import AuditEvent
    from service.cases.service import tick

    case, _ = _referred(session, tmp_path)
    decrypted = session.scalars(select(AuditEvent).where(AuditEvent.action == "decrypt")).one()
    assert decrypted.entity_ids == [case.person_id] and decrypted.purpose == "parket case file"
    clock.advance(days=120 - 14)  # parket_outcome_days minus parket_reminder_before_days
    assert tick(session, SYSTEM).reminders == 1
    assert _notes(session, "PARKET") == ["referral_created", "parket_reminder"]
    _, headers = make_user(Role.PARKET_USER, "PARKET")
    notes = client.get("/api/notifications", headers=headers).json()
    assert "Rappel" in notes[0]["subject_fr"] and "Herinnering" in notes[0]["subject_nl"]
    referral = session.scalars(select(Referral)).one()
    client.get(f"/api/referrals/{referral.id}/case-file", headers=headers)
    export = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (export.actor, export.entity, export.entity_ids) == (
        "parket_user-parket",
        "referral",
        [referral.id],
    )
