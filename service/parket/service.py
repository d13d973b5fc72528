"""Parket referrals: assemble the case file, store the ZIP, record what the parket decided.

The referral is made by the workflow (`refer_to_parket`, effect `parket.create_referral`), never
directly by a route; the parket answers through `parket_outcome` / `parket_return`. Everything the
parket receives is in Dutch and French; the national numbers are decrypted only here, for the file
(`dossier.collect` gathers it). Who may see a referral is decided in service.auth.scope.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.scope import ensure_referral_visible, referral_scope
from service.auth.service import Actor
from service.cases import service as cases
from service.cases.service import Case
from service.cases.workflow import get_workflow, uses
from service.core import clock, labels
from service.core.errors import NotFound, TandemError
from service.core.files import write_atomic
from service.core.settings import get_settings
from service.gemeenten import service as gemeenten
from service.ingest import service as ingest
from service.notifications import service as notifications
from service.parket import casefile
from service.parket.dossier import collect
from service.parket.models import Outcome, Referral, ReferralStatus

__all__ = [
    "OUTCOME_LABELS",
    "Outcome",
    "case_file_check",
    "case_file_document",
    "case_file_member",
    "case_file_members",
    "collect",
    "decide",
    "create_referral",
    "current_referral",
    "file_problems",
    "get_referral",
    "list_referrals",
    "record_outcome",
    "recorded_problems",
    "referral_dir",
    "referral_ids_for_cases",
    "outcome_choices",
    "referral_problems",
    "referral_reference",
    "referral_deadlines",
    "referral_history",
    "withdraw_referral",
    "zip_bytes",
]

log = logging.getLogger(__name__)

REFER, DECIDE, RETURN = "refer_to_parket", "parket_outcome", "parket_return"
uses(__name__, transitions=(REFER, DECIDE, RETURN))

OUTCOME_LABELS = {
    Outcome.ANTI_TRUANCY_CONTRACT: ("anti-spijbelcontract", "contrat anti-absentéisme"),
    Outcome.PROCES_VERBAAL: ("proces-verbaal", "procès-verbal"),
    Outcome.DISMISSED: ("geseponeerd", "classement sans suite"),
    Outcome.RETURNED: ("teruggestuurd voor bijkomende informatie", "renvoyé pour complément d'information"),
}

# -- referrals ------------------------------------------------------------------------------------


def referral_dir() -> Path:
    path = get_settings().resolved_output_dir / "case-files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_referral(
    session: Session, case: Case, actor: Actor, referred_at: datetime | None = None
) -> Referral:
    """Build and store the case file of a case entering `referred_to_parket`; tell the parket."""
    referred_at = referred_at or clock.now()
    doc, attachments = collect(session, case, referred_at, actor.name)
    audit.record(session, actor, "decrypt", "register_person", [case.person_id], "parket case file")
    data = casefile.build_zip(doc, attachments)
    digest = casefile.sha256(data)
    name = f"case-{case.id}-{referred_at.strftime('%Y%m%dT%H%M%S')}-{digest[:12]}.zip"
    write_atomic(referral_dir() / name, data)
    referral = Referral(
        case_id=case.id,
        nis_code=case.nis_code,
        referred_at=referred_at,
        referred_by=actor.name,
        status=ReferralStatus.REFERRED,
        schema_version=casefile.SCHEMA_VERSION,
        zip_path=name,
        sha256=digest,
    )
    session.add(referral)
    session.flush()
    g = gemeenten.gemeente(session, case.nis_code)
    notifications.notify(
        session,
        "PARKET",
        "referral_created",
        case.id,
        reference=doc["case"]["reference"],
        gemeente_nl=g.name_nl,
        gemeente_fr=g.name_fr,
    )
    log.info("case %s referred to the parket (referral %s)", case.id, referral.id)
    return referral


def current_referral(session: Session, case_id: int) -> Referral | None:
    return session.scalar(
        select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc()).limit(1)
    )


def record_outcome(
    session: Session, case: Case, outcome: str, note: str, actor: Actor, at: datetime
) -> Referral:
    referral = current_referral(session, case.id)
    if referral is None or referral.status != ReferralStatus.REFERRED:
        raise TandemError("the case has no referral waiting for the parket")
    referral.outcome, referral.outcome_at, referral.outcome_by = outcome, at, actor.name
    referral.outcome_note = note or None
    referral.status = ReferralStatus.RETURNED if outcome == Outcome.RETURNED else ReferralStatus.DECIDED
    nl, fr = OUTCOME_LABELS[Outcome(outcome)]
    reference = gemeenten.case_reference(session, case)
    kind = "parket_returned" if outcome == Outcome.RETURNED else "parket_outcome"
    extra = {} if outcome == Outcome.RETURNED else {"outcome_nl": nl, "outcome_fr": fr}
    notifications.notify(session, gemeenten.owner_org(case), kind, case.id, reference=reference, **extra)
    return referral


def withdraw_referral(session: Session, case: Case, transition: str | None, actor: Actor) -> Referral | None:
    referral = current_referral(session, case.id)
    if referral is None or referral.status != ReferralStatus.REFERRED:
        return None
    referral.status = ReferralStatus.WITHDRAWN
    referral.outcome_at, referral.outcome_by = clock.now(), actor.name
    referral.outcome_note = f"case closed by '{transition}'" if transition else "case closed"
    why = gemeenten.WITHDRAWAL_REASONS.get(transition or "", "case_closed")
    notifications.notify(
        session,
        "PARKET",
        "referral_withdrawn",
        case.id,
        reference=gemeenten.case_reference(session, case),
        why_nl=labels.nl(why),
        why_fr=labels.fr(why),
    )
    return referral


def get_referral(session: Session, actor: Actor, referral_id: int) -> Referral:
    """A referral the actor may see (service.auth.scope); any other is reported as not found."""
    ensure_referral_visible(actor)
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral not found")
    return referral


def list_referrals(
    session: Session, actor: Actor, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Referral]:
    """The referrals the actor may see, newest first."""
    query = (
        select(Referral)
        .where(referral_scope(actor))
        .order_by(Referral.id.desc())
        .limit(max(1, min(limit, 1000)))
        .offset(max(0, offset))
    )
    if status:
        query = query.where(Referral.status == status)
    return list(session.scalars(query))


def zip_bytes(referral: Referral) -> bytes:
    path = referral_dir() / referral.zip_path
    if not path.exists():
        raise NotFound("the case file is missing from storage")
    data = path.read_bytes()
    if casefile.sha256(data) != referral.sha256:
        raise TandemError("the stored case file does not match its recorded hash")
    return data


def recorded_problems(session: Session, data: bytes) -> list[str]:
    """Empty when this exact ZIP is a case file the cell recorded (its SHA-256 is a referral's)."""
    digest = casefile.sha256(data)
    if session.scalar(select(Referral.id).where(Referral.sha256 == digest)) is None:
        return ["the file's SHA-256 is not the recorded hash of any referral (not the file the cell sent)"]
    return []


def referral_reference(session: Session, r: Referral) -> tuple[str, str]:
    """The case reference and the case's current state, as a referral's read model shows them."""
    case = cases.find_case(session, case_id=r.case_id)
    assert case is not None
    return gemeenten.case_reference(session, case), case.state


def referral_deadlines(session: Session, r: Referral) -> tuple[datetime | None, date | None]:
    """When the parket's decision is due (while the referral waits for it) and the day the child's
    compulsory schooling ends."""
    case = cases.find_case(session, case_id=r.case_id)
    assert case is not None
    waiting = r.status == ReferralStatus.REFERRED and case.state == "referred_to_parket"
    return (case.due_at if waiting else None), case.compulsory_ends_on


def referral_history(session: Session, actor: Actor, referral_id: int) -> list[Referral]:
    """Every referral of the same case, oldest first: what the parket decided each time (a file
    returned for more information, referred again, then decided)."""
    r = get_referral(session, actor, referral_id)
    query = select(Referral).where(Referral.case_id == r.case_id, referral_scope(actor)).order_by(Referral.id)
    return list(session.scalars(query))


def file_problems(session: Session, case: Case) -> list[str]:
    """What the case file would lack (the `parket.file_complete` guard): the data the parket needs
    beyond the procedure steps the case guards check."""
    missing: list[str] = []
    person = ingest.find_person(session, person_id=case.person_id)
    if person is None:
        return ["the child's register record"]
    if person.birth_date is None:
        missing.append("the child's birth date")
    if not person.street or not person.postcode:
        missing.append("the child's address in the register")
    if not person.guardians:
        missing.append("a parent or legal guardian in the register")
    visit = gemeenten.visit_for(session, case.id)
    if visit is None:
        missing.append("the gemeente's visit report (date, who visited, family found, what the parents said)")
    else:
        problems = gemeenten.visit_problems(
            {
                "visited_on": visit.visited_on,
                "visitor_kind": visit.visitor_kind,
                "family_found": visit.family_found,
                "parents_said": visit.parents_said,
                "school_name": visit.school_name,
                "remarks": visit.remarks,
            }
        )
        missing += [f"visit report: {p}" for p in problems]
    return missing


# Reads for other domains ---------------------------------------------------------------------


def referral_ids_for_cases(session: Session, *, case_ids: Iterable[int]) -> set[int]:
    return set(session.scalars(select(Referral.id).where(Referral.case_id.in_(list(case_ids)))))


def referral_problems(session: Session, case: Case) -> list[str]:
    """What a referral of this case would still lack: every guard of the referring transition."""
    return [
        missing
        for _name, guard in get_workflow().transitions[REFER].guards
        for missing in guard(session, case, {})
    ]


def outcome_choices() -> tuple[str, ...]:
    """What the parket may answer: the workflow's outcomes (its YAML), or return the file."""
    return (*get_workflow().choices(DECIDE, "outcome"), Outcome.RETURNED.value)


def indicator_referrals(session: Session, *, case_ids: Select[Any]) -> list[Any]:
    """The referrals of the given cases (a sub-query), for counting: no personal data."""
    return list(
        session.execute(
            select(
                Referral.case_id,
                Referral.nis_code,
                Referral.referred_at,
                Referral.status,
                Referral.outcome,
                Referral.outcome_at,
            ).where(Referral.case_id.in_(case_ids))
        ).all()
    )


# -- what the parket does with a referral (the API routes and the web pages) ---------------------


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
