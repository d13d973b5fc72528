"""Cases: the filtered, sorted, paged list and bulk actions with a dry-run preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from service.audit import service as audit
from service.auth.policy import Role
from service.cases import service as cases
from service.core import clock
from service.core.case_reference import case_id_from, case_reference
from service.core.errors import TandemError
from service.ingest import service as ingest
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_nav
from service.web.tables import TableState

router = APIRouter(include_in_schema=False)
register_nav("nav.cases", "/cases", "web:cell")

PER_PAGE = 50
CELL_ROLES = {Role.CELL_OPERATOR.value, Role.CELL_ADMIN.value}


def _filters(table: TableState, page: Page) -> tuple[cases.CaseFilter, int | None]:
    """The list's filters from the query string; a reference (or case id) narrows to one case."""
    states = [s for s in table.args_of("state") if s in cases.get_workflow().states] or None
    overdue = {"yes": True, "no": False}.get(table.arg("overdue"))
    status = {"open": True, "closed": False}.get(table.arg("status"), None)
    wanted: int | None = None
    if table.arg("reference"):
        try:
            wanted = case_id_from(table.arg("reference"))
        except ValueError:
            wanted = 0
    return (
        cases.CaseFilter(
            state=states,
            nis_code=table.arg("nis_code") or None,
            community=table.arg("community") or None,
            school_year=table.arg("school_year") or None,
            overdue=overdue,
            open=status,
        ),
        wanted,
    )


def bulk_transitions() -> list[str]:
    """Transitions a cell operator may ask for on many cases at once (not those of another path)."""
    wf = cases.get_workflow()
    return [t.name for t in wf.transitions.values() if t.via is None and t.roles & CELL_ROLES]


def _rows(page: Page, found: list[cases.Case]) -> list[dict[str, Any]]:
    people = ingest.people_by_id(page.db, person_ids=[c.person_id for c in found])
    years = ingest.school_year_labels(page.db)
    deadline_states = {n for n, s in cases.get_workflow().states.items() if s.deadline is not None}
    now = clock.now()
    rows = []
    for c in found:
        person = people.get(c.person_id)
        rows.append(
            {
                "case": c,
                "reference": case_reference(years.get(c.school_year_id, "?"), c.id),
                "child": f"{person.last_name}, {person.first_names}" if person else "-",
                "birth_date": person.birth_date if person else None,
                "overdue": c.closed_at is None
                and c.state in deadline_states
                and c.due_at
                and c.due_at <= now,
            }
        )
    return rows


def _list(page: Page, table: TableState) -> tuple[TableState, list[dict[str, Any]], cases.CaseFilter]:
    filters, wanted = _filters(table, page)
    if wanted is not None:  # one case by its reference, within the reader's scope
        try:
            found = [cases.get_case(page.db, wanted, page.actor)]
        except cases.NotFound:
            found = []
        total = len(found)
    else:
        total, found = cases.list_cases(
            page.db,
            page.actor,
            filters,
            limit=table.per_page,
            offset=table.offset,
            sort=table.sort,
            descending=table.descending,
        )
    audit.record(page.db, page.actor, "read", "case", [c.id for c in found], "list cases")
    return table.with_total(total), _rows(page, found), filters


@router.get("/cases", response_class=HTMLResponse)
def case_list(page: Page = Depends(page_for("web:cell"))) -> Response:
    table = TableState.of(
        page.request, sortable=set(cases.SORTABLE), default_sort="due_at", per_page=PER_PAGE
    )
    table, rows, _ = _list(page, table)
    return page.render("cell/cases.html", table=table, rows=rows, **_choices(page))


def _choices(page: Page) -> dict[str, Any]:
    wf = cases.get_workflow()
    return {
        "state_choices": [(s, page.labels.state(s)) for s in wf.states],
        "gemeente_choices": page.labels.gemeenten(),
        "year_choices": [
            (y, y) for y in sorted(set(ingest.school_year_labels(page.db).values()), reverse=True)
        ],
        "bulk_choices": [(n, page.t(f"transition.{n}")) for n in bulk_transitions()],
    }


@router.post("/cases/bulk", response_class=HTMLResponse)
def bulk(page: Page = Depends(form_for("cases:write"))) -> Response:
    """Preview (dry run) or apply one transition on every open case the list's filters match."""
    form = page.form
    query = str(form.get("query", ""))
    table = TableState.of(
        _with_query(page, query), sortable=set(cases.SORTABLE), default_sort="due_at", per_page=PER_PAGE
    )
    filters, _ = _filters(table, page)
    filters.open = True
    transition = str(form.get("transition", ""))
    reason = str(form.get("reason", "")).strip()
    errors = FormErrors()
    if transition not in bulk_transitions():
        errors.add("transition", "form.invalid_choice")
    dry_run = form.get("apply") is None
    result: dict[str, Any] | None = None
    if not errors:
        payload = {"reason": reason} if reason else {}
        try:
            result = cases.bulk_fire(
                page.db, page.actor, filters, transition, payload, reason=reason, dry_run=dry_run
            )
        except TandemError as exc:
            errors.add_refusal("transition", str(exc))
    table, rows, _ = _list(page, table)
    return page.render(
        "cell/cases.html",
        status=422 if errors else 200,
        table=table,
        rows=rows,
        errors=errors,
        values=form,
        bulk_result=result,
        outcomes=[(outcome_label(page, k), n) for k, n in (result or {}).get("outcome", {}).items()],
        **_choices(page),
    )


def outcome_label(page: Page, key: str) -> str:
    """A bulk outcome of the cases service in the reader's language (refusals it words itself as is)."""
    known = {
        "would fire": "cases.outcome_would_fire",
        "fired": "cases.outcome_fired",
        "forbidden": "cases.outcome_forbidden",
    }
    if key in known:
        return page.t(known[key])
    if key.startswith("not possible from "):
        return page.t(
            "cases.outcome_not_possible", state=page.labels.state(key.removeprefix("not possible from "))
        )
    return key


def _with_query(page: Page, query: str) -> Any:
    """The list's request as if its filters (carried by the bulk form) were the query string."""
    scope = dict(page.request.scope)
    scope["path"] = "/cases"
    scope["query_string"] = query.lstrip("?").encode("latin-1", "ignore")
    return Request(scope)
