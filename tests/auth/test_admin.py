"""The cell administrator's user administration: accounts with a language, leavers whose tokens and
sessions stop at once, password resets, API tokens that always expire; nobody else may use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.auth import admin
from service.auth.models import Role
from service.cli.main import app
from service.core import clock
from service.core.errors import Conflict, TandemError

PW = "correct horse battery"


def test_admin_creates_a_user_with_role_organisation_and_language(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, boss = make_user(Role.CELL_ADMIN, "AGODI", "boss")
    body = {
        "username": "ines",
        "role": "gemeente_user",
        "organisation": "21004",
        "language": "fr",
        "password": PW,
    }
    made = client.post("/api/users", json=body, headers=boss)
    assert made.status_code == 201, made.text
    user = client.get(f"/api/users/{made.json()['id']}", headers=boss).json()
    assert (user["organisation"], user["role"], user["language"], user["active"]) == (
        "21004",
        "gemeente_user",
        "fr",
        True,
    )
    assert (
        client.post("/api/users", json={**body, "username": "x", "language": "en"}, headers=boss).status_code
        == 422
    )
    wrong_org = client.post(
        "/api/users", json={**body, "username": "y", "organisation": "AGODI"}, headers=boss
    )
    assert wrong_org.status_code == 400 and "cannot belong" in wrong_org.json()["detail"]
    assert client.post("/api/users", json=body, headers=boss).status_code == 409
    orgs = client.get("/api/organisations", headers=boss).json()
    assert {"AGODI", "SCOS", "PARKET", "21004"} <= {o["code"] for o in orgs}


def test_only_the_cell_admin_administers_users(client, make_user) -> None:  # type: ignore[no-untyped-def]
    target, _ = make_user(Role.CELL_OPERATOR, "AGODI", "op")
    for role, org in ((Role.CELL_OPERATOR, "SCOS"), (Role.AUDITOR, "AGODI"), (Role.GEMEENTE_USER, "21004")):
        _, headers = make_user(role, org)
        for method, path in (
            ("GET", "/api/organisations"),
            ("GET", f"/api/users/{target.id}"),
            ("POST", f"/api/users/{target.id}/disable"),
            ("GET", f"/api/users/{target.id}/tokens"),
        ):
            assert client.request(method, path, headers=headers).status_code == 403, (role, path)
    assert client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_disabling_a_leaver_stops_tokens_and_sessions_at_once(client, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    from service.auth import service

    boss_user, boss = make_user(Role.CELL_ADMIN, "AGODI", "boss")
    leaver, headers = make_user(Role.GEMEENTE_USER, "21004", "leaver")
    browser = service.start_session(session, leaver)
    session.commit()
    assert client.get("/api/me", headers=headers).status_code == 200
    done = client.post(f"/api/users/{leaver.id}/disable", headers=boss)
    assert done.json() == {"username": "leaver", "active": False, "tokens_revoked": 1, "sessions_ended": 1}
    session.expire_all()
    assert (
        service.session_for_token(session, browser, idle=timedelta(hours=1), max_age=timedelta(days=1))
        is None
    )
    assert client.get("/api/me", headers=headers).status_code == 401
    login = client.post("/api/auth/token", json={"username": "leaver", "password": PW})
    assert login.status_code == 401
    assert client.post(f"/api/users/{boss_user.id}/disable", headers=boss).status_code == 409
    again = client.post(f"/api/users/{leaver.id}/enable", headers=boss).json()
    assert again["active"] is True
    assert client.get("/api/me", headers=headers).status_code == 401  # old tokens stay revoked


def test_a_password_reset_ends_the_sign_ins_made_with_the_old_one(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, boss = make_user(Role.CELL_ADMIN, "AGODI", "boss")
    user, _ = make_user(Role.PARKET_USER, "PARKET", "pia")
    signed_in = client.post("/api/auth/token", json={"username": "pia", "password": PW}).json()
    headers = {"Authorization": f"Bearer {signed_in['access_token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    short = client.put(f"/api/users/{user.id}/password", json={"password": "short"}, headers=boss)
    assert short.status_code == 400
    reset = client.put(
        f"/api/users/{user.id}/password", json={"password": "a brand new passphrase"}, headers=boss
    )
    assert reset.json()["tokens_revoked"] == 1
    assert client.get("/api/me", headers=headers).status_code == 401
    assert client.post("/api/auth/token", json={"username": "pia", "password": PW}).status_code == 401
    new = client.post("/api/auth/token", json={"username": "pia", "password": "a brand new passphrase"})
    assert new.status_code == 200


def test_api_tokens_are_issued_with_an_expiry_listed_and_revoked(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, boss = make_user(Role.CELL_ADMIN, "AGODI", "boss")
    user, _ = make_user(Role.CELL_OPERATOR, "SCOS", "script")
    for days in (0, -5, 3651):
        refused = client.post(
            f"/api/users/{user.id}/tokens", json={"name": "sync", "days": days}, headers=boss
        )
        assert refused.status_code == 422, days
    issued = client.post(f"/api/users/{user.id}/tokens", json={"name": "sync", "days": 30}, headers=boss)
    assert issued.status_code == 201
    token = issued.json()
    assert token["state"] == "active" and token["expires_at"]
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/me", headers=headers).json()["username"] == "script"
    listed = client.get(f"/api/users/{user.id}/tokens", headers=boss).json()
    assert [t["name"] for t in listed] == ["", "sync"] and all("token" not in t for t in listed)
    with clock.frozen(clock.now() + timedelta(days=31)):
        assert client.get("/api/me", headers=headers).status_code == 401
        assert client.get(f"/api/users/{user.id}/tokens", headers=boss).json()[1]["state"] == "expired"
    revoked = client.post(f"/api/users/{user.id}/tokens/{token['id']}/revoke", headers=boss)
    assert revoked.json()["state"] == "revoked"
    assert client.get("/api/me", headers=headers).status_code == 401
    other, _ = make_user(Role.CELL_OPERATOR, "AGODI", "other")
    assert client.post(f"/api/users/{other.id}/tokens/{token['id']}/revoke", headers=boss).status_code == 404


def test_the_service_refuses_tokens_without_a_real_expiry_and_self_disabling(session: Session) -> None:
    from service.auth.service import Actor

    user = admin.create_account(
        session, username="al", role=Role.CELL_ADMIN, organisation="SCOS", language="fr", password=PW
    )
    for days in (0, -1, 4000):
        with pytest.raises(TandemError, match="1 to 3650 days"):
            admin.issue_api_token(session, username="al", name="x", days=days)
    with pytest.raises(TandemError, match="sign-in tokens"):
        admin.issue_api_token(session, username="al", name="login", days=5)
    with pytest.raises(Conflict):
        admin.disable_account(session, Actor.from_user(user), username="al")
    with pytest.raises(TandemError, match="language"):
        admin.check_language("de")


def test_the_cli_creates_resets_lists_and_revokes(engine) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["users", "create", "fr1", "--role", "cell_operator", "--org", "SCOS", "--language", "fr"]
        + ["--password", PW, "--token"],
    )
    assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["users", "list"])
    assert " fr " in listed.output and "active" in listed.output
    tokens = runner.invoke(app, ["users", "tokens", "fr1"])
    assert tokens.exit_code == 0 and "active" in tokens.output and "tdm_" not in tokens.output
    token_id = tokens.output.split()[0]
    assert runner.invoke(app, ["users", "revoke", token_id, "--username", "nobody"]).exit_code != 0
    assert runner.invoke(app, ["users", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["users", "tokens", "fr1"]).output
    reset = runner.invoke(app, ["users", "reset-password", "fr1", "--password", "another long phrase"])
    assert reset.exit_code == 0, reset.output
    assert runner.invoke(app, ["users", "reset-password", "fr1", "--password", "short"]).exit_code != 0
    bad = runner.invoke(
        app, ["users", "create", "x", "--role", "auditor", "--org", "AGODI", "--language", "en"]
    )
    assert bad.exit_code != 0
