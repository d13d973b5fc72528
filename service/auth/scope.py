"""Organisation scoping: the one place that decides whether an actor may reach an object.

Objects outside an actor's scope are reported as "not found" (404), so a gemeente cannot even learn
that another gemeente's case exists. The rules, by object kind:

- cases: the joint cell sees all; the parket the referred ones; a gemeente a case only through an
  assignment it received, for as long as that assignment is its own (open or answered; withdrawn,
  sent back or handed over, it is gone);
- the procedure's organisation rules (which organisation may fire a transition on a case);
- referrals: the joint cell and the parket;
- everything else a gemeente reaches by its NIS code (`gemeente_filter`, `ensure_gemeente`).

Auth sits below every domain, so it never reads their tables: the gemeenten domain provides the
"cases assigned to a gemeente" query through `provide_assigned_cases` at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, false, true
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.policy import CELL
from service.auth.service import Actor
from service.core.errors import NotFound

SYSTEM_ORG = "SYSTEM"
COMMUNITIES = ("nl", "fr")  # the two communities whose operators own cases

# nis_code -> a SELECT of the ids of the cases currently assigned to that gemeente.
AssignedCases = Callable[[str], Select[Any]]
_assigned_cases: list[AssignedCases] = []


class ScopedCase(Protocol):
    id: int
    nis_code: str
    owner_community: str
    referred_at: datetime | None


class FiredTransition(Protocol):
    name: str
    roles: frozenset[str]
    organisation: str


def provide_assigned_cases(fn: AssignedCases) -> AssignedCases:
    """Register the query of the cases assigned to a gemeente (the gemeenten domain, at start-up)."""
    _assigned_cases[:] = [fn]
    return fn


def _assigned_to(nis_code: str | None) -> Select[Any] | None:
    if not _assigned_cases or nis_code is None:
        return None
    return _assigned_cases[0](nis_code)


def is_system(actor: Actor) -> bool:
    return actor.organisation_code == SYSTEM_ORG


def gemeente_filter(actor: Actor, nis_column: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause restricting a query to what the actor's organisation may see by gemeente."""
    if actor.role == Role.GEMEENTE_USER:
        return nis_column == actor.nis_code
    return true()


def ensure_gemeente(actor: Actor, nis_code: str | None, what: str = "object") -> None:
    """Raise 404 when a gemeente user reaches for another gemeente's data."""
    if actor.role == Role.GEMEENTE_USER and nis_code != actor.nis_code:
        raise NotFound(f"{what} not found")


# -- cases -------------------------------------------------------------------------------------


def case_scope(
    actor: Actor, id_column: ColumnElement[int], referred_column: ColumnElement[Any]
) -> ColumnElement[bool]:
    """The cases an actor may see, as a WHERE clause on the case table's columns."""
    if actor.role == Role.PARKET_USER:
        return referred_column.is_not(None)
    if actor.role == Role.GEMEENTE_USER:
        assigned = _assigned_to(actor.nis_code)
        return id_column.in_(assigned) if assigned is not None else false()
    if actor.role in CELL:
        return true()
    return false()


def ensure_case_visible(session: Session, actor: Actor, case: ScopedCase) -> None:
    """404 for a case outside the actor's scope, so its existence does not leak."""
    if is_system(actor):
        return
    if actor.role == Role.PARKET_USER:
        visible = case.referred_at is not None
    elif actor.role == Role.GEMEENTE_USER:
        assigned = _assigned_to(actor.nis_code)
        visible = assigned is not None and case.id in set(session.scalars(assigned))
    else:  # what other roles may do with a case they reach is the permission's and the workflow's
        visible = True
    if not visible:
        raise NotFound("case not found")


def _organisation_allows(rule: str, case: ScopedCase, actor: Actor) -> bool:
    system = is_system(actor)
    cell = actor.role in CELL
    if rule == "system":
        return system
    if rule == "owner_community":
        return system or (cell and actor.community == case.owner_community)
    if rule == "other_community":
        return system or (cell and actor.community in COMMUNITIES and actor.community != case.owner_community)
    if rule == "cell":
        return system or cell
    if rule == "case_gemeente":
        return actor.role == Role.GEMEENTE_USER and actor.nis_code == case.nis_code
    if rule == "parket":
        return actor.role == Role.PARKET_USER and case.referred_at is not None
    return False  # the workflow loader only admits the rules above


def may_fire(t: FiredTransition, case: ScopedCase, actor: Actor) -> str | None:
    """None when the actor may fire `t` on `case`; otherwise why not (role and organisation rule)."""
    if is_system(actor):
        role_ok = "system" in t.roles or Role.CELL_ADMIN.value in t.roles
    else:
        role_ok = actor.role in t.roles
    if not role_ok:
        return f"role {actor.role} may not fire '{t.name}' (allowed: {', '.join(sorted(t.roles))})"
    rule = t.organisation
    if not _organisation_allows(rule, case, actor):
        return (
            f"'{t.name}' is for the {rule.replace('_', ' ')}; your organisation may not fire it on this case"
        )
    return None


# -- referrals ----------------------------------------------------------------------------------


def referral_scope(actor: Actor) -> ColumnElement[bool]:
    """Referrals are the joint cell's and the parket's; nobody else sees one."""
    return true() if actor.role in CELL or actor.role == Role.PARKET_USER or is_system(actor) else false()


def ensure_referral_visible(actor: Actor) -> None:
    if not (actor.role in CELL or actor.role == Role.PARKET_USER or is_system(actor)):
        raise NotFound("referral not found")


# -- indicators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorView:
    """What an actor may see of the indicators: the cell's detail (unsuppressed, every breakdown)
    or only published figures, and whether they are restricted to one gemeente."""

    detail: bool
    nis_code: str | None


def indicator_view(actor: Actor) -> IndicatorView:
    """Cell roles and auditors see the detail; a gemeente only the published figures of its own
    gemeente; nobody else sees indicators."""
    if actor.role in CELL or actor.role == Role.AUDITOR or is_system(actor):
        return IndicatorView(detail=True, nis_code=None)
    if actor.role == Role.GEMEENTE_USER and actor.nis_code:
        return IndicatorView(detail=False, nis_code=actor.nis_code)
    raise NotFound("indicators not found")
