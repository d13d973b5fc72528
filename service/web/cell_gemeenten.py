"""Gemeenten: which are behind on their assignments, and into each one's open and overdue ones."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.audit import service as audit
from service.gemeenten import service as gemeenten
from service.web.pages import Page, page_for, register_nav

router = APIRouter(include_in_schema=False)
register_nav("nav.gemeenten", "/gemeenten", "web:cell")


@router.get("/gemeenten", response_class=HTMLResponse)
def overview(page: Page = Depends(page_for("web:cell"))) -> Response:
    """Per gemeente: open, overdue, reminded, oldest (no personal data), the most behind first."""
    loads = sorted(gemeenten.overview(page.db, page.actor), key=lambda g: (-g.overdue, -g.open, g.nis_code))
    bars = [
        {
            "label": page.labels.gemeente(g.nis_code),
            "value": g.overdue,
            "kind": "danger",
            "href": f"/gemeenten/{g.nis_code}?overdue=1",
        }
        for g in loads
        if g.overdue
    ]
    return page.render("cell/gemeenten.html", loads=loads, bars=bars)


@router.get("/gemeenten/{nis_code}", response_class=HTMLResponse)
def assignments(nis_code: str, page: Page = Depends(page_for("web:cell"))) -> Response:
    """One gemeente's open assignments (or only the overdue ones), with the children concerned."""
    overdue_only = page.request.query_params.get("overdue") == "1"
    rows = gemeenten.worklist_rows(page.db, page.actor, nis_code, overdue_only=overdue_only)
    purpose = "overdue list" if overdue_only else "open assignments"
    audit.record(page.db, page.actor, "read", "assignment", [r["assignment_id"] for r in rows], purpose)
    return page.render("cell/gemeente.html", nis_code=nis_code, rows=rows, overdue_only=overdue_only)
