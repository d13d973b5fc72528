"""Today: what needs this operator of the joint cell now (counts only: no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.auth.policy import Role
from service.cases import service as cases
from service.gemeenten import service as gemeenten
from service.ingest import service as ingest
from service.letters import service as letters
from service.linkage import service as linkage
from service.web.pages import Page, page_for, register_home, register_nav

router = APIRouter(include_in_schema=False)

register_nav("nav.today", "/today", "web:cell")
register_home(Role.CELL_OPERATOR, "/today")
register_home(Role.CELL_ADMIN, "/today")
LETTER_DUE = {"letter_1_due": "letter_1", "letter_2_due": "letter_2"}


def _stages(page: Page, community: str | None) -> list[dict[str, Any]]:
    """Open cases of the operator's community that wait for a cell action, by stage."""
    wf = cases.get_workflow()
    counts = cases.stage_counts(page.db, page.actor, cases.CaseFilter(community=community, open=True))
    waiting = []
    for state in wf.states:
        n, late = counts.get(state, (0, 0))
        if not n or state in wf.final_states:
            continue
        cell_step = any(
            t.roles & {Role.CELL_OPERATOR.value, Role.CELL_ADMIN.value} for t in wf.transitions_from(state)
        )
        community_arg = f"&community={community}" if community else ""
        waiting.append(
            {
                "state": state,
                "open": n,
                "overdue": late,
                "cell_step": cell_step,
                "href": f"/cases?state={state}&status=open{community_arg}",
            }
        )
    return waiting


def _review_size(page: Page) -> tuple[int, int | None]:
    years = sorted(set(ingest.school_year_labels(page.db).values()), reverse=True)
    run = linkage.latest_run(page.db, years[0]) if years else None
    if run is None:
        return 0, None
    return int((run.counts or {}).get("residual_pending_review", 0)), run.id


@router.get("/today", response_class=HTMLResponse)
def today(page: Page = Depends(page_for("web:cell"))) -> Response:
    community = page.actor.community if page.actor.community in ("nl", "fr") else None
    stages = _stages(page, community)
    funnel = cases.funnel(page.db, page.actor)
    wf = cases.get_workflow()
    bars = [
        {"label": page.labels.state(state), "value": n, "href": f"/cases?state={state}"}
        for state, n in funnel["states"].items()
        if state not in wf.final_states
    ]
    closed = [
        {"label": page.labels.closure(reason), "value": n, "kind": "success"}
        for reason, n in funnel["closure_reasons"].items()
    ]
    review_pending, run_id = _review_size(page)
    behind = [g for g in gemeenten.overview(page.db, page.actor) if g.overdue]
    return page.render(
        "cell/today.html",
        community=community,
        stages=stages,
        letters_due=[(LETTER_DUE[s["state"]], s["open"]) for s in stages if s["state"] in LETTER_DUE],
        replies_pending=len(letters.list_replies(page.db, outcome="pending", limit=10_000)),
        review_pending=review_pending,
        run_id=run_id,
        behind=sorted(behind, key=lambda g: -g.overdue),
        funnel=funnel,
        bars=bars,
        closed=closed,
    )
