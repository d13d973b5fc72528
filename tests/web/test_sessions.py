"""Sign-in, sessions, CSRF, language and role checks of the web interface (no browser needed)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from service.auth import service as auth
from service.auth.models import Role
from service.core import clock
from service.web.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from service.web.i18n import CatalogueError, load_catalogues

PASSWORD = "correct horse battery"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(form.text), "next": "/"},
        follow_redirects=False,
    )


def test_sign_in_sets_a_locked_down_cookie_and_lands_on_today(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_OPERATOR, "AGODI", "op")
    response = sign_in(client, "op")
    assert response.status_code == 303 and response.headers["location"] == "/today"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tandem_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain HTTP here
    today = client.get("/today")
    assert today.status_code == 200 and "<h1>Vandaag</h1>" in today.text
    assert today.headers["content-security-policy"].startswith("default-src 'self'")


def test_wrong_password_and_missing_csrf_are_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_OPERATOR, "AGODI", "op")
    assert sign_in(client, "op", "wrong password!").status_code == 401
    client.get("/login")
    bare = client.post("/login", data={"username": "op", "password": PASSWORD}, follow_redirects=False)
    assert bare.status_code == 403
    assert client.get("/today", follow_redirects=False).headers["location"] == "/login?next=/today"


def test_forms_without_the_session_csrf_token_are_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_OPERATOR, "AGODI", "op")
    sign_in(client, "op")
    refused = client.post("/language", data={"lang": "fr", "csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "<h1>Vandaag</h1>" in client.get("/today").text


def test_language_choice_is_kept_on_the_user(client, make_user, session) -> None:  # type: ignore[no-untyped-def]
    user, _ = make_user(Role.CELL_OPERATOR, "SCOS", "op")
    sign_in(client, "op")
    token = _csrf(client.get("/today").text)
    switched = client.post("/language", data={"lang": "fr", "csrf_token": token, "next": "/today"})
    assert '<html lang="fr">' in switched.text and "<h1>Aujourd&#39;hui</h1>" in switched.text
    session.expire_all()
    assert session.get(type(user), user.id).language == "fr"


def test_sign_out_idle_time_out_and_disabling_end_the_session(client, make_user, session) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_OPERATOR, "AGODI", "op")
    sign_in(client, "op")
    token = _csrf(client.get("/today").text)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/today", follow_redirects=False).status_code == 303

    sign_in(client, "op")
    with clock.frozen(clock.now() + timedelta(minutes=31)):
        assert client.get("/today", follow_redirects=False).status_code == 303

    sign_in(client, "op")
    assert client.get("/today").status_code == 200
    auth.disable_user(session, "op")
    session.commit()
    assert client.get("/today", follow_redirects=False).status_code == 303


def test_a_gemeente_user_is_refused_the_cells_pages(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.GEMEENTE_USER, "21004", "brussel")
    sign_in(client, "brussel")
    refused = client.get("/today")
    assert refused.status_code == 403
    assert "Vandaag" not in refused.text  # not even the cell's menu


def test_unknown_page_is_a_bilingual_html_error(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet" in response.text and "Cette page n&#39;existe pas" in response.text
    assert client.get("/api/no-such-route").json() == {"detail": "Not Found"}


def test_a_missing_translation_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "x.nl.yaml").write_text("a: een\nb: twee {n}\n", encoding="utf-8")
    (tmp_path / "x.fr.yaml").write_text("a: un\nb: deux\n", encoding="utf-8")
    (tmp_path / "y.nl.yaml").write_text("c: drie\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        load_catalogues(tmp_path)
    assert "y.fr.yaml is missing" in str(exc.value) and "'b' has placeholders" in str(exc.value)
    (tmp_path / "x.fr.yaml").write_text("a: un\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="x.fr.yaml lacks 'b'"):
        load_catalogues(tmp_path)


def test_the_shipped_catalogues_agree() -> None:
    cats = load_catalogues()
    assert cats.texts["nl"].keys() == cats.texts["fr"].keys()


def test_demo_users_can_sign_in_and_are_created_once(client, session) -> None:  # type: ignore[no-untyped-def]
    lines = ensure_demo_users(session)
    session.commit()
    assert ensure_demo_users(session) == lines  # a second call changes nothing
    session.commit()
    assert all(any(name in line for line in lines) for name in DEMO_USERS)
    assert sign_in(client, "operator-agodi", DEMO_PASSWORD).headers["location"] == "/today"
