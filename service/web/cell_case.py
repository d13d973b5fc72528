"""The case page: child and guardians (an audited read), timeline, letters, assignments, referral,
and the transitions this user may fire, as forms generated from the workflow's payload rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.audit import service as audit
from service.cases import service as cases
from service.core.case_reference import case_reference
from service.core.errors import TandemError
from service.gemeenten import service as gemeenten
from service.ingest import service as ingest
from service.letters import service as letters
from service.parket import service as parket
from service.web.forms import FormErrors
from service.web.i18n import catalogues
from service.web.pages import Page, form_for, page_for
from service.web.workflow_forms import place_refusal, read_payload, transition_form

router = APIRouter(include_in_schema=False)


def _timeline(page: Page, case_id: int) -> list[dict[str, Any]]:
    items = []
    for e in reversed(cases.timeline(page.db, case_id)):
        if e.transition:
            title = page.t(f"transition.{e.transition}")
        else:
            title = (
                page.t(f"event.{e.kind}") if f"event.{e.kind}" in catalogues().texts[page.lang] else e.kind
            )
        if e.to_state and e.to_state != e.from_state:
            title = f"{title} → {page.labels.state(e.to_state)}"
        by = f"{e.actor} ({e.actor_org})" if e.actor_org else e.actor
        items.append({"title": title, "at": e.at, "by": by, "body": e.reason})
    return items


def _case_view(page: Page, case: cases.Case, **extra: Any) -> dict[str, Any]:
    """Everything the case page shows; the read of the child and guardians is audited."""
    audit.record(page.db, page.actor, "read", "case", [case.id], "read case with timeline")
    year = ingest.school_year_labels(page.db).get(case.school_year_id, "?")
    available = cases.available_transitions(case, page.actor)
    wf = cases.get_workflow()
    direct = [n for n in available if wf.transitions[n].via is None]
    found_letters = letters.list_letters(page.db, case_id=case.id)
    return {
        "case": case,
        "reference": case_reference(year, case.id),
        "school_year": year,
        "person": ingest.find_person(page.db, person_id=case.person_id),
        "timeline": _timeline(page, case.id),
        "letters": found_letters,
        "assignments": gemeenten.assignments_for_case(page.db, case.id),
        "referral": parket.current_referral(page.db, case.id),
        "forms": [transition_form(n, page.lang, catalogues()) for n in direct],
        "via_letters": [n for n in available if wf.transitions[n].via == "letters"],
        "final": case.closed_at is not None,
        **extra,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, page: Page = Depends(page_for("web:cell"))) -> Response:
    case = cases.get_case(page.db, case_id, page.actor)
    return page.render("cell/case.html", **_case_view(page, case))


@router.post("/cases/{case_id}/transitions/{transition}", response_class=HTMLResponse)
def fire(case_id: int, transition: str, page: Page = Depends(form_for("web:cell"))) -> Response:
    """The same refusals as the API: 403 (who), 409 (state, version, another path), 422 (payload)."""
    case = cases.get_case(page.db, case_id, page.actor)
    if transition not in cases.get_workflow().transitions:
        raise cases.NotFound("unknown transition")
    spec = transition_form(transition, page.lang, catalogues())
    errors = FormErrors()
    payload = read_payload(page.form, spec, errors)
    version = str(page.form.get("expected_version", ""))
    if not errors:
        try:
            with page.db.begin_nested():
                cases.fire(
                    page.db,
                    case_id,
                    transition,
                    page.actor,
                    payload,
                    expected_version=int(version) if version.isdigit() else None,
                    reason=str(page.form.get("reason_text", "")).strip(),
                    direct=True,
                )
            return page.redirect(f"/cases/{case_id}", flash="case.fired")
        except TandemError as exc:
            place_refusal(errors, spec, str(exc))
            page.db.expire_all()
            case = cases.get_case(page.db, case_id, page.actor)
    view = _case_view(page, case, errors=errors, values=page.form, open_form=transition)
    return page.render("cell/case.html", status=422, **view)
