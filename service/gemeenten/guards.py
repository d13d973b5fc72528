"""Workflow guards of the gemeente step: what a transition's payload lacks, named (empty: allowed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.cases import service as cases
from service.gemeenten import service
from service.gemeenten.models import Gemeente

Case = cases.Case


def visit_report_complete(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """`record_visit` needs a full report: a date after the case was opened and the child was born
    (and not in the future), family found or not, what the parents said."""
    return service.case_visit_problems(session, case, payload or {})


def new_gemeente_valid(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """`register_check_moved_within_brussels`: a Brussels gemeente other than the case's current one,
    and the family's full address there (`new_address`), which the new gemeente will check and visit
    instead of the register extract's old one."""
    payload = payload or {}
    new_nis = payload.get("new_nis_code")
    problems: list[str] = []
    if not new_nis:
        problems.append("new_nis_code (the gemeente the family moved to) is required")
    elif session.get(Gemeente, str(new_nis)) is None:
        problems.append("new_nis_code is not one of the 19 Brussels gemeenten")
        new_nis = None
    elif str(new_nis) == case.nis_code:
        problems.append("new_nis_code is the case's current gemeente")
    return problems + service.address_problems(payload.get("new_address"), str(new_nis) if new_nis else None)


def reassign_target_valid(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    """`reassign_gemeente`: the cell may name another gemeente (optional), which must exist."""
    new_nis = (payload or {}).get("new_nis_code")
    if not new_nis:
        return []
    if session.get(Gemeente, str(new_nis)) is None:
        return ["new_nis_code is not one of the 19 Brussels gemeenten"]
    if str(new_nis) == case.nis_code:
        return ["new_nis_code is the case's current gemeente (leave it out to reassign to the same gemeente)"]
    return []


def send_back_reason_valid(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    code = (payload or {}).get("reason_code")
    if code is not None and code not in service.SEND_BACK_REASONS:
        return [f"reason_code must be one of {', '.join(service.SEND_BACK_REASONS)}"]
    return []
