"""What a gemeente's answer must hold before it is recorded: the new address of a move within
Brussels, and a home-visit report. Problems name fields (and the gemeente's own postcodes), never
the values given."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from service.core import clock, reference
from service.core.labels import fmt_date
from service.gemeenten.models import ParentsSaid, VisitorKind

ADDRESS_FIELDS = ("street", "house_number", "box", "postcode")
_ADDRESS_MAX = {"street": 160, "house_number": 20, "box": 20}


def _text(value: Any) -> str | None:
    """A field as stripped text (a JSON payload may carry a house number as a number); None: not text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def address_problems(address: Any, nis_code: str | None) -> list[str]:
    """What the new address of a move within Brussels lacks or gets wrong, for gemeente `nis_code`."""
    if not isinstance(address, dict):
        return ["new_address must be an object with street, house_number, box and postcode"]
    problems: list[str] = []
    if set(address) - set(ADDRESS_FIELDS):
        problems.append("new_address takes only street, house_number, box and postcode")
    for field in ADDRESS_FIELDS:
        value = address.get(field)
        text = _text(value)
        if value is not None and text is None:
            problems.append(f"new_address.{field} must be text")
        elif not text and field != "box":
            problems.append(f"new_address.{field} is required")
        elif text and field in _ADDRESS_MAX and len(text) > _ADDRESS_MAX[field]:
            problems.append(f"new_address.{field} is longer than {_ADDRESS_MAX[field]} characters")
    postcode = _text(address.get("postcode"))
    ref = reference.gemeenten().get(nis_code or "")
    if postcode and not (len(postcode) == 4 and postcode.isdigit()):
        problems.append("new_address.postcode must be a Belgian postcode of 4 digits")
    elif postcode and ref is not None and postcode not in ref.postcodes:
        problems.append(
            f"new_address.postcode is not a postcode of new_nis_code {ref.nis_code} "
            f"({ref.name}: {', '.join(ref.postcodes)})"
        )
    return problems


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
        return ["visited_on (date of the visit) is required"]
    try:
        day = as_date(value)
    except ValueError:
        return ["visited_on is not a date (YYYY-MM-DD)"]
    if day > clock.now().date():
        return ["visited_on lies in the future"]
    if born_on is not None and day < born_on:
        return ["visited_on lies before the child's birth date"]
    if opened_on is not None and day < opened_on:
        return [f"visited_on lies before the case was opened ({fmt_date(opened_on)})"]
    return []


def visit_problems(
    payload: dict[str, Any], *, opened_on: date | None = None, born_on: date | None = None
) -> list[str]:
    """What a visit report lacks or gets wrong. `opened_on` (the case's opening day) and `born_on`
    (the child's birth date) bound the visit date from below when known."""
    problems = _visit_date_problems(payload.get("visited_on"), opened_on, born_on)
    kind = payload.get("visitor_kind")
    if kind is not None and kind not in {v.value for v in VisitorKind}:
        problems.append(f"visitor_kind must be one of {', '.join(v.value for v in VisitorKind)}")
    if not isinstance(payload.get("family_found"), bool):
        problems.append("family_found (true or false) is required")
    said = payload.get("parents_said")
    choices = {p.value for p in ParentsSaid}
    if payload.get("family_found") is True:
        if said not in choices:
            problems.append(f"parents_said must be one of {', '.join(p.value for p in ParentsSaid)}")
        elif said == ParentsSaid.ENROLLED and not payload.get("school_name"):
            problems.append("school_name is required when the parents say the child is enrolled")
        elif said == ParentsSaid.OTHER and not payload.get("remarks"):
            problems.append("remarks are required when the parents' answer is 'other'")
    elif said is not None and said not in choices:
        problems.append(f"parents_said must be one of {', '.join(p.value for p in ParentsSaid)}")
    return problems
