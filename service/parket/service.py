"""Parket referrals: assemble the case file, store the ZIP, record what the parket decided.

The referral is made by the workflow (`refer_to_parket`, effect `parket.create_referral`), never
directly by a route; the parket answers through `parket_outcome` / `parket_return`. Everything the
parket receives is in Dutch and French; the national numbers are decrypted only here, for the file.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.models import Role
from service.auth.service import Actor
from service.cases.models import Case, CaseEvent
from service.core import clock, labels
from service.core.crypto import cached_keyring
from service.core.errors import NotFound, TandemError
from service.core.school_age import compulsory_period
from service.core.settings import get_settings
from service.gemeenten import service as gemeenten
from service.gemeenten.models import Gemeente
from service.ingest.models import RegisterPerson, SchoolYear, SourceBatch
from service.letters import service as letters
from service.letters.models import LetterStatus, ReplyKind
from service.linkage.models import ChildStatus, Run
from service.notifications import service as notifications
from service.parket import casefile
from service.parket.models import Outcome, Referral, ReferralStatus

log = logging.getLogger(__name__)

OUTCOME_LABELS = {
    Outcome.ANTI_TRUANCY_CONTRACT: ("anti-spijbelcontract", "contrat anti-absentéisme"),
    Outcome.PROCES_VERBAAL: ("proces-verbaal", "procès-verbal"),
    Outcome.DISMISSED: ("geseponeerd", "classement sans suite"),
    Outcome.RETURNED: ("teruggestuurd voor bijkomende informatie", "renvoyé pour complément d'information"),
}
SOURCE_LABELS = {
    "register": ("rijksregister", "registre national"),
    "enrolment_nl": (
        "inschrijvingen Vlaamse Gemeenschap (DISCIMUS)",
        "inscriptions Communauté flamande (DISCIMUS)",
    ),
    "enrolment_fr": (
        "inschrijvingen Federatie Wallonië-Brussel",
        "inscriptions Fédération Wallonie-Bruxelles",
    ),
    "home_education": ("huisonderwijs", "enseignement à domicile"),
    "exemption": ("vrijstellingen en andere scholen", "dispenses et autres écoles"),
}


# -- the document -------------------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _decrypt(blob: bytes | None) -> str | None:
    return cached_keyring().decrypt_nn(blob) if blob else None


def _events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def _letters(events: list[CaseEvent]) -> list[dict[str, Any]]:
    out = []
    for e in events:
        if e.kind == "transition" and e.transition in ("send_letter_1", "send_letter_2"):
            p = e.payload or {}
            out.append(
                {
                    "kind": "letter_1" if e.transition == "send_letter_1" else "letter_2",
                    "sent_at": e.at.isoformat(),
                    "channel": p.get("channel"),
                    "recipient": None,
                    "file": None,
                    "sha256": None,
                }
            )
    return out


def _replies(events: list[CaseEvent]) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = []
    for e in events:
        if e.kind != "transition":
            continue
        p = e.payload or {}
        if e.transition == "record_reply":
            replies.append(
                {
                    "at": e.at.isoformat(),
                    "answer": p.get("answer"),
                    "school_name": p.get("school_name"),
                    "school_community": p.get("school_community"),
                    "text": p.get("text"),
                    "verdict": "pending",
                }
            )
        elif e.transition in ("verify_reply", "reply_insufficient") and replies:
            replies[-1]["verdict"] = "verified" if e.transition == "verify_reply" else "insufficient"
    return replies


def _address(
    street: str, number: str, box: str, postcode: str, municipality: str, country: str = "BE"
) -> dict:
    return {
        "street": street or "",
        "house_number": number or "",
        "box": box or "",
        "postcode": postcode or "",
        "municipality": municipality or "",
        "country": (country or "BE").upper()[:2],
    }


def _linkage(session: Session, case: Case, events: list[CaseEvent], school_year: str) -> dict[str, Any]:
    run = session.get(Run, case.run_id) if case.run_id else None
    status = None
    sources: list[dict[str, Any]] = []
    if run is not None:
        status = session.scalar(
            select(ChildStatus.status).where(
                ChildStatus.run_id == run.id, ChildStatus.person_id == case.person_id
            )
        )
        for b in session.scalars(
            select(SourceBatch).where(SourceBatch.id.in_(run.batch_ids or [])).order_by(SourceBatch.id)
        ):
            sources.append(
                {
                    "batch_id": b.id,
                    "kind": b.kind,
                    "source": b.source,
                    "file_name": b.file_name,
                    "received_at": b.received_at.isoformat(),
                    "sha256": b.sha256,
                }
            )
    kinds = sorted({s["kind"] for s in sources if s["kind"] != "register"})
    lists_nl = ", ".join(SOURCE_LABELS.get(k, (k, k))[0] for k in kinds) or "geen lijsten"
    lists_fr = ", ".join(SOURCE_LABELS.get(k, (k, k))[1] for k in kinds) or "aucune liste"
    ref_day = run.reference_date.strftime("%d/%m/%Y") if run is not None else "-"
    transitions = {e.transition for e in events if e.kind == "transition"}
    other_nl = other_fr = ""
    if "cross_check_not_found" in transitions or "cross_check_expired" in transitions:
        other_nl = " De andere gemeenschap doorzocht haar eigen actuele gegevens en vond het kind niet."
        other_fr = " L'autre communauté a consulté ses propres données à jour et n'a pas trouvé l'enfant."
    late_nl = (
        " Lijsten die later binnenkwamen, werden telkens opnieuw met het dossier vergeleken zonder resultaat."
    )
    late_fr = " Les listes arrivées plus tard ont chaque fois été comparées au dossier, sans résultat."
    account_nl = (
        f"Het kind staat in het rijksregister als gedomicilieerd in het Brussels Gewest en is leerplichtig in "
        f"schooljaar {school_year}. Op de referentiedatum {ref_day} werd het vergeleken met de volgende lijsten: "
        f"{lists_nl}; eerst op rijksregisternummer (via een versleutelde sleutel), daarna op naam, "
        f"geboortedatum en adres. Er werd geen inschrijving, huisonderwijs of vrijstelling gevonden."
        f"{other_nl}{late_nl}"
    )
    account_fr = (
        f"L'enfant figure au registre national comme domicilié en Région de Bruxelles-Capitale et est soumis à "
        f"l'obligation scolaire pour l'année {school_year}. À la date de référence du {ref_day}, il a été comparé "
        f"aux listes suivantes : {lists_fr} ; d'abord sur le numéro de registre national (au moyen d'une clé "
        f"chiffrée), ensuite sur le nom, la date de naissance et l'adresse. Aucune inscription, aucun "
        f"enseignement à domicile ni aucune dispense n'a été trouvé.{other_fr}{late_fr}"
    )
    return {
        "run_id": run.id if run is not None else None,
        "reference_date": _iso(run.reference_date) if run is not None else None,
        "status": status,
        "sources": sources,
        "account": {"nl": account_nl, "fr": account_fr},
    }


def collect(
    session: Session, case: Case, referred_at: datetime, referred_by: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The case file's JSON document (schema `casefile.SCHEMA_VERSION`) and the letter PDFs it names.
    The letters as sent come from the letters part; a case moved on without it (an import, a test)
    falls back to its timeline for the dates."""
    settings = get_settings()
    person = session.get(RegisterPerson, case.person_id)
    if person is None:
        raise NotFound("register child not found")
    year = session.get(SchoolYear, case.school_year_id)
    assert year is not None
    g = session.get(Gemeente, case.nis_code)
    assert g is not None
    events = _events(session, case.id)
    period = None
    if person.birth_date is not None:
        p = compulsory_period(person.birth_date, year.start_age)
        period = {
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "days_left": max(p.days_left(referred_at.date()), 0),
        }
    visit = gemeenten.visit_for(session, case.id)
    home_gemeente = session.get(Gemeente, person.nis_code)
    letter_entries, letter_files = _stored_letters(session, case.id)
    doc = {
        "schema_version": casefile.SCHEMA_VERSION,
        "generated_at": clock.now().isoformat(),
        "sender": {
            "name_nl": settings.cell_name_nl,
            "name_fr": settings.cell_name_fr,
            "contacts": [settings.agodi_contact, settings.scos_contact],
        },
        "case": {
            "id": case.id,
            "reference": gemeenten.case_reference(session, case),
            "school_year": year.label,
            "owner_community": case.owner_community,
            "opened_at": case.opened_at.isoformat(),
            "state": case.state,
            "previous_case_id": case.previous_case_id,
        },
        "gemeente": {"nis_code": g.nis_code, "name_nl": g.name_nl, "name_fr": g.name_fr},
        "child": {
            "person_id": person.id,
            "national_number": _decrypt(person.nn_cipher),
            "last_name": person.last_name,
            "first_names": person.first_names,
            "birth_date": _iso(person.birth_date),
            "sex": person.sex,
            "admin_language": person.admin_language if person.admin_language in ("nl", "fr") else None,
            "address": _address(
                person.street,
                person.house_number,
                person.box,
                person.postcode or "",
                home_gemeente.name if home_gemeente else "",
            ),
            "compulsory_period": period,
        },
        "reported_addresses": gemeenten.reported_addresses(session, case.id),
        "guardians": [
            {
                "rank": gd.rank,
                "relation": gd.relation,
                "national_number": _decrypt(gd.nn_cipher),
                "last_name": gd.last_name,
                "first_names": gd.first_names,
                "address": _address(
                    gd.street, gd.house_number, gd.box, gd.postcode, gd.municipality, gd.country
                ),
            }
            for gd in person.guardians
        ],
        "linkage": _linkage(session, case, events, year.label),
        "letters": letter_entries or _letters(events),
        "returned_mail": [
            {"at": e.at.isoformat(), "from_state": e.from_state, "reason": e.reason or ""}
            for e in events
            if e.kind == "transition" and e.transition == "returned_mail"
        ],
        "replies": _stored_replies(session, case.id) or _replies(events),
        "gemeente_steps": [
            {
                "id": a.id,
                "nis_code": a.nis_code,
                "step": a.step,
                "status": a.status,
                "assigned_at": a.assigned_at.isoformat(),
                "due_at": _iso(a.due_at),
                "reminder_sent_at": _iso(a.reminder_sent_at),
                "answered_at": _iso(a.answered_at),
                "answer": a.answer,
                "new_nis_code": a.new_nis_code,
                "reason": a.reason,
            }
            for a in gemeenten.assignments_for_case(session, case.id)
        ],
        "visit": gemeenten.visit_dict(visit) if visit is not None else None,
        "timeline": [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "actor_org": e.actor_org,
                "kind": e.kind,
                "transition": e.transition,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason or None,
                "payload": e.payload if isinstance(e.payload, dict) else None,
            }
            for e in events
        ],
        "referral": {"referred_at": referred_at.isoformat(), "referred_by": referred_by},
    }
    return doc, letter_files


