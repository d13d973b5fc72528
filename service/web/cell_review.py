"""Review: the queue of uncertain pairs, one at a time, the two records side by side with what
differs marked, each field's part in the score as a waterfall, and accept / reject / skip from the
keyboard (a, r, s); after a decision the next pair shows at once. Decisions are the linkage
domain's (reused by later runs of the year)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.core.errors import TandemError
from service.ingest import service as ingest
from service.linkage import review
from service.linkage import service as linkage
from service.web.pages import Page, form_for, page_for, register_nav

router = APIRouter(include_in_schema=False)
register_nav("nav.review", "/review", "web:cell")
COMPARED = ("last_name", "first_names", "birth_date", "sex", "postcode")


def _fold(value: Any) -> str:
    return " ".join(str(value or "").casefold().split())


def side_by_side(view: dict[str, Any]) -> list[dict[str, Any]]:
    child, record = view["child"], view["record"]
    return [
        {
            "field": f,
            "child": child.get(f),
            "record": record.get(f),
            "differs": _fold(child.get(f)) != _fold(record.get(f)),
        }
        for f in COMPARED
    ]


def waterfall_bars(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry (in a 0..100 wide box) for each step: from the running total before to after."""
    totals = [0.0] + [float(s["total"]) for s in steps]
    low, high = min(totals), max(totals)
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return round(100 * (v - low) / span, 2)

    bars, before = [], 0.0
    for s in steps:
        after = float(s["total"])
        a, b = sorted((x(before), x(after)))
        bars.append({**s, "x": a, "width": max(b - a, 0.4), "up": after >= before})
        before = after
    return {"bars": bars, "zero": x(0.0)}


def _run_id(page: Page) -> int | None:
    wanted = page.request.query_params.get("run")
    if wanted and wanted.isdigit():
        return int(wanted)
    years = sorted(set(ingest.school_year_labels(page.db).values()), reverse=True)
    for year in years:
        run = linkage.latest_run(page.db, year)
        if run is not None:
            return run.id
    return None


@router.get("/review", response_class=HTMLResponse)
def review_page(page: Page = Depends(page_for("review:read"))) -> Response:
    run_id = _run_id(page)
    offset = max(0, int(page.request.query_params.get("offset", "0") or 0))
    if run_id is None:
        return page.render("cell/review.html", run_id=None, total=0, pair=None, offset=0)
    queue = review.review_queue(page.db, run_id, page.actor, limit=1, offset=offset)
    if not queue["pairs"] and offset:
        offset = 0
        queue = review.review_queue(page.db, run_id, page.actor, limit=1, offset=0)
    pair = queue["pairs"][0] if queue["pairs"] else None
    return page.render(
        "cell/review.html",
        run_id=run_id,
        total=queue["total"],
        children=queue["children"],
        pair=pair,
        offset=offset,
        rows=side_by_side(pair) if pair else [],
        waterfall=waterfall_bars(pair["waterfall"]["steps"]) if pair and pair.get("waterfall") else None,
    )


@router.post("/review/{pair_id}", response_class=HTMLResponse)
def decide(pair_id: int, page: Page = Depends(form_for("review:write"))) -> Response:
    decision = str(page.form.get("decision", ""))
    run_id = str(page.form.get("run", ""))
    offset = str(page.form.get("offset", "0"))
    if decision == "skip":
        return page.redirect(f"/review?run={run_id}&offset={int(offset or 0) + 1}")
    try:
        review.decide(page.db, pair_id, decision, page.actor, str(page.form.get("note", "")))
    except TandemError as exc:
        return page.render(
            "error.html", status=exc.status, texts={page.lang: page.t("review.refused")}, detail=str(exc)
        )
    flash = "review.accepted" if decision == "accept" else "review.rejected"
    return page.redirect(f"/review?run={run_id}&offset={offset}", flash=flash)
