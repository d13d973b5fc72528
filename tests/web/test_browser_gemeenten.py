"""Gemeenten in a real browser: who is behind, and into one gemeente's overdue assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.auth.service import Actor
from service.cases.models import Case
from service.core import clock
from service.gemeenten import service as gemeenten
from service.gemeenten.models import Assignment

pytestmark = pytest.mark.browser


def _overdue_assignment(web_db) -> Assignment:  # type: ignore[no-untyped-def]
    """Display data: a residual case put in the register-check step, its assignment 10 days late."""
    case = web_db.scalars(
        select(Case).where(Case.state == "residual", Case.owner_community == "fr").order_by(Case.id.desc())
    ).first()
    assert case is not None
    case.state = "gemeente_register_check"
    assignment = gemeenten.create_assignment(web_db, case, Actor.system("web-tests"))
    assert assignment is not None
    assignment.due_at = clock.now() - timedelta(days=10)
    web_db.commit()
    return assignment


def test_gemeenten_behind_and_their_overdue_assignments(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    assignment = _overdue_assignment(web_db)
    page = signed_in("operator-agodi")
    page.goto("/gemeenten")
    assert page.locator("#gemeenten tbody tr").count() == 19
    screens(page, "gemeenten")
    with page.expect_navigation():
        page.locator(f"#gemeenten a[href='/gemeenten/{assignment.nis_code}?overdue=1']").click()
    rows = page.locator("#assignments tbody tr")
    assert rows.count() == 1 and "10 dagen over tijd" in rows.first.inner_text().lower()
    screens(page, "gemeente-overdue")


def test_a_gemeente_user_is_refused_every_cell_page(signed_in) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("gemeente-21004")
    for path in (
        "/today",
        "/cases",
        "/cases/1",
        "/lists",
        "/review",
        "/letters",
        "/letters/replies",
        "/runs",
        "/gemeenten",
        "/gemeenten/21004",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
