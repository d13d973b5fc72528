"""What a gemeente's answer must hold before it is recorded: the new address of a move within
Brussels, and a home-visit report. Problems name fields (and the gemeente's own postcodes), never
the values given."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from service.core import clock, reference
from service.core.errors import Problem
from service.core.labels import fmt_date
from service.core.labels import fr as label_fr
from service.core.labels import nl as label_nl
from service.gemeenten.models import ParentsSaid, VisitorKind

ADDRESS_FIELDS = ("street", "house_number", "box", "postcode")
_ADDRESS_MAX = {"street": 160, "house_number": 20, "box": 20}
# how each address field is called on the pages (nl, fr)
_FIELD_NAMES = {
    "street": ("straat", "rue"),
    "house_number": ("huisnummer", "numéro"),
    "box": ("bus", "boîte"),
    "postcode": ("postcode", "code postal"),
}


def _text(value: Any) -> str | None:
    """A field as stripped text (a JSON payload may carry a house number as a number); None: not text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def address_problems(address: Any, nis_code: str | None) -> list[str]:
    """What the new address of a move within Brussels lacks or gets wrong, for gemeente `nis_code`."""
    if not isinstance(address, dict):
        return [
            Problem(
                "new_address must be an object with street, house_number, box and postcode",
                nl="Geef het nieuwe adres op: straat, huisnummer, bus en postcode.",
                fr="Indiquez la nouvelle adresse : rue, numéro, boîte et code postal.",
            )
        ]
    problems: list[str] = []
    if set(address) - set(ADDRESS_FIELDS):
        problems.append(
            Problem(
                "new_address takes only street, house_number, box and postcode",
                nl="Het nieuwe adres bestaat enkel uit straat, huisnummer, bus en postcode.",
                fr="La nouvelle adresse comprend seulement rue, numéro, boîte et code postal.",
            )
        )
    for field in ADDRESS_FIELDS:
        problem = _field_problem(field, address.get(field))
        if problem is not None:
            problems.append(problem)
    postcode = _text(address.get("postcode"))
    ref = reference.gemeenten().get(nis_code or "")
    if postcode and not (len(postcode) == 4 and postcode.isdigit()):
        problems.append(
            Problem(
                "new_address.postcode must be a Belgian postcode of 4 digits",
                nl="De postcode moet een Belgische postcode van 4 cijfers zijn.",
                fr="Le code postal doit être un code postal belge de 4 chiffres.",
            )
        )
    elif postcode and ref is not None and postcode not in ref.postcodes:
        codes = ", ".join(ref.postcodes)
        problems.append(
            Problem(
                f"new_address.postcode is not a postcode of new_nis_code {ref.nis_code} "
                f"({ref.name}: {codes})",
                nl=f"Deze postcode hoort niet bij {ref.name_nl} (postcodes: {codes}).",
                fr=f"Ce code postal n'appartient pas à {ref.name_fr} (codes postaux : {codes}).",
            )
        )
    return problems


def _field_problem(field: str, value: Any) -> Problem | None:
    """What is wrong with one field of the new address (its name only, never its value)."""
    text = _text(value)
    name_nl, name_fr = _FIELD_NAMES[field]
    if value is not None and text is None:
        return Problem(
            f"new_address.{field} must be text",
            nl=f"De {name_nl} moet tekst zijn.",
            fr=f"Le champ « {name_fr} » doit être du texte.",
        )
    if not text and field != "box":
        return Problem(
            f"new_address.{field} is required",
            nl=f"Vul de {name_nl} van het nieuwe adres in.",
            fr=f"Indiquez le champ « {name_fr} » de la nouvelle adresse.",
        )
    if text and field in _ADDRESS_MAX and len(text) > _ADDRESS_MAX[field]:
        most = _ADDRESS_MAX[field]
        return Problem(
            f"new_address.{field} is longer than {most} characters",
            nl=f"De {name_nl} mag hoogstens {most} tekens tellen.",
            fr=f"Le champ « {name_fr} » compte au plus {most} caractères.",
        )
    return None


