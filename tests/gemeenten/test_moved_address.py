"""A move within Brussels carries the family's new address: the new gemeente checks and visits that
address, never the register extract's old one (which the extract keeps until the next register)."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.cases.models import Case
from service.cases.service import TransitionRefused, fire, timeline
from service.core import clock
from service.gemeenten import service
from service.gemeenten.models import Assignment, ReportedAddress
from service.notifications.models import Notification
from tests.gemeenten.helpers import CELL_NL, children, officer, open_case, to_gemeente, visit

OLD_STREET = "Rue Royale Sainte-Marie"  # in the register extract, Schaerbeek
NEW = {"street": "Hoogstraat", "house_number": "101", "box": "2", "postcode": "1000"}  # in Brussel
NEW_LINE = "Hoogstraat 101 bus/bte 2, 1000 Brussel / Bruxelles"


def _schaerbeek_child(session: Session, tmp_path: Path) -> Case:
    """A child registered in Schaerbeek, living with its mother at the same address."""
    [person] = children(
        session,
        tmp_path,
        1,
        nis_code="21015",
        postcode="1030",
        street=OLD_STREET,
        house_number="50",
        guardian1_street=OLD_STREET,
        guardian1_house_number="50",
        guardian1_postcode="1030",
        guardian1_municipality="Schaerbeek",
    )
    return to_gemeente(session, open_case(session, person))


def _moved(client: Any, headers: dict[str, str], assignment_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/assignments/{assignment_id}/register-check",
        headers=headers,
        json={"answer": "moved_within_brussels", "new_nis_code": "21004", **body},
    )


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages).split())


def test_the_new_gemeente_sees_the_reported_address_not_the_register_one(
    session, client, make_user, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    case = _schaerbeek_child(session, tmp_path)
    _, schaerbeek = make_user(Role.GEMEENTE_USER, "21015")
    _, brussel = make_user(Role.GEMEENTE_USER, "21004")
    [old] = client.get("/api/assignments", headers=schaerbeek).json()
    assert OLD_STREET in old["child"]["address"] and old["child"]["address_source"] == "register"

    answer = _moved(client, schaerbeek, old["id"], new_address=NEW)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "handed_over" and "new_address" not in answer.json()  # no personal data

    # Brussel's assignment, work list CSV and PDF: the new address, and nowhere the old one (not even
    # as the mother's address: she was registered where the family no longer lives).
    [new] = client.get("/api/assignments", headers=brussel).json()
    assert new["nis_code"] == "21004" and new["handed_over_from_id"] == old["id"]
    assert new["child"]["address"] == NEW_LINE and new["child"]["address_source"] == "reported"
    assert new["child"]["guardians"] == ["Peeters, Anna (moeder / mère)"]
    detail = client.get(f"/api/assignments/{new['id']}", headers=brussel).json()
    assert detail["child"]["address"] == NEW_LINE and OLD_STREET not in json.dumps(detail)
    csv_text = client.get("/api/gemeenten/21004/worklist.csv", headers=brussel).content.decode("utf-8-sig")
    header, row = csv_text.strip().splitlines()
    cells = dict(zip(header.split(";"), row.split(";"), strict=True))
    assert cells["adres / adresse"] == NEW_LINE
    assert cells["herkomst adres / origine de l'adresse"].startswith("gemeld bij verhuizing binnen Brussel")
    assert OLD_STREET not in csv_text
    pdf = _pdf_text(client.get("/api/gemeenten/21004/worklist.pdf", headers=brussel).content)
    assert "Hoogstraat 101 bus/bte 2, 1000" in pdf and "gemeld bij verhuizing" in pdf
    assert "Royale" not in pdf
    # The notification names the case, never an address: the address is on the work list.
    [incoming] = session.scalars(
        select(Notification).where(Notification.kind == "assignment_handed_over_in")
    ).all()
    assert "werklijst" in incoming.body_nl and "Hoogstraat" not in incoming.body_nl + incoming.body_fr

    # Schaerbeek keeps what it answered: its own assignment still shows what it was asked to check.
    mine = client.get(f"/api/assignments/{old['id']}", headers=schaerbeek).json()
    assert OLD_STREET in mine["child"]["address"]
    assert mine["new_address"] == {**NEW, "municipality": "Brussel / Bruxelles"}

    # Brussel finds the child registered there: the home visit goes to the new address as well.
    ok = client.post(
        f"/api/assignments/{new['id']}/register-check", headers=brussel, json={"answer": "still_registered"}
    )
    assert ok.status_code == 200, ok.text
    [home_visit] = client.get("/api/assignments?status=open", headers=brussel).json()
    assert home_visit["step"] == "home_visit" and home_visit["child"]["address"] == NEW_LINE
    csv_text = client.get("/api/gemeenten/21004/worklist.csv", headers=brussel).content.decode("utf-8-sig")
    assert "Hoogstraat 101" in csv_text and OLD_STREET not in csv_text
    visited = client.post(f"/api/assignments/{home_visit['id']}/visit", headers=brussel, json=visit())
    assert visited.status_code == 200, visited.text
    detail = client.get(f"/api/assignments/{home_visit['id']}", headers=brussel).json()
    assert detail["visit"]["nis_code"] == "21004" and detail["child"]["address"] == NEW_LINE

    # The parket's case file: the register's address for the child, the reported one with the answer.
    from service.parket.service import collect

    session.expire_all()
    fresh = session.get(Case, case.id)
    fire(session, fresh, "refer_to_parket", CELL_NL)
    doc, _ = collect(session, fresh, clock.now(), CELL_NL.name)
    assert doc["child"]["address"]["street"] == OLD_STREET
    [moved] = [e for e in doc["timeline"] if e["transition"] == "register_check_moved_within_brussels"]
    assert moved["payload"]["new_address"] == NEW and moved["payload"]["to_nis_code"] == "21004"
    [reported] = service.reported_addresses(session, case.id)
    assert reported["postcode"] == "1000" and reported["assignment_id"] == old["id"]
    assert reported["reported_by"] == "gemeente_user-21015" and reported["nis_code"] == "21004"
    assert doc["reported_addresses"] == [reported]
    # ... and the dossier PDF shows both, the reported one under its own label
    import zipfile

    from service.parket.models import Referral
    from service.parket.service import referral_dir

    referral = session.scalars(select(Referral).where(Referral.case_id == case.id)).one()
    with zipfile.ZipFile(referral_dir() / referral.zip_path) as zf:
        text = " ".join(page.extract_text() for page in PdfReader(BytesIO(zf.read("dossier.pdf"))).pages)
    text = " ".join(text.split())
    assert "Gemeld adres / Adresse signalée" in text and "Hoogstraat 101" in text and OLD_STREET in text


@pytest.mark.parametrize(
    ("address", "named"),
    [
        ({**NEW, "postcode": "1030"}, "new_address.postcode is not a postcode of new_nis_code 21004"),
        ({**NEW, "postcode": "10x0"}, "new_address.postcode must be a Belgian postcode of 4 digits"),
        ({**NEW, "street": "  "}, "new_address.street is required"),
        ({**NEW, "street": "Zzyzxstraat" * 20}, "new_address.street is longer than 160 characters"),
    ],
)
def test_a_wrong_new_address_is_refused_naming_the_field(
    session, client, make_user, tmp_path: Path, address: dict[str, str], named: str
) -> None:  # type: ignore[no-untyped-def]
    case = _schaerbeek_child(session, tmp_path)
    _, schaerbeek = make_user(Role.GEMEENTE_USER, "21015")
    [task] = client.get("/api/assignments", headers=schaerbeek).json()
    refused = _moved(client, schaerbeek, task["id"], new_address=address)
    assert refused.status_code == 422 and named in refused.json()["detail"]
    # what was given is never repeated back (only the new gemeente's own postcodes, from the reference list)
    assert address["street"].strip() not in refused.text or not address["street"].strip()
    assert address["postcode"] == "1000" or address["postcode"] not in refused.text
    session.expire_all()
    assert session.get(Case, case.id).nis_code == "21015"
    assert session.scalar(select(func.count()).select_from(ReportedAddress)) == 0
    assert [a.status for a in session.scalars(select(Assignment))] == ["open"]


def test_the_new_address_is_required_for_a_move_only(session, client, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _schaerbeek_child(session, tmp_path)
    _, schaerbeek = make_user(Role.GEMEENTE_USER, "21015")
    [task] = client.get("/api/assignments", headers=schaerbeek).json()
    missing = _moved(client, schaerbeek, task["id"])
    assert missing.status_code == 422 and "payload field 'new_address'" in missing.json()["detail"]
    partial = _moved(client, schaerbeek, task["id"], new_address={"street": "Hoogstraat", "postcode": "1000"})
    assert partial.status_code == 422
    assert [e["loc"] for e in partial.json()["detail"]] == [["body", "new_address", "house_number"]]
    assert "Hoogstraat" not in partial.text
    # the other answers take no address, as before
    ok = client.post(
        f"/api/assignments/{task['id']}/register-check",
        headers=schaerbeek,
        json={"answer": "still_registered"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "answered"


def test_the_engine_refuses_a_move_without_a_valid_address_for_every_caller(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The CLI (`tandem cases fire ... --payload`) and the simulation fire the transition directly."""
    case = _schaerbeek_child(session, tmp_path)
    gemeente = officer("21015")
    payload: dict[str, Any] = {
        "new_nis_code": "21004",
        "new_address": {**NEW, "postcode": "1030", "floor": "3"},
    }
    with pytest.raises(TransitionRefused) as refused:
        fire(session, case.id, "register_check_moved_within_brussels", gemeente, payload)
    assert refused.value.missing == [
        "new_address takes only street, house_number, box and postcode",
        "new_address.postcode is not a postcode of new_nis_code 21004 "
        "(Brussel / Bruxelles: 1000, 1020, 1120, 1130, 1040, 1050)",
    ]
    assert "Hoogstraat" not in str(refused.value)
    session.rollback()
    # A JSON payload may carry numbers; the address is stored as text, without surrounding blanks.
    address = {"street": " Hoogstraat ", "house_number": 101, "postcode": "1000"}
    fire(
        session,
        case.id,
        "register_check_moved_within_brussels",
        gemeente,
        {"new_nis_code": "21004", "new_address": address},
    )
    session.commit()
    stored = session.scalars(select(ReportedAddress)).one()
    assert (stored.street, stored.house_number, stored.box, stored.postcode, stored.nis_code) == (
        "Hoogstraat",
        "101",
        "",
        "1000",
        "21004",
    )
    [row] = service.worklist_rows(session, officer("21004"), "21004")
    assert row["address"] == "Hoogstraat 101, 1000 Brussel / Bruxelles" and row["address_reported"]
    assert [e.payload.get("new_address") for e in timeline(session, case.id)][-1] == address


