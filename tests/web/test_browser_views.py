"""The gemeente, parket, auditor and administrator views in a real browser, in Dutch and French,
each screen checked with axe and saved as a PNG (tests/web/conftest.py `screens`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.cases.models import Case
from service.gemeenten.models import Assignment
from tests.web.conftest import check_accessibility, screenshot, sign_in_page, switch_language
from tests.web.data import PASSWORD
from tests.web.views_data import walk_to_gemeente, walk_to_parket

pytestmark = pytest.mark.browser


def _submit(page, form: str) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.locator(f"{form} button.tdm-button").first.click()


def refused_screens(page, name: str, url: str, refuse) -> None:  # type: ignore[no-untyped-def]
    """A form's refusal in both languages: switching language reloads the page, so `refuse` submits
    the refused form of `url` again in each before the axe check and the PNG."""
    start = page.locator("html").get_attribute("lang") or "nl"
    for lang in (start, "fr" if start == "nl" else "nl"):
        page.goto(url)
        switch_language(page, lang)
        refuse()
        check_accessibility(page, f"{name} ({lang})")
        screenshot(page, name)
    page.goto(url)
    switch_language(page, start)


def test_gemeente_answers_a_register_check_and_a_home_visit(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    (assignment,) = walk_to_gemeente(web_db, "21004")
    case_id = web_db.get(Assignment, assignment).case_id
    page = signed_in("gemeente-21004")
    assert page.url.endswith("/gemeente")
    row = page.locator(f"a[href='/gemeente/assignments/{assignment}']")
    assert row.count() == 1
    assert page.locator(".tdm-badge").first.inner_text()  # days left in words, not colour alone
    screens(page, "gemeente-queue")
    row.click()
    page.wait_for_url(f"**/gemeente/assignments/{assignment}")
    screens(page, "gemeente-register-check")
    form = f"form[action='/gemeente/assignments/{assignment}/register-check']"

    def moved_to_a_wrong_postcode() -> None:
        page.check("input[name='answer'][value='moved_within_brussels']")
        page.select_option("#f-new-nis-code", "21009")
        page.fill("#f-new-address-street", "Rue du Test")
        page.fill("#f-new-address-house-number", "1")
        page.fill("#f-new-address-postcode", "1000")  # not a postcode of 21009: the API refuses it
        _submit(page, form)
        assert page.locator("#f-new-address-postcode-error").is_visible()
        assert page.locator(".tdm-error-summary a[href='#f-new-address-postcode']").count() == 1

    refused_screens(
        page,
        "gemeente-register-check-refused",
        f"/gemeente/assignments/{assignment}",
        moved_to_a_wrong_postcode,
    )
    page.check("input[name='answer'][value='still_registered']")
    _submit(page, form)
    assert page.url.endswith("/gemeente")
    web_db.expire_all()
    visit = web_db.scalar(
        select(Assignment.id).where(Assignment.case_id == case_id, Assignment.status == "open")
    )
    page.goto(f"/gemeente/assignments/{visit}")
    screens(page, "gemeente-home-visit")
    page.fill("#f-visited-on", "2001-01-01")  # before the case was opened: refused next to the field
    page.check("#f-family-found-1")
    page.select_option("#f-parents-said", "no_education")
    _submit(page, f"form[action='/gemeente/assignments/{visit}/visit']")
    assert page.locator("#f-visited-on-error").is_visible()
    page.fill("#f-visited-on", page.evaluate("new Date().toISOString().slice(0, 10)"))
    page.check("#f-family-found-1")
    page.select_option("#f-parents-said", "no_education")
    _submit(page, f"form[action='/gemeente/assignments/{visit}/visit']")
    assert page.url.endswith("/gemeente")
    assert page.locator(f"a[href='/gemeente/assignments/{visit}']").count() == 0  # it left the queue
    web_db.expire_all()
    assert web_db.get(Case, case_id).state == "parket_review"
    page.goto("/gemeente/notifications")
    screens(page, "gemeente-notifications")
    page.goto("/gemeente/settings")
    screens(page, "gemeente-settings")
    page.goto("/gemeente")
    with page.expect_download() as download:
        page.click("a[href='/gemeente/worklist.pdf']")
    assert download.value.suggested_filename.endswith(".pdf")


def test_gemeente_cannot_open_another_gemeentes_assignment_by_url(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    (assignment,) = walk_to_gemeente(web_db, "21004")
    page = signed_in("gemeente-21001")
    response = page.goto(f"/gemeente/assignments/{assignment}")
    assert response is not None and response.status == 404
    case_id = web_db.get(Assignment, assignment).case_id
    assert page.goto(f"/cases/{case_id}").status == 403
    page.goto("/gemeente")
    assert page.locator(f"a[href='/gemeente/assignments/{assignment}']").count() == 0
    screens(page, "gemeente-other-queue")


def test_parket_records_an_outcome_and_returns_a_case(signed_in, screens, web_db, web_year) -> None:  # type: ignore[no-untyped-def]
    decided, returned = walk_to_parket(web_db, web_year, 2)
    page = signed_in("parket")
    assert page.url.endswith("/parket")
    screens(page, "parket-referrals")
    page.goto(f"/parket/referrals/{decided}")
    assert page.locator(".tdm-banner--success").first.is_visible()  # the case file checks out
    screens(page, "parket-referral")
    page.check("input[name='outcome'][value='anti_truancy_contract']")
    _submit(page, f"form[action='/parket/referrals/{decided}/outcome']")
    assert page.locator("form[action$='/outcome']").count() == 0
    page.goto(f"/parket/referrals/{returned}")

    def returned_without_a_question() -> None:
        page.check("input[name='outcome'][value='returned']")
        _submit(page, f"form[action='/parket/referrals/{returned}/outcome']")
        assert page.locator("#f-note-error").is_visible()  # a return needs the question asked

    refused_screens(
        page, "parket-referral-refused", f"/parket/referrals/{returned}", returned_without_a_question
    )
    page.check("input[name='outcome'][value='returned']")
    page.fill("#f-note", "Welke school? / Quelle école ?")
    _submit(page, f"form[action='/parket/referrals/{returned}/outcome']")
    assert "Welke school? / Quelle école ?" in page.locator("table").last.inner_text()
    screens(page, "parket-history")


def test_auditor_finds_every_read_of_one_child_and_downloads_the_report(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    (assignment,) = walk_to_gemeente(web_db, "21004")
    case = web_db.get(Case, web_db.get(Assignment, assignment).case_id)
    before = web_db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    signed_in("gemeente-21004").goto(f"/gemeente/assignments/{assignment}")
    signed_in("operator-agodi").goto(f"/cases/{case.id}")
    page = signed_in("auditor")
    assert page.url.endswith("/audit")
    page.fill("#f-child", str(case.person_id))
    _submit(page, "form.tdm-filters[action='/audit']")
    shown = page.locator("table.tdm-table tbody tr").all_inner_texts()
    web_db.expire_all()
    made = web_db.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    readers = {e.actor for e in made if e.actor in ("gemeente-21004", "operator-agodi")}
    assert readers == {"gemeente-21004", "operator-agodi"}
    assert all(any(r in line for line in shown) for r in readers)
    screens(page, "auditor-search")
    page.goto(f"/audit/children/{case.person_id}")
    assert page.locator("table.tdm-table tbody tr").count() >= 2
    screens(page, "auditor-child-report")
    with page.expect_download() as download:
        page.click(f"a[href='/audit/children/{case.person_id}/report.pdf?first=fr']")
    assert download.value.suggested_filename == f"audit-child-{case.person_id}.pdf"


def test_admin_disables_a_user_whose_open_session_stops_at_once(signed_in, new_page, screens) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin-agodi")
    admin.goto("/admin/users")
    screens(admin, "admin-users")
    admin.goto("/admin/users/new")
    screens(admin, "admin-new-user")
    admin.fill("#f-username", "leaver-web")
    admin.select_option("#f-role", "gemeente_user")
    admin.select_option("#f-organisation", "21001")
    admin.check("#f-language-2")
    admin.fill("#f-password", PASSWORD)
    _submit(admin, "form[action='/admin/users/new']")
    user_url = admin.url
    assert "/admin/users/" in user_url and admin.locator(".tdm-error-summary").count() == 0
    leaver = new_page()
    sign_in_page(leaver, "leaver-web")
    assert leaver.url.endswith("/gemeente")
    admin.fill("#f-name", "sync")
    admin.fill("#f-days", "30")
    _submit(admin, "form[action$='/tokens']")
    assert admin.locator("#issued-token").inner_text().startswith("tdm_")
    admin.goto(user_url)  # the token is shown once: not in the screenshots
    screens(admin, "admin-user")
    _submit(admin, "#f-disable")
    leaver.reload()
    assert "/login" in leaver.url  # the open session stopped at once
    admin.goto("/admin/organisations")
    screens(admin, "admin-organisations")
    admin.goto("/admin/gemeenten/21004/settings")
    screens(admin, "admin-gemeente-settings")


def test_auditor_sees_the_trail_hold_and_then_break_where_a_row_was_edited(
    signed_in, screens, web_db
) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("auditor")
    page.goto("/audit/integrity")
    assert page.locator("#integrity-result").get_attribute("role") == "status"
    assert page.locator("nav.tdm-nav [aria-current='page']").all_inner_texts() in (["Integriteit"], ["Intégrité"])
    screens(page, "auditor-integrity")
    event = web_db.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    kept = event.purpose
    event.purpose = kept + " (edited)"
    web_db.commit()
    try:
        page.goto("/audit/integrity")
        result = page.locator("#integrity-result")
        assert result.get_attribute("role") == "alert"
        assert f"{event.seq}" in result.inner_text()
    finally:
        event.purpose = kept
        web_db.commit()
    page.goto("/audit/integrity")
    assert page.locator("#integrity-result").get_attribute("role") == "status"