def _stored_letters(session: Session, case_id: int) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """The letters as sent, from the letters part: one entry and one PDF per posted envelope.

    Each stored PDF must still match the hash recorded when it was printed; a changed file stops
    the referral rather than sending the parket something other than what the family received.
    """
    entries: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for letter in letters.list_letters(session, case_id=case_id, limit=50):
        if letter.status not in (LetterStatus.POSTED, LetterStatus.RETURNED) or letter.posted_at is None:
            continue
        data = Path(letter.path).read_bytes()
        if casefile.sha256(data) != letter.sha256:
            raise TandemError(f"stored letter {letter.id} no longer matches its recorded hash")
        name = f"letters/{letter.reference.replace('/', '-')}.pdf"
        files[name] = data
        entries.append(
            {
                "kind": letter.kind,
                "sent_at": letter.posted_at.isoformat(),
                "channel": letter.channel,
                "recipient": letter.reference,
                "file": name,
                "sha256": letter.sha256,
            }
        )
    return entries, files


def _stored_replies(session: Session, case_id: int) -> list[dict[str, Any]]:
    verdicts = {"verified": "verified", "insufficient": "insufficient"}
    return [
        {
            "at": datetime.combine(r.received_on, datetime.min.time(), tzinfo=UTC).isoformat(),
            "answer": r.answer,
            "school_name": r.school_name,
            "school_community": r.school_community,
            "text": r.text or None,
            "verdict": verdicts.get(r.outcome, "pending"),
        }
        for r in letters.list_replies(session, case_id=case_id)
        if r.kind == ReplyKind.ANSWER
    ]


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
    (referral_dir() / name).write_bytes(data)
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
    g = session.get(Gemeente, case.nis_code)
    assert g is not None
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
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral not found")
    if actor.role not in (Role.CELL_OPERATOR, Role.CELL_ADMIN, Role.PARKET_USER):
        raise NotFound("referral not found")
    return referral


