"""Review in a real browser: accept and reject pairs from the keyboard, the next pair at once."""

from __future__ import annotations

import pytest

from service.linkage.models import LinkPair

pytestmark = pytest.mark.browser


def _pair_id(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("#decide").get_attribute("action").rsplit("/", 1)[-1])


def test_accept_and_reject_by_keyboard(signed_in, screens, web_db) -> None:  # type: ignore[no-untyped-def]
    pending = web_db.query(LinkPair).filter(LinkPair.outcome == "review").count()
    assert pending >= 2, "the test year needs two pairs in review"
    page = signed_in("operator-agodi")
    page.goto("/review")
    assert page.locator("#waterfall tbody tr").count() >= 6  # the prior and each field
    screens(page, "review")

    first = _pair_id(page)
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.locator("[role=status] .tdm-banner").is_visible()
    second = _pair_id(page)
    assert second != first  # the next pair is there at once
    for row in page.locator("#compare tbody tr").all()[:5]:  # what differs is marked, and only that
        child, record = (c.inner_text().split(" (")[0] for c in row.locator("td").all())
        marked = row.locator("td.tdm-differs").count() == 2
        assert marked == (child.casefold() != record.casefold()), (child, record)
    with page.expect_navigation():
        page.keyboard.press("s")
    assert _pair_id(page) != second  # skipped
    with page.expect_navigation():
        page.keyboard.press("r")
    web_db.expire_all()
    assert web_db.get(LinkPair, first).outcome == "accepted"
    assert web_db.query(LinkPair).filter(LinkPair.outcome == "rejected").count() == 1
    assert web_db.query(LinkPair).filter(LinkPair.outcome == "review").count() == pending - 2
