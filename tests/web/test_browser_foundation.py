"""The foundation in a real browser: sign-in, the language switch, keyboard use, refusals."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in_page
from tests.web.data import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_page_in_both_languages(new_page, screens) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto("/login")
    assert page.locator("h1").inner_text() in {"Aanmelden", "Se connecter"}
    screens(page, "login")


def test_wrong_password_is_announced(new_page, screens) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_in_page(page, "operator-agodi", "not the password")
    assert page.locator("[role=alert]").is_visible()
    screens(page, "login-failed")


def test_keyboard_only_sign_in_and_language_kept(new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto("/login?lang=fr")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "tdm-skip"  # the skip link comes first
    page.focus("#username")
    page.keyboard.type("operateur-scos")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/today")
    assert page.locator("html").get_attribute("lang") == "fr"  # this operator reads French
    with page.expect_navigation():
        page.get_by_role("button", name="Nederlands").click()
    assert page.locator("h1").inner_text() == "Vandaag"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "nl"
    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()  # leave the user as it was


def test_a_gemeente_user_is_refused_the_cells_pages(signed_in, screens) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("gemeente-21001")
    response = page.goto("/today")
    assert response is not None and response.status == 403
    assert page.locator("nav.tdm-nav a[href='/today']").count() == 0
    screens(page, "refused-gemeente")