def list_referrals(
    session: Session, actor: Actor, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Referral]:
    query = select(Referral).order_by(Referral.id.desc()).limit(min(limit, 1000)).offset(offset)
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


def referral_dict(session: Session, r: Referral) -> dict[str, Any]:
    case = session.get(Case, r.case_id)
    assert case is not None
    nl, fr = OUTCOME_LABELS[Outcome(r.outcome)] if r.outcome else (None, None)
    return {
        "id": r.id,
        "case_id": r.case_id,
        "reference": gemeenten.case_reference(session, case),
        "nis_code": r.nis_code,
        "referred_at": r.referred_at,
        "referred_by": r.referred_by,
        "status": r.status,
        "schema_version": r.schema_version,
        "sha256": r.sha256,
        "outcome": r.outcome,
        "outcome_nl": nl,
        "outcome_fr": fr,
        "outcome_at": r.outcome_at,
        "outcome_by": r.outcome_by,
        "outcome_note": r.outcome_note,
        "case_state": case.state,
    }


def file_problems(session: Session, case: Case) -> list[str]:
    """What the case file would lack (the `parket.file_complete` guard): the data the parket needs
    beyond the procedure steps the case guards check."""
    missing: list[str] = []
    person = session.get(RegisterPerson, case.person_id)
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
