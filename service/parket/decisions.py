"""What the parket does with a referral, shared by the API routes and the web pages: record its
decision (or return the file with the question it asks), and read the case file it received
(the files in the ZIP, the visit report, the check against the manifest)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.core.errors import NotFound, TandemError
from service.parket import casefile
from service.parket.models import Outcome, Referral
from service.parket.service import DECIDE, RETURN, get_referral, zip_bytes


def decide(
    session: Session,
    actor: Actor,
    referral_id: int,
    outcome: str,
    note: str,
    expected_version: int | None = None,
) -> Referral:
    """The parket's decision closes the case; 'returned' sends it back to the cell with the question
    the parket asks (`note`, required then)."""
    r = get_referral(session, actor, referral_id)
    if outcome == Outcome.RETURNED:
        if not note.strip():
            raise TandemError("note: a returned file needs the question the parket asks")
        transition, payload = RETURN, {"reason": note}
    else:
        transition, payload = DECIDE, {"outcome": outcome}
    cases.fire(session, r.case_id, transition, actor, payload, expected_version=expected_version, reason=note)
    session.flush()
    session.refresh(r)
    audit.record(session, actor, "change", "referral", [r.id], f"parket outcome {outcome}")
    return r


def case_file_members(r: Referral) -> list[tuple[str, int]]:
    """The files of the case-file ZIP (path, bytes), as its manifest lists them."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes(r))) as zf:
        manifest = json.loads(zf.read(casefile.MANIFEST))
    return [(f["path"], int(f["bytes"])) for f in manifest["files"]]


def case_file_member(r: Referral, path: str) -> bytes:
    """One file of the case-file ZIP, by the path its manifest gives (any other is not found)."""
    if path not in {p for p, _ in case_file_members(r)}:
        raise NotFound("file not found in the case file")
    with zipfile.ZipFile(io.BytesIO(zip_bytes(r))) as zf:
        return zf.read(path)


def case_file_document(r: Referral) -> dict[str, Any]:
    """The case-file JSON as the parket received it (child, guardians, letters, visit, timeline)."""
    return json.loads(case_file_member(r, casefile.DOCUMENT))


def case_file_check(r: Referral) -> list[str]:
    """What is wrong with the stored case file (empty: its hash, manifest and schema all hold)."""
    try:
        return casefile.verify_zip(zip_bytes(r))
    except TandemError as exc:
        return [str(exc)]
