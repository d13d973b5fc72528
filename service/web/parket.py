"""The parket's web pages: referred cases only (service.auth.scope), each with its complete file
(the bilingual dossier, the letters as sent, the visit report), the case-file ZIP and its check,
the outcome form and the history of what the parket decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.api.responses import download
from service.audit import service as audit
from service.auth.policy import Role
from service.core import clock
from service.core.errors import TandemError
from service.notifications import service as notifications
from service.parket import service
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_home, register_nav
from service.web.tables import TableState

router = APIRouter(include_in_schema=False)
PARKET = "web:parket"
register_nav("parket.nav.referrals", "/parket", PARKET)
register_nav("parket.nav.notifications", "/parket/notifications", PARKET)
register_home(Role.PARKET_USER, "/parket")
STATUSES = ("referred", "returned", "decided", "withdrawn")


@dataclass(frozen=True)
class ReferralRow:
    """A referral as the parket's pages show it (no personal data: the case reference only)."""

    id: int
    case_id: int
    reference: str
    nis_code: str | None
    referred_at: datetime
    referred_by: str
    status: str
    sha256: str
    decision_due_at: datetime | None
    compulsory_ends_on: date | None

    @classmethod
    def of(cls, page: Page, r: Any) -> ReferralRow:
        reference, _state = service.referral_reference(page.db, r)
        due, ends = service.referral_deadlines(page.db, r)
        return cls(
            r.id,
            r.case_id,
            reference,
            r.nis_code,
            r.referred_at,
            r.referred_by,
            r.status,
            r.sha256,
            due,
            ends,
        )


def _days(due: object, today: date) -> int | None:
    return None if due is None else (due.date() - today).days  # type: ignore[attr-defined]


@router.get("/parket", response_class=HTMLResponse)
def referrals(page: Page = Depends(page_for(PARKET))) -> Response:
    table = TableState.of(page.request, sortable={"referred_at", "due"}, default_sort="due", per_page=50)
    status = table.arg("status") if table.arg("status") in STATUSES else None
    found = [ReferralRow.of(page, r) for r in service.list_referrals(page.db, page.actor, status, limit=1000)]
    if table.sort == "due":
        found.sort(key=lambda r: (r.decision_due_at is None, r.decision_due_at), reverse=table.descending)
    else:
        found.sort(key=lambda r: r.referred_at, reverse=table.descending)
    shown = found[table.offset : table.offset + table.per_page]
    audit.record(page.db, page.actor, "read", "referral", [r.id for r in shown], "list referrals")
    today = clock.now().date()
    rows = [{"r": r, "days": _days(r.decision_due_at, today)} for r in shown]
    return page.render(
        "parket/referrals.html", table=table.with_total(len(found)), rows=rows, statuses=STATUSES
    )


def _outcome_label(page: Page, outcome: str | None) -> str:
    if not outcome:
        return "-"
    nl, fr = service.OUTCOME_LABELS[service.Outcome(outcome)]
    return fr if page.lang == "fr" else nl


def _referral_page(page: Page, r: Any, *, errors: FormErrors | None = None) -> Response:
    audit.record(page.db, page.actor, "read", "referral", [r.id], "read referral")
    row = ReferralRow.of(page, r)
    doc = service.case_file_document(r)
    history = service.referral_history(page.db, page.actor, r.id)
    outcomes = [(o, _outcome_label(page, o)) for o in service.outcome_choices()]
    return page.render(
        "parket/referral.html",
        r=row,
        doc=doc,
        files=service.case_file_members(r),
        problems=service.case_file_check(r),
        history=[(h, _outcome_label(page, h.outcome)) for h in history],
        outcomes=outcomes,
        days=_days(row.decision_due_at, clock.now().date()),
        errors=errors,
        values=page.form if errors else None,
        status=422 if errors else 200,
    )


@router.get("/parket/referrals/{referral_id}", response_class=HTMLResponse)
def referral(referral_id: int, page: Page = Depends(page_for(PARKET))) -> Response:
    return _referral_page(page, service.get_referral(page.db, page.actor, referral_id))


@router.post("/parket/referrals/{referral_id}/outcome", response_class=HTMLResponse)
def record_outcome(referral_id: int, page: Page = Depends(form_for(PARKET))) -> Response:
    r = service.get_referral(page.db, page.actor, referral_id)
    outcome = str(page.form.get("outcome", "")).strip()
    note = str(page.form.get("note", "")).strip()
    errors = FormErrors()
    if outcome not in service.outcome_choices():
        errors.add("outcome", "form.invalid_choice")
    else:
        try:
            service.decide(page.db, page.actor, referral_id, outcome, note)
        except TandemError as exc:
            if exc.status == 404:
                raise
            errors.add_refusal("note" if str(exc).startswith("note") else "outcome", str(exc))
    if errors:
        page.db.rollback()
        return _referral_page(page, service.get_referral(page.db, page.actor, r.id), errors=errors)
    flash = "parket.done.returned" if outcome == service.Outcome.RETURNED else "parket.done.decided"
    return page.redirect(f"/parket/referrals/{referral_id}", flash=flash)


@router.get("/parket/referrals/{referral_id}/case-file.zip")
def case_file(referral_id: int, page: Page = Depends(page_for(PARKET))) -> Response:
    r = service.get_referral(page.db, page.actor, referral_id)
    data = service.zip_bytes(r)
    audit.record(page.db, page.actor, "export", "referral", [r.id], "download case file")
    return download(data, f"case-file-{r.case_id}-{r.id}.zip", headers={"X-Content-SHA256": r.sha256})


@router.get("/parket/referrals/{referral_id}/files/{path:path}")
def case_file_member(referral_id: int, path: str, page: Page = Depends(page_for(PARKET))) -> Response:
    """One file of the case file: the dossier PDF, a letter as sent (PDFs shown in the browser)."""
    r = service.get_referral(page.db, page.actor, referral_id)
    data = service.case_file_member(r, path)
    audit.record(page.db, page.actor, "export", "referral", [r.id], "download case file")
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".pdf"):
        return download(data, name, inline=True)
    return Response(
        data, media_type="application/json" if name.endswith(".json") else "application/octet-stream"
    )


@router.get("/parket/notifications", response_class=HTMLResponse)
def notification_list(page: Page = Depends(page_for(PARKET))) -> Response:
    notes = notifications.read_models(page.db, notifications.for_actor(page.db, page.actor, limit=100))
    return page.render("gemeente/notifications.html", notes=notes, area="parket")


@router.post("/parket/notifications/{notification_id}/read")
def notification_read(notification_id: int, page: Page = Depends(form_for(PARKET))) -> Response:
    notifications.mark_read(page.db, page.actor, notification_id)
    return page.redirect("/parket/notifications", flash="gemeente.done.read")
