"""Today, the case list and the case page in a real browser, in Dutch and French."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.cases.models import Case

pytestmark = pytest.mark.browser


def _case_of(web_db, community: str, state: str = "residual") -> Case:  # type: ignore[no-untyped-def]
    found = web_db.scalars(
        select(Case).where(Case.owner_community == community, Case.state == state).order_by(Case.id)
    ).first()
    assert found is not None, f"the test year has no {state} case of community {community}"
    return found


def test_today_shows_the_operators_work(signed_in, screens) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("operator-agodi")
    assert page.url.endswith("/today")
    assert page.locator("#today-waiting").is_visible()
    assert page.locator(".tdm-chart").first.is_visible()
    screens(page, "today")


def test_case_list_filters_sorts_and_pages(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("operator-agodi")
    page.goto("/cases")
    total = web_db.query(Case).count()
    assert page.locator("#case-table caption").inner_text().endswith(f"({total})")
    screens(page, "cases")
    page.select_option("#f-state", "residual")
    with page.expect_navigation():
        page.locator(".tdm-filters button").first.click()
    assert "state=residual" in page.url
    rows = page.locator("#case-table tbody tr")
    assert rows.count() == web_db.query(Case).filter(Case.state == "residual").count()
    with page.expect_navigation():
        page.locator("th[aria-sort] a", has_text="Referentie").click()
    assert page.locator("th[aria-sort='ascending']").inner_text().startswith("Referentie")
    first = page.locator("#case-table tbody tr td a").first.inner_text()
    with page.expect_navigation():
        page.locator("th[aria-sort] a", has_text="Referentie").click()
    assert page.locator("#case-table tbody tr td a").first.inner_text() != first  # descending now


def test_case_page_is_audited_and_refuses_a_bad_form(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    case = _case_of(web_db, "fr")
    before = web_db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    page = signed_in("operateur-scos")
    page.goto(f"/cases/{case.id}")
    assert page.locator("#case-child").is_visible()
    reads = web_db.scalars(
        select(AuditEvent).where(
            AuditEvent.id > before, AuditEvent.entity == "case", AuditEvent.actor == "operateur-scos"
        )
    ).all()
    assert any(case.id in (e.entity_ids or []) and e.purpose == "read case with timeline" for e in reads)
    screens(page, "case")

    def close_without_reason(page) -> None:  # type: ignore[no-untyped-def]
        page.locator("details:has(form[action$='/transitions/close']) summary").click()
        with page.expect_navigation():
            page.locator("form[action$='/transitions/close'] button").click()

    close_without_reason(page)
    assert page.locator(".tdm-error-summary").is_visible()  # the closure reason is required
    assert page.locator("#f-close-reason-error").is_visible()
    screens(page, "case-form-error", redo=close_without_reason)


def test_residual_case_to_letter_1_due_by_both_communities(signed_in, web_db) -> None:  # type: ignore[no-untyped-def]
    case = _case_of(web_db, "fr")
    owner = signed_in("operateur-scos")  # reads French
    other = signed_in("operator-agodi")  # reads Dutch

    def fire(page, label: str) -> None:  # type: ignore[no-untyped-def]
        page.goto(f"/cases/{case.id}")
        page.locator("details summary", has_text=label).click()
        with page.expect_navigation():
            page.locator("details[open] form button").click()
        assert page.locator("[role=status] .tdm-banner").is_visible(), page.content()

    fire(owner, "Lancer la vérification croisée par l'autre communauté")
    fire(other, "Niet gevonden door de andere gemeenschap")
    fire(owner, "Lancer les courriers")
    web_db.expire_all()
    assert web_db.get(Case, case.id).state == "letter_1_due"
    owner.goto(f"/cases/{case.id}")
    latest = owner.locator(".tdm-timeline__item").first.inner_text()
    assert latest.startswith("Lancer les courriers → ")
    assert owner.locator(".tdm-timeline__item").count() == 4


def test_bulk_dry_run_names_what_would_be_refused(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    residual = {
        c.id: (c.state, c.owner_community)
        for c in web_db.scalars(select(Case).where(Case.state == "residual"))
    }
    communities = {community for _, community in residual.values()}
    assert residual, "the test year has no residual case left"
    page = signed_in("operator-agodi")

    def preview(page) -> None:  # type: ignore[no-untyped-def]
        page.goto("/cases?state=residual&status=open")
        page.select_option("#f-transition", "start_cross_check")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("Voorbeeld|Aperçu")).click()

    preview(page)
    result = page.locator("#bulk-result").inner_text()
    assert f"op {len(residual)} dossiers" in result
    outcomes = [r.locator("td").first.inner_text() for r in page.locator("#bulk-result tbody tr").all()]
    # the operator's own community's cases would move; the other community's are refused, and say so
    assert ("zou de stap zetten" in outcomes) == ("nl" in communities)
    assert any(o.startswith("geweigerd") for o in outcomes) == ("fr" in communities)
    screens(page, "cases-bulk-preview", redo=preview)
    web_db.expire_all()
    after = {
        c.id: (c.state, c.owner_community) for c in web_db.scalars(select(Case).where(Case.id.in_(residual)))
    }
    assert after == residual  # a dry run changes nothing
