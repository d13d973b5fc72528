"""The gemeenten API's read models: reference gemeenten, assignments (with the child and the address
to visit while the task is open), visit reports, the overview and the work-list rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, field_serializer

from service.core.readmodels import FromRow, Timestamp


class GemeenteOut(FromRow):
    nis_code: str
    name_nl: str
    name_fr: str
    postcodes: str


class NamesOut(BaseModel):
    name_nl: str
    name_fr: str


class AddressOut(BaseModel):
    street: str
    house_number: str
    box: str
    postcode: str
    municipality: str


class VisitOut(FromRow):
    """A home-visit report (also the case file's `visit`, hence dates as ISO text)."""

    visited_on: date
    nis_code: str
    visitor_kind: str
    family_found: bool
    parents_said: str | None
    school_name: str | None
    remarks: str
    recorded_at: datetime
    recorded_by: str

    @field_serializer("visited_on", "recorded_at")
    def _iso(self, value: date) -> str:
        return value.isoformat()


class ChildOut(BaseModel):
    last_name: str
    first_names: str
    birth_date: date | None
    address: str  # the one to check or visit
    address_source: str  # register / reported
    address_reported_at: Timestamp | None
    guardians: list[str]


class AssignmentOut(BaseModel):
    """An assignment; `child`, `new_address`, `gemeente` and `visit` only while the gemeente has a
    task that needs them (left out of a withdrawn assignment and of an answer's confirmation)."""

    id: int
    case_id: int
    reference: str
    nis_code: str
    step: str
    step_nl: str
    step_fr: str
    status: str
    assigned_at: Timestamp
    due_at: Timestamp | None
    overdue: bool
    reminder_sent_at: Timestamp | None
    answered_at: Timestamp | None
    closed_at: Timestamp | None
    answer: str | None
    new_nis_code: str | None
    reason: str | None
    handed_over_from_id: int | None
    child: ChildOut | None = None
    new_address: AddressOut | None = None
    gemeente: NamesOut | None = None
    visit: VisitOut | None = None


class GemeenteLoadOut(BaseModel):
    nis_code: str
    name_nl: str
    name_fr: str
    open: int
    overdue: int
    reminded: int
    oldest_open_days: int
    mean_open_days: float
    most_overdue_days: int
    answered: int
    returned: int
    withdrawn: int
    handed_over: int


class WorklistRowOut(BaseModel):
    """One line of a work list or an overdue list: the task, the child and the address to visit."""

    assignment_id: int
    case_id: int
    reference: str
    step: str
    assigned_at: Timestamp
    due_at: Timestamp | None
    overdue: bool
    days_overdue: int
    reminder_sent_at: Timestamp | None
    person_id: int
    last_name: str
    first_names: str
    birth_date: date | None
    address: str
    address_source: str
    address_reported: bool
    guardians: list[str]
    handed_over_from: str | None


class SettingsOut(BaseModel):
    nis_code: str
    default_visitor: str | None
    email: str | None


def visit_document(v: Any) -> dict[str, Any]:
    """A visit report as JSON-ready data (the case file's `visit`)."""
    return VisitOut.model_validate(v).model_dump(mode="json")