def test_a_second_move_uses_the_latest_address_of_the_gemeente_in_charge(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Schaerbeek -> Brussel -> Etterbeek -> Brussel: Brussel's second assignment has the second Brussel
    address; Etterbeek's had its own; the sent-back-and-reassigned case falls back to the register."""
    case = _schaerbeek_child(session, tmp_path)
    moves = [
        ("21015", "21004", NEW),
        ("21004", "21005", {"street": "Rue des Champs", "house_number": "7", "postcode": "1040"}),
        ("21005", "21004", {"street": "Blaesstraat", "house_number": "33", "postcode": "1000"}),
    ]
    for here, there, address in moves:
        fire(
            session,
            case.id,
            "register_check_moved_within_brussels",
            officer(here),
            {"new_nis_code": there, "new_address": address},
        )
    session.commit()
    by_id = {a.id: a for a in service.assignments_for_case(session, case.id)}
    shown = [
        (a.nis_code, getattr(service.address_to_visit(session, a), "street", None)) for a in by_id.values()
    ]
    assert shown == [
        ("21015", None),
        ("21004", "Hoogstraat"),
        ("21005", "Rue des Champs"),
        ("21004", "Blaesstraat"),
    ]
    [row] = service.worklist_rows(session, officer("21004"), "21004")
    assert row["address"].startswith("Blaesstraat 33, 1000")
    # Sent back as the wrong gemeente, then reassigned by the cell elsewhere: no reported address lies
    # there, so the register's address is what the cell's choice of gemeente is about.
    fire(
        session,
        case.id,
        "send_back",
        officer("21004"),
        {"reason": "niet hier", "reason_code": "wrong_gemeente"},
    )
    fire(session, case.id, "reassign_gemeente", CELL_NL, {"reason": "register", "new_nis_code": "21015"})
    session.commit()
    [row] = service.worklist_rows(session, officer("21015"), "21015")
    assert row["address"].startswith(OLD_STREET) and not row["address_reported"]