def clean_address(address: dict[str, Any]) -> dict[str, str]:
    """The four fields of a valid new address as stored (stripped text; no box is "")."""
    return {field: _text(address.get(field)) or "" for field in ADDRESS_FIELDS}


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _visit_date_problems(value: Any, opened_on: date | None, born_on: date | None) -> list[str]:
    """A visit happens after the case was opened and after the child was born, and not in the future."""
    if not value:
        return [
            Problem(
                "visited_on (date of the visit) is required",
                nl="Vul de datum van het huisbezoek in.",
                fr="Indiquez la date de la visite.",
            )
        ]
    try:
        day = as_date(value)
    except ValueError:
        return [
            Problem(
                "visited_on is not a date (YYYY-MM-DD)",
                nl="De datum van het huisbezoek is geen geldige datum.",
                fr="La date de la visite n'est pas une date valable.",
            )
        ]
    if day > clock.now().date():
        return [
            Problem(
                "visited_on lies in the future",
                nl="De datum van het huisbezoek ligt in de toekomst.",
                fr="La date de la visite se situe dans le futur.",
            )
        ]
    if born_on is not None and day < born_on:
        return [
            Problem(
                "visited_on lies before the child's birth date",
                nl="De datum van het huisbezoek ligt vóór de geboortedatum van het kind.",
                fr="La date de la visite précède la date de naissance de l'enfant.",
            )
        ]
    if opened_on is not None and day < opened_on:
        opened = fmt_date(opened_on)
        return [
            Problem(
                f"visited_on lies before the case was opened ({opened})",
                nl=f"De datum van het huisbezoek ligt vóór de opening van het dossier ({opened}).",
                fr=f"La date de la visite précède l'ouverture du dossier ({opened}).",
            )
        ]
    return []


def _one_of(field: str, values: list[str], what_nl: str, what_fr: str) -> Problem:
    """A choice outside the allowed values, with the choices named in each language."""
    return Problem(
        f"{field} must be one of {', '.join(values)}",
        nl=f"Kies {what_nl}: {', '.join(label_nl(v) for v in values)}.",
        fr=f"Choisissez {what_fr} : {', '.join(label_fr(v) for v in values)}.",
    )


def visit_problems(
    payload: dict[str, Any], *, opened_on: date | None = None, born_on: date | None = None
) -> list[str]:
    """What a visit report lacks or gets wrong. `opened_on` (the case's opening day) and `born_on`
    (the child's birth date) bound the visit date from below when known."""
    problems = _visit_date_problems(payload.get("visited_on"), opened_on, born_on)
    kind = payload.get("visitor_kind")
    if kind is not None and kind not in {v.value for v in VisitorKind}:
        problems.append(
            _one_of(
                "visitor_kind",
                [v.value for v in VisitorKind],
                "wie het bezoek aflegde",
                "qui a fait la visite",
            )
        )
    if not isinstance(payload.get("family_found"), bool):
        problems.append(
            Problem(
                "family_found (true or false) is required",
                nl="Geef aan of het gezin werd aangetroffen.",
                fr="Indiquez si la famille a été trouvée.",
            )
        )
    said = payload.get("parents_said")
    choices = [p.value for p in ParentsSaid]
    said_of = ("parents_said", choices, "wat de ouders zeiden", "ce que les parents ont dit")
    if payload.get("family_found") is True:
        if said not in choices:
            problems.append(_one_of(*said_of))
        elif said == ParentsSaid.ENROLLED and not payload.get("school_name"):
            problems.append(
                Problem(
                    "school_name is required when the parents say the child is enrolled",
                    nl="Vul de naam van de school in: de ouders zeggen dat het kind ingeschreven is.",
                    fr="Indiquez le nom de l'école : les parents disent que l'enfant est inscrit.",
                )
            )
        elif said == ParentsSaid.OTHER and not payload.get("remarks"):
            problems.append(
                Problem(
                    "remarks are required when the parents' answer is 'other'",
                    nl="Licht het antwoord 'andere' van de ouders toe in de opmerkingen.",
                    fr="Précisez dans les remarques la réponse « autre » des parents.",
                )
            )
    elif said is not None and said not in choices:
        problems.append(_one_of(*said_of))
    return problems
