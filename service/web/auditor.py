"""The auditor's pages (and the cell administrator's): search the audit trail with paging, and the
report for one child (who consulted or changed what, and why) with its bilingual PDF."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.api.responses import download
from service.audit import service as audit
from service.auth.policy import Role
from service.core.errors import TandemError
from service.core.labels import BRUSSELS
from service.web.forms import FormErrors
from service.web.pages import Page, page_for, register_home, register_nav
from service.web.tables import TableState

router = APIRouter(include_in_schema=False)
AUDIT = "web:audit"
register_nav("auditor.nav.search", "/audit", AUDIT)
register_nav("auditor.nav.integrity", "/audit/integrity", AUDIT)
register_home(Role.AUDITOR, "/audit")
INTS = ("child", "case")


def _day(text: str, *, end: bool = False) -> datetime | None:
    """A date field as the start (or, with `end`, the end) of that day in Brussels, in UTC."""
    if not text:
        return None
    day = datetime.fromisoformat(text).date()
    moment = datetime.combine(day, time.max if end else time.min, tzinfo=BRUSSELS)
    return moment.astimezone(UTC)


def _query(table: TableState, errors: FormErrors) -> audit.AuditQuery | None:
    values: dict[str, object] = {}
    for name in INTS:
        raw = table.arg(name)
        if raw and not (raw.isdigit() and 0 < int(raw) < 2**63):
            errors.add(name, "auditor.search.bad_id")
        values[f"{name}_id"] = int(raw) if raw.isdigit() and int(raw) < 2**63 else None
    for name, end in (("since", False), ("until", True)):
        try:
            values[name] = _day(table.arg(name), end=end)
        except ValueError:
            errors.add(name, "form.invalid_date")
    if errors:
        return None
    return audit.AuditQuery(
        who=table.arg("who") or None,
        action=table.arg("action") or None,
        entity=table.arg("entity") or None,
        purpose=table.arg("purpose") or None,
        limit=table.per_page,
        offset=table.offset,
        **values,  # type: ignore[arg-type]
    )


@router.get("/audit", response_class=HTMLResponse)
def search(page: Page = Depends(page_for(AUDIT))) -> Response:
    table = TableState.of(page.request, sortable={"at"}, default_sort="at", descending=True, per_page=50)
    errors = FormErrors()
    query = _query(table, errors)
    found = None
    if query is not None:
        try:
            found = audit.search(page.db, query)
        except TandemError as exc:
            errors.add_refusal("until", str(exc))
    lang = 1 if page.lang == "fr" else 0
    labels = {
        "action": {a: audit.action_label(a)[lang] for a in audit.actions(page.db)},
        "entity": {e: audit.entity_label(e)[lang] for e in audit.entities(page.db)},
    }
    return page.render(
        "auditor/search.html",
        table=table.with_total(found.total if found else 0),
        events=found.items if found else [],
        labels=labels,
        purpose=lambda text: audit.purpose_label(text)[lang],
        errors=errors or None,
        values=dict(table.args),
        status=422 if errors else 200,
    )


@router.get("/audit/integrity", response_class=HTMLResponse)
def integrity(page: Page = Depends(page_for(AUDIT))) -> Response:
    """The hash chain walked now: whether every event still matches, and the head to keep."""
    report = audit.verify_chain(page.db)
    return page.render("auditor/integrity.html", report=report)


@router.get("/audit/child")
def child_lookup(child_id: str = "", page: Page = Depends(page_for(AUDIT))) -> Response:
    """The report form's target: the child's report page (a number, else back to the search)."""
    if child_id.isdigit() and 0 < int(child_id) < 2**63:
        return RedirectResponse(f"/audit/children/{int(child_id)}", status_code=303)
    return RedirectResponse("/audit", status_code=303)


@router.get("/audit/children/{child_id}", response_class=HTMLResponse)
def child_report(child_id: int, page: Page = Depends(page_for(AUDIT))) -> Response:
    report = audit.consult_report(page.db, page.actor, child_id)
    return page.render("auditor/child.html", report=report)


@router.get("/audit/children/{child_id}/report.pdf")
def child_report_pdf(child_id: int, first: str = "nl", page: Page = Depends(page_for(AUDIT))) -> Response:
    report = audit.consult_report(page.db, page.actor, child_id, action="export")
    data = audit.report_pdf(report, first=first if first in ("nl", "fr") else "nl")
    return download(data, f"audit-child-{child_id}.pdf")
