"""Workflow guards of the parket step: what the case file would lack, named (empty: allowed).

The procedure itself (both letters or a returned-mail record, the visit, the age margin) is
checked by the case guards on the timeline; this guard checks the content the parket needs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.cases.service import Case
from service.parket import service


def file_complete(session: Session, case: Case, payload: dict[str, Any]) -> list[str]:
    return service.file_problems(session, case)
