"""The gemeente's pages: the queue of its open assignments, one assignment with the answer forms,
the work list, its notifications and its settings. A gemeente reaches only its own assignments
(service.auth.scope, through the gemeenten service); an assignment that is no longer open shows
its reference and status, never the child."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.api.responses import download
from service.audit import service as audit
from service.auth.policy import Role
from service.core import clock
from service.gemeenten import service as gemeenten
from service.notifications import service as notifications
from service.web import gemeente_forms as forms
from service.web.pages import Page, form_for, page_for, register_home, register_nav
from service.web.tables import TableState

router = APIRouter(include_in_schema=False)
GEMEENTE = "web:gemeente"
register_nav("gemeente.nav.queue", "/gemeente", GEMEENTE)
register_nav("gemeente.nav.notifications", "/gemeente/notifications", GEMEENTE)
register_nav("gemeente.nav.settings", "/gemeente/settings", GEMEENTE)
register_home(Role.GEMEENTE_USER, "/gemeente")

SORTS = {"due_at", "assigned_at", "step"}


def days_left(due: object, today: date) -> int | None:
    """Whole days until the due date (negative: overdue by that many)."""
    if due is None:
        return None
    return (due.date() - today).days  # type: ignore[attr-defined]


def _queue_rows(page: Page, table: TableState) -> tuple[int, list[dict]]:
    step = table.arg("step") or None
    overdue = {"yes": True, "no": False}.get(table.arg("overdue"))
    query = gemeenten.assignments_query(page.actor, status="open", step=step, overdue=overdue)
    found = list(page.db.scalars(query))
    key = {"due_at": lambda a: (a.due_at is None, a.due_at), "assigned_at": lambda a: a.assigned_at}
    found.sort(key=key.get(table.sort, lambda a: (a.step, a.due_at)), reverse=table.descending)
    shown = found[table.offset : table.offset + table.per_page]
    audit.record(page.db, page.actor, "read", "assignment", [a.id for a in shown], "list assignments")
    today = clock.now().date()
    origins = gemeenten.handed_over_origins(page.db, shown)
    rows = [
        {
            "a": gemeenten.assignment_view(page.db, a),
            "days": days_left(a.due_at, today),
            "from": origins.get(a.handed_over_from_id or 0),
        }
        for a in shown
    ]
    return len(found), rows


@router.get("/gemeente", response_class=HTMLResponse)
def queue(page: Page = Depends(page_for(GEMEENTE))) -> Response:
    table = TableState.of(page.request, sortable=SORTS, default_sort="due_at", per_page=50)
    total, rows = _queue_rows(page, table)
    handed = list(page.db.scalars(gemeenten.assignments_query(page.actor, status="handed_over").limit(20)))
    return page.render(
        "gemeente/queue.html",
        table=table.with_total(total),
        rows=rows,
        handed=[gemeenten.assignment_view(page.db, a, with_person=False) for a in handed],
    )


def _assignment_page(page: Page, assignment_id: int, *, errors: object = None, status: int = 200) -> Response:
    a = gemeenten.get_assignment(page.db, page.actor, assignment_id)
    if a.status != "open":
        view = gemeenten.assignment_view(page.db, a, with_person=False)
        return page.render("gemeente/closed.html", a=view, status=status if status != 200 else 200)
    audit.record(page.db, page.actor, "read", "assignment", [a.id], "read assignment")
    view = gemeenten.assignment_view(page.db, a)
    return page.render(
        "gemeente/assignment.html",
        a=view,
        days=days_left(a.due_at, clock.now().date()),
        spec=forms.answer_forms(page, a.step, a.nis_code),
        errors=errors,
        values=page.form if errors else None,
        status=status,
    )


@router.get("/gemeente/assignments/{assignment_id}", response_class=HTMLResponse)
def assignment(assignment_id: int, page: Page = Depends(page_for(GEMEENTE))) -> Response:
    return _assignment_page(page, assignment_id)


@router.post("/gemeente/assignments/{assignment_id}/{kind}", response_class=HTMLResponse)
def answer(assignment_id: int, kind: str, page: Page = Depends(form_for(GEMEENTE))) -> Response:
    """register-check, visit or send-back: the same service call as the API, its refusals shown."""
    errors = forms.submit(page, assignment_id, kind)
    if errors:
        page.db.rollback()
        return _assignment_page(page, assignment_id, errors=errors, status=422)
    return page.redirect("/gemeente", flash=f"gemeente.done.{kind}")


@router.get("/gemeente/worklist.{fmt}")
def worklist(fmt: str, page: Page = Depends(page_for(GEMEENTE))) -> Response:
    """The work list of a round of visits (CSV, or the bilingual PDF), as the API gives it."""
    if fmt not in ("csv", "pdf"):
        return page.render("error.html", status=404, texts={page.lang: page.t("error.not_found")})
    nis = page.actor.nis_code or ""
    rows = gemeenten.worklist_rows(page.db, page.actor, nis)
    audit.record(
        page.db, page.actor, "export", "assignment", [r["assignment_id"] for r in rows], f"work list {fmt}"
    )
    name, data = gemeenten.worklist_file(page.db, nis, rows, fmt)
    return download(data, name)


@router.get("/gemeente/notifications", response_class=HTMLResponse)
def notification_list(page: Page = Depends(page_for(GEMEENTE))) -> Response:
    notes = notifications.read_models(page.db, notifications.for_actor(page.db, page.actor, limit=100))
    return page.render("gemeente/notifications.html", notes=notes, area="gemeente")


@router.post("/gemeente/notifications/{notification_id}/read")
def notification_read(notification_id: int, page: Page = Depends(form_for(GEMEENTE))) -> Response:
    notifications.mark_read(page.db, page.actor, notification_id)
    return page.redirect("/gemeente/notifications", flash="gemeente.done.read")


@router.get("/gemeente/settings", response_class=HTMLResponse)
def settings(page: Page = Depends(page_for(GEMEENTE))) -> Response:
    return forms.settings_page(page, page.actor.nis_code or "", "/gemeente/settings")


@router.post("/gemeente/settings", response_class=HTMLResponse)
def save_settings(page: Page = Depends(form_for(GEMEENTE))) -> Response:
    return forms.save_settings(page, page.actor.nis_code or "", "/gemeente/settings")
