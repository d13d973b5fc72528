"""Today: what needs this operator of the joint cell now."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.auth.models import Role
from service.cases import service as cases
from service.web.pages import Page, page_for, register_home, register_nav

router = APIRouter(include_in_schema=False)

register_nav("nav.today", "/today", "web:cell")
register_home(Role.CELL_OPERATOR, "/today")
register_home(Role.CELL_ADMIN, "/today")


@router.get("/today", response_class=HTMLResponse)
def today(page: Page = Depends(page_for("web:cell"))) -> Response:
    funnel = cases.funnel(page.db, page.actor)
    wf = cases.get_workflow()
    bars = [
        {"label": page.labels.state(state), "value": n, "href": f"/cases?state={state}"}
        for state, n in funnel["states"].items()
        if state not in wf.final_states
    ]
    return page.render("cell/today.html", funnel=funnel, bars=bars)
