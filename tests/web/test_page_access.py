"""The route x role matrix of the web pages: every page declares a permission of the one policy
table, and a gemeente, parket or auditor user is refused every page of the joint cell."""

from __future__ import annotations

import pytest

from service.api.app import create_app, web_routes
from service.auth.models import Role
from service.auth.policy import PERMISSIONS, roles_for
from tests.web.test_sessions import sign_in

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/")}


def _permission(route) -> str | None:  # type: ignore[no-untyped-def]
    def walk(dependant) -> str | None:  # type: ignore[no-untyped-def]
        for dep in dependant.dependencies:
            found = getattr(dep.call, "permission", None) or walk(dep)
            if found:
                return found
        return None

    return walk(route.dependant)


def _path(route) -> str:  # type: ignore[no-untyped-def]
    return "/".join("1" if part.startswith("{") else part for part in route.path.split("/"))


def test_every_page_declares_a_permission() -> None:
    for route in web_routes(create_app()):
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            permission = _permission(route)
            assert permission in PERMISSIONS, f"{method} {route.path} declares no permission"


@pytest.mark.parametrize(
    ("role", "org"), [(Role.GEMEENTE_USER, "21004"), (Role.PARKET_USER, "PARKET"), (Role.AUDITOR, "SCOS")]
)
def test_other_roles_are_refused_the_cells_pages(client, make_user, role, org) -> None:  # type: ignore[no-untyped-def]
    make_user(role, org, "someone")
    sign_in(client, "someone")
    checked = 0
    for route in web_routes(client.app):
        permission = _permission(route)
        if "GET" not in route.methods or permission is None or role in roles_for(permission):
            continue
        response = client.get(_path(route), follow_redirects=False)
        assert response.status_code == 403, f"GET {route.path} answered {response.status_code} to {role}"
        checked += 1
    assert checked >= 15


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    for route in web_routes(client.app):
        if "GET" not in route.methods or ("GET", route.path) in PUBLIC:
            continue
        response = client.get(_path(route), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), route.path
