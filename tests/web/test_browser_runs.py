"""Runs in a real browser: start a run, see it finish, its model, and a child's explanation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.linkage.models import Run

pytestmark = pytest.mark.browser


def test_start_a_run_and_read_its_model_and_an_explanation(signed_in, screens, web_year, web_db) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("operateur-scos")
    page.goto("/runs")
    screens(page, "runs")
    page.select_option("#f-school-year", web_year.school_year)
    page.fill("#f-reference-date", web_year.reference_date.isoformat())
    with page.expect_navigation():
        page.locator("form[action='/runs'] button").click()
    page.wait_for_selector("#job-result a", timeout=120_000)
    with page.expect_navigation():
        page.locator("#job-result a").click()
    run_id = int(page.url.rsplit("/", 1)[-1])
    assert web_db.get(Run, run_id) is not None
    assert page.locator("#weights tbody tr").count() >= 10  # every level of every field
    assert page.locator("#health").is_visible()
    screens(page, "run")
    person = int(page.locator("#residual tbody tr td").first.inner_text())
    with page.expect_navigation():
        page.locator("#residual tbody tr a").first.click()
    assert page.locator("h1").inner_text().startswith(("Comment l'enfant", "Hoe kind"))
    screens(page, "explain")
    web_db.expire_all()
    reads = web_db.scalars(
        select(AuditEvent).where(
            AuditEvent.actor == "operateur-scos", AuditEvent.purpose == "explain linkage status"
        )
    ).all()
    assert any(person in (e.entity_ids or []) for e in reads)
