"""What a letter says, built from the register: recipients, addresses, sender, dates.

Kept free of the database session so the same code serves previews, batches and the benchmark.
One letter goes to each address: guardians who live together get one letter addressed to both,
guardians who live apart each get their own at their own address.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from service.core.case_reference import case_reference
from service.core.reference import gemeenten
from service.core.settings import Settings, get_settings


class Guardian(Protocol):
    """A guardian as the register extract gives it (what a letter reads of it)."""

    id: int
    rank: int
    relation: str
    first_names: str
    last_name: str
    street: str
    house_number: str
    box: str
    postcode: str
    municipality: str
    country: str


class RegisterPerson(Protocol):
    """A child's register row as a letter reads it (the ingest domain's row satisfies it)."""

    first_names: str
    last_name: str
    birth_date: date | None
    sex: str | None
    nis_code: str
    postcode: str | None
    street: str
    house_number: str
    box: str
    admin_language: str | None

    @property
    def guardians(self) -> Sequence[Guardian]: ...


# Country of a guardian living abroad: the last address line, in capitals, in French (the
# language of the Universal Postal Union). Codes not listed are printed as given.
COUNTRIES = {
    "NL": "PAYS-BAS",
    "FR": "FRANCE",
    "DE": "ALLEMAGNE",
    "LU": "LUXEMBOURG",
    "GB": "ROYAUME-UNI",
    "ES": "ESPAGNE",
    "IT": "ITALIE",
    "PT": "PORTUGAL",
    "PL": "POLOGNE",
    "RO": "ROUMANIE",
    "BG": "BULGARIE",
    "TR": "TURQUIE",
    "MA": "MAROC",
    "DZ": "ALGÉRIE",
    "TN": "TUNISIE",
    "CD": "RÉPUBLIQUE DÉMOCRATIQUE DU CONGO",
    "GR": "GRÈCE",
    "IE": "IRLANDE",
    "CH": "SUISSE",
    "SY": "SYRIE",
    "UA": "UKRAINE",
    "US": "ÉTATS-UNIS",
}
HANDLERS = {"nl": "agodi", "fr": "scos"}


@dataclass(frozen=True)
class Recipient:
    """One envelope: the names on it, its address lines, the guardians it is for."""

    no: int  # 1, 2...: letter A, B... of the case for this step
    names: tuple[str, ...]
    address_lines: tuple[str, ...]
    guardian_ids: tuple[int, ...]
    country: str = "BE"

    @property
    def suffix(self) -> str:
        return chr(ord("A") + self.no - 1)


@dataclass(frozen=True)
class CaseInfo:
    """The few facts about a case a letter needs (decoupled from the case engine's model)."""

    case_id: int
    school_year: str  # 2025-2026
    owner_community: str | None  # nl / fr

    @property
    def reference(self) -> str:
        return case_reference(self.school_year, self.case_id)


def letter_reference(case_ref: str, kind: str, recipient: Recipient) -> str:
    """Unique for a case, step and envelope: `2025-2026/000123-1A` (letter 1, first envelope)."""
    return f"{case_ref}-{kind.rsplit('_', 1)[-1]}{recipient.suffix}"


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().replace(".", " ").replace(",", " ").split())


def _full_name(first: str, last: str) -> str:
    return " ".join(part for part in (first.strip(), last.strip()) if part)


def _street_line(street: str, number: str, box: str) -> str:
    line = " ".join(part for part in (street.strip(), number.strip()) if part)
    return f"{line} bus/bte {box.strip()}" if box.strip() else line


def lang_order(person: RegisterPerson, owner_community: str | None) -> str:
    """The family's administrative language comes first; both versions are complete either way."""
    first = person.admin_language or owner_community or "nl"
    return "fr-first" if first == "fr" else "nl-first"


def _child_address(person: RegisterPerson, owner_community: str | None) -> tuple[str, ...]:
    ref = gemeenten().get(person.nis_code)
    place = ""
    if ref is not None:
        place = ref.name_fr if lang_order(person, owner_community) == "fr-first" else ref.name_nl
    return (
        _street_line(person.street, person.house_number, person.box),
        " ".join(p for p in ((person.postcode or "").strip(), place) if p),
    )


