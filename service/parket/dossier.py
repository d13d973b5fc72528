"""The parket case file's document: everything the parket needs to judge a case, gathered through
each domain's service (cases, ingest, linkage, gemeenten, letters), in Dutch and French.

`collect` returns the JSON document (schema `casefile.SCHEMA_VERSION`) and the letter PDFs it
names; `casefile` turns them into the ZIP.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.service import Case, CaseEvent
from service.cases.workflow import uses
from service.core import clock, reference
from service.core.crypto import cached_keyring
from service.core.errors import NotFound, TandemError
from service.core.school_age import compulsory_period
from service.core.settings import get_settings
from service.gemeenten import service as gemeenten
from service.ingest import service as ingest
from service.letters import service as letters
from service.linkage import service as linkage
from service.parket import casefile

# The timeline steps the dossier reads (checked against the workflow file at start-up).
LETTER_OF_TRANSITION = {"send_letter_1": "letter_1", "send_letter_2": "letter_2"}
REPLY, VERIFIED, INSUFFICIENT, RETURNED_MAIL = (
    "record_reply",
    "verify_reply",
    "reply_insufficient",
    "returned_mail",
)
OTHER_COMMUNITY_SEARCHED = ("cross_check_not_found", "cross_check_expired")
uses(
    __name__,
    transitions=(
        *LETTER_OF_TRANSITION,
        REPLY,
        VERIFIED,
        INSUFFICIENT,
        RETURNED_MAIL,
        *OTHER_COMMUNITY_SEARCHED,
    ),
)

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


def _letters(events: list[CaseEvent]) -> list[dict[str, Any]]:
    out = []
    for e in events:
        if e.kind == "transition" and e.transition in LETTER_OF_TRANSITION:
            p = e.payload or {}
            out.append(
                {
                    "kind": LETTER_OF_TRANSITION[e.transition],
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
        if e.transition == REPLY:
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
        elif e.transition in (VERIFIED, INSUFFICIENT) and replies:
            replies[-1]["verdict"] = "verified" if e.transition == VERIFIED else "insufficient"
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
    run = linkage.find_run(session, run_id=case.run_id) if case.run_id else None
    status = None
    sources: list[dict[str, Any]] = []
    if run is not None:
        status = linkage.child_status(session, run_id=run.id, person_id=case.person_id)
        for b in ingest.batches_by_id(session, batch_ids=run.batch_ids or []):
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
    if transitions.intersection(OTHER_COMMUNITY_SEARCHED):
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


def _compulsory(person: Any, year: Any, referred_at: datetime) -> dict[str, Any] | None:
    if person.birth_date is None:
        return None
    p = compulsory_period(person.birth_date, year.start_age)
    return {
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "days_left": max(p.days_left(referred_at.date()), 0),
    }


def _child(person: Any, year: Any, referred_at: datetime) -> dict[str, Any]:
    home = reference.gemeenten().get(person.nis_code or "")
    return {
        "person_id": person.id,
        "national_number": _decrypt(person.nn_cipher),
        "last_name": person.last_name,
        "first_names": person.first_names,
        "birth_date": _iso(person.birth_date),
        "sex": person.sex,
        "admin_language": person.admin_language if person.admin_language in ("nl", "fr") else None,
        "address": _address(
            person.street, person.house_number, person.box, person.postcode or "", home.name if home else ""
        ),
        "compulsory_period": _compulsory(person, year, referred_at),
    }


def _guardians(person: Any) -> list[dict[str, Any]]:
    return [
        {
            "rank": gd.rank,
            "relation": gd.relation,
            "national_number": _decrypt(gd.nn_cipher),
            "last_name": gd.last_name,
            "first_names": gd.first_names,
            "address": _address(gd.street, gd.house_number, gd.box, gd.postcode, gd.municipality, gd.country),
        }
        for gd in person.guardians
    ]


def _gemeente_part(session: Session, case: Case) -> dict[str, Any]:
    """The gemeente's side: its assignments and the visit report."""
    visit = gemeenten.visit_for(session, case.id)
    steps = [
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
    ]
    return {
        "gemeente_steps": steps,
        "visit": gemeenten.visit_dict(visit) if visit is not None else None,
    }


def _timeline(events: list[CaseEvent]) -> list[dict[str, Any]]:
    return [
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
    ]


def collect(
    session: Session, case: Case, referred_at: datetime, referred_by: str
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The case file's JSON document (schema `casefile.SCHEMA_VERSION`) and the letter PDFs it names.
    The letters as sent come from the letters part; a case moved on without it (an import, a test)
    falls back to its timeline for the dates."""
    settings = get_settings()
    person = ingest.find_person(session, person_id=case.person_id)
    if person is None:
        raise NotFound("register child not found")
    year = ingest.find_school_year(session, school_year_id=case.school_year_id)
    assert year is not None
    g = gemeenten.gemeente(session, case.nis_code)
    events = cases.case_events(session, case_id=case.id)
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
        "child": _child(person, year, referred_at),
        "reported_addresses": gemeenten.reported_addresses(session, case.id),
        "guardians": _guardians(person),
        "linkage": _linkage(session, case, events, year.label),
        "letters": letter_entries or _letters(events),
        "returned_mail": [
            {"at": e.at.isoformat(), "from_state": e.from_state, "reason": e.reason or ""}
            for e in events
            if e.kind == "transition" and e.transition == RETURNED_MAIL
        ],
        "replies": _stored_replies(session, case.id) or _replies(events),
        **_gemeente_part(session, case),
        "timeline": _timeline(events),
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
        if (
            letter.status not in (letters.LetterStatus.POSTED, letters.LetterStatus.RETURNED)
            or letter.posted_at is None
        ):
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
        if r.kind == letters.ReplyKind.ANSWER
    ]
