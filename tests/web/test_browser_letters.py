"""Letters in a real browser: prepare a batch, post it, record a family's reply and verify it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.auth.service import Actor
from service.cases import service as cases
from service.cases.models import Case
from service.letters.models import LetterReply

pytestmark = pytest.mark.browser


def _case_due_for_letter_1(web_db) -> Case:  # type: ignore[no-untyped-def]
    """A Dutch-language case brought to `letter_1_due` through the service layer."""
    due = web_db.scalars(
        select(Case).where(Case.state == "letter_1_due", Case.owner_community == "nl")
    ).first()
    if due is not None:
        return due
    case = web_db.scalars(select(Case).where(Case.state == "residual", Case.owner_community == "nl")).first()
    assert case is not None, "the test year has no Dutch-language residual case"
    actor = Actor.system("web-tests")
    for transition in ("start_cross_check", "cross_check_not_found", "start_letters"):
        cases.fire(web_db, case.id, transition, actor, {}, direct=True)
    web_db.commit()
    return case


def test_letter_1_batch_posted_then_reply_recorded_and_verified(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    case = _case_due_for_letter_1(web_db)
    page = signed_in("operator-agodi")
    page.goto("/letters")
    assert int(page.locator("#due-letter_1 ~ .tdm-card__big").inner_text()) >= 1
    screens(page, "letters")
    preview = page.context.request.get(
        page.locator("a[href^='/letters/preview?kind=letter_1']").get_attribute("href")
    )
    assert preview.ok and preview.body().startswith(b"%PDF")
    with page.expect_navigation():
        page.locator("form:has(input[value='letter_1']) button").click()
    page.wait_for_selector("#job-result a", timeout=120_000)
    with page.expect_navigation():
        page.locator("#job-result a").click()
    assert page.locator(f"a[href='/cases/{case.id}']").count() >= 1
    screens(page, "letter-batch")
    print_file = page.context.request.get(page.locator("a[href$='/pdf']").first.get_attribute("href"))
    assert print_file.ok and print_file.body().startswith(b"%PDF")
    with page.expect_navigation():
        page.get_by_role("button", name="Als verstuurd markeren").click()
    assert page.locator("#post-report").is_visible()
    web_db.expire_all()
    assert web_db.get(Case, case.id).state == "letter_1_sent"

    def reply_without_school(page) -> None:  # type: ignore[no-untyped-def]
        page.goto(f"/letters/replies/new?case={case.id}")
        page.fill("#f-case", str(case.id))
        page.locator("#f-answer-1").check()  # enrolled
        with page.expect_navigation():
            page.locator("form[action='/letters/replies'] button").click()

    reply_without_school(page)
    assert page.locator("#f-school-name-error").is_visible()  # the refusal sits next to its field
    assert page.locator("#f-school-community-error").is_visible()
    screens(page, "reply-form-error", redo=reply_without_school)
    reply_without_school(page)  # the language switch left the form: fill it again, completely
    page.fill("#f-school-name", "Sint-Jozefscollege")
    page.select_option("#f-school-community", "nl")
    with page.expect_navigation():
        page.locator("form[action='/letters/replies'] button").click()
    assert page.url.endswith(f"/cases/{case.id}")
    web_db.expire_all()
    assert web_db.get(Case, case.id).state == "reply_1_received"

    page.goto("/letters/replies")
    screens(page, "replies")
    reply = web_db.scalars(select(LetterReply).where(LetterReply.case_id == case.id)).one()
    with page.expect_navigation():
        page.locator(f"form[action='/letters/replies/{reply.id}/verify'] button[value='yes']").click()
    web_db.expire_all()
    closed = web_db.get(Case, case.id)
    assert closed.state == "closed" and closed.closure_reason == "enrolled_reply"