def _guardian_address(g: Guardian) -> tuple[tuple[str, ...], str]:
    lines = [
        _street_line(g.street, g.house_number, g.box),
        " ".join(p for p in (g.postcode.strip(), g.municipality.strip()) if p),
    ]
    country = (g.country or "BE").strip().upper() or "BE"
    if country != "BE":
        lines.append(COUNTRIES.get(country, country))
    return tuple(lines), country


def _address_key(lines: tuple[str, ...], postcode: str, country: str) -> tuple[str, str, str]:
    # the municipality is left out: one address can be written "Brussel" or "Bruxelles"
    return (_norm(lines[0]), _norm(postcode), country)


def recipients_for(person: RegisterPerson, owner_community: str | None = None) -> list[Recipient]:
    """One recipient per distinct address among the child's guardians (in the register's order).

    A guardian without an address of their own lives with the child. A child without a named
    guardian gets one letter to "the parents of" the child at the child's address.
    """
    child_lines = _child_address(person, owner_community)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for g in sorted(person.guardians, key=lambda g: g.rank):
        name = _full_name(g.first_names, g.last_name)
        if not name:
            continue
        if g.street.strip():
            lines, country = _guardian_address(g)
            key = _address_key(lines, g.postcode, country)
        else:
            lines, country = child_lines, "BE"
            key = _address_key(lines, person.postcode or "", country)
        group = groups.setdefault(key, {"names": [], "ids": [], "lines": lines, "country": country})
        if name not in group["names"]:
            group["names"].append(name)
        group["ids"].append(g.id)
    if not groups:
        child = _full_name(person.first_names, person.last_name)
        to_parents = "Aan de ouders van – Aux parents de"
        if lang_order(person, owner_community) == "fr-first":
            to_parents = "Aux parents de – Aan de ouders van"
        return [Recipient(1, (to_parents, child), child_lines, ())]
    return [
        Recipient(i, tuple(g["names"]), tuple(g["lines"]), tuple(g["ids"]), g["country"])
        for i, g in enumerate(groups.values(), start=1)
    ]


def _handler(settings: Settings, owner_community: str | None) -> dict[str, Any]:
    """The office handling the case: AGODI for Dutch-speaking cases, SCOS for French-speaking ones.

    Contact settings read `Name, street, postcode place - e-mail - phone`; the postal part is what
    goes on the reply form's return address.
    """
    code = HANDLERS.get(owner_community or "", "agodi")
    contact = settings.agodi_contact if code == "agodi" else settings.scos_contact
    postal = contact.split(" - ")[0].strip()
    lines = [part.strip() for part in postal.split(",") if part.strip()]
    return {
        "code": code.upper(),
        "contact": contact,
        "postal": postal,
        "postal_lines": lines,
        "return_line": " · ".join(lines),
    }


def letter_context(
    *,
    kind: str,
    case: CaseInfo,
    person: RegisterPerson,
    recipient: Recipient,
    separate: bool,
    letter_date: date,
    reply_days: int,
    channel: str,
    previous_letter_date: date | None = None,
    preview: bool = False,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The variables of one letter, as declared in letters/letters.yaml."""
    settings = settings or get_settings()
    ref = gemeenten().get(person.nis_code)
    context: dict[str, Any] = {
        "sender": {
            "name_nl": settings.cell_name_nl,
            "name_fr": settings.cell_name_fr,
            "agodi_contact": settings.agodi_contact,
            "scos_contact": settings.scos_contact,
        },
        "handler": _handler(settings, case.owner_community),
        "letter": {
            "kind": kind,
            "reference": letter_reference(case.reference, kind, recipient),
            "date": letter_date,
            "deadline": letter_date + timedelta(days=reply_days),
            "reply_days": reply_days,
            "channel": channel,
        },
        "case": {"reference": case.reference},
        "recipient": {
            "names": list(recipient.names),
            "address_lines": [line for line in recipient.address_lines if line],
            "separate": separate,
        },
        "child": {
            "first_names": person.first_names,
            "last_name": person.last_name,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "gemeente_nl": ref.name_nl if ref else None,
            "gemeente_fr": ref.name_fr if ref else None,
        },
        "school_year": case.school_year,
        "lang_order": lang_order(person, case.owner_community),
        "preview": preview,
    }
    if previous_letter_date is not None:
        context["previous_letter"] = {"date": previous_letter_date}
    return context
