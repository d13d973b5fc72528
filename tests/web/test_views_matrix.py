"""The route × role matrix of the gemeente, parket, auditor and administrator pages, as the API's:
each page opens for its own group only (403 for every other role, a sign-in redirect without a
session), and a page of an object outside the reader's scope is 404. A new page without a row here
fails `test_every_view_page_is_in_the_matrix`."""

from __future__ import annotations

import pytest

from service.api.app import create_app, web_routes
from service.auth.models import Role
from tests.web.test_sessions import _csrf, sign_in

PREFIXES = ("/gemeente", "/parket", "/audit", "/admin")
ROLES = {
    "gemeente": (Role.GEMEENTE_USER, "21004"),
    "parket": (Role.PARKET_USER, "PARKET"),
    "auditor": (Role.AUDITOR, "SCOS"),
    "admin": (Role.CELL_ADMIN, "AGODI"),
    "operator": (Role.CELL_OPERATOR, "AGODI"),
}
# path -> the groups that may open it (404 below means: allowed, but no such object)
PAGES: dict[str, tuple[str, set[str], int]] = {
    "/gemeente": ("/gemeente", {"gemeente"}, 200),
    "/gemeente/assignments/{assignment_id}": ("/gemeente/assignments/999999", {"gemeente"}, 404),
    "/gemeente/worklist.{fmt}": ("/gemeente/worklist.csv", {"gemeente"}, 200),
    "/gemeente/notifications": ("/gemeente/notifications", {"gemeente"}, 200),
    "/gemeente/settings": ("/gemeente/settings", {"gemeente"}, 200),
    "/parket": ("/parket", {"parket"}, 200),
    "/parket/referrals/{referral_id}": ("/parket/referrals/999999", {"parket"}, 404),
    "/parket/referrals/{referral_id}/case-file.zip": (
        "/parket/referrals/999999/case-file.zip",
        {"parket"},
        404,
    ),
    "/parket/referrals/{referral_id}/files/{path:path}": (
        "/parket/referrals/999999/files/dossier.pdf",
        {"parket"},
        404,
    ),
    "/parket/notifications": ("/parket/notifications", {"parket"}, 200),
    "/audit": ("/audit", {"auditor", "admin"}, 200),
    "/audit/child": ("/audit/child?child_id=x", {"auditor", "admin"}, 200),
    "/audit/integrity": ("/audit/integrity", {"auditor", "admin"}, 200),
    "/audit/children/{child_id}": ("/audit/children/999999", {"auditor", "admin"}, 404),
    "/audit/children/{child_id}/report.pdf": ("/audit/children/999999/report.pdf", {"auditor", "admin"}, 404),
    "/admin/users": ("/admin/users", {"admin"}, 200),
    "/admin/users/new": ("/admin/users/new", {"admin"}, 200),
    "/admin/users/{user_id}": ("/admin/users/999999", {"admin"}, 404),
    "/admin/organisations": ("/admin/organisations", {"admin"}, 200),
    "/admin/gemeenten/{nis_code}/settings": ("/admin/gemeenten/21004/settings", {"admin"}, 200),
}
FORMS: dict[str, tuple[str, set[str]]] = {
    "/gemeente/assignments/{assignment_id}/{kind}": ("/gemeente/assignments/999999/visit", {"gemeente"}),
    "/gemeente/notifications/{notification_id}/read": ("/gemeente/notifications/999999/read", {"gemeente"}),
    "/gemeente/settings": ("/gemeente/settings", {"gemeente"}),
    "/parket/referrals/{referral_id}/outcome": ("/parket/referrals/999999/outcome", {"parket"}),
    "/parket/notifications/{notification_id}/read": ("/parket/notifications/999999/read", {"parket"}),
    "/admin/users/new": ("/admin/users/new", {"admin"}),
    "/admin/users/{user_id}/disable": ("/admin/users/999999/disable", {"admin"}),
    "/admin/users/{user_id}/enable": ("/admin/users/999999/enable", {"admin"}),
    "/admin/users/{user_id}/password": ("/admin/users/999999/password", {"admin"}),
    "/admin/users/{user_id}/tokens": ("/admin/users/999999/tokens", {"admin"}),
    "/admin/users/{user_id}/tokens/{token_id}/revoke": ("/admin/users/999999/tokens/1/revoke", {"admin"}),
    "/admin/gemeenten/{nis_code}/settings": ("/admin/gemeenten/21004/settings", {"admin"}),
}


def _routes() -> set[tuple[str, str]]:
    found = set()
    for route in web_routes(create_app()):
        # "/gemeente" is the gemeente's area; "/gemeenten" is the cell's overview (its own matrix)
        if any(route.path == p or route.path.startswith(p + "/") for p in PREFIXES):
            found |= {(m, route.path) for m in route.methods}
    return found


def test_every_view_page_is_in_the_matrix() -> None:
    expected = {("GET", p) for p in PAGES} | {("POST", p) for p in FORMS}
    assert _routes() == expected


def test_without_a_session_every_page_asks_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    for url, _groups, _ok in PAGES.values():
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), url


@pytest.mark.parametrize("group", sorted(ROLES))
def test_each_group_opens_its_own_pages_only(client, make_user, group: str) -> None:  # type: ignore[no-untyped-def]
    role, org = ROLES[group]
    make_user(role, org, f"matrix-{group}")
    sign_in(client, f"matrix-{group}")
    for url, groups, ok in PAGES.values():
        status = client.get(url, follow_redirects=False).status_code
        if group in groups:
            assert status in (ok, 303), (group, url, status)  # /audit/child redirects
        else:
            assert status == 403, (group, url, status)
    token = _csrf(client.get("/login", follow_redirects=True).text)
    for url, groups in FORMS.values():
        status = client.post(url, data={"csrf_token": token}, follow_redirects=False).status_code
        if group not in groups:
            assert status == 403, (group, url, status)
        else:
            assert status in (303, 404, 422), (group, url, status)
