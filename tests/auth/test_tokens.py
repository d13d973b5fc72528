"""API tokens and logins: stored hashed, expiring, refused for disabled users, and a login that
does not tell by its timing whether a user name exists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import service
from service.auth.models import ApiToken, Role, User
from service.core import clock


def test_tokens_are_stored_hashed_expire_and_stop_with_the_user(client, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = service.create_user(session, "op", Role.CELL_OPERATOR, "AGODI", "a long passphrase")
    token = service.issue_token(session, user, ttl=timedelta(hours=1))
    session.commit()
    assert token not in {t.token_hash for t in session.scalars(select(ApiToken))}
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    with clock.frozen(clock.now() + timedelta(hours=2)):
        assert client.get("/api/me", headers=headers).status_code == 401
    session.get(User, user.id).active = False
    session.commit()
    assert client.get("/api/me", headers=headers).status_code == 401
    assert (
        client.post("/api/auth/token", json={"username": "op", "password": "a long passphrase"}).status_code
        == 401
    )


def test_a_login_does_the_password_work_whether_or_not_the_user_exists(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Skipping argon2 for an unknown (or disabled) user would let response times list the user names."""
    calls: list[str] = []
    real = service._hasher

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            calls.append(password)
            return real.verify(stored, password)

        def hash(self, password: str) -> str:
            return real.hash(password)

    monkeypatch.setattr(service, "_hasher", Counting())
    user = service.create_user(session, "op", Role.CELL_OPERATOR, "AGODI", "a long passphrase")
    service.create_user(session, "nopw", Role.CELL_OPERATOR, "AGODI")
    for name in ("nobody", "nopw", "op"):
        try:
            service.login(session, name, "guess")
        except service.Unauthenticated:
            pass
    user.active = False
    try:
        service.login(session, "op", "pw")
        raise AssertionError("a disabled user logged in")
    except service.Unauthenticated:
        pass
    assert len(calls) == 4


def test_a_token_made_with_a_new_user_expires(engine) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from service.cli.main import app
    from service.core.db import session_scope

    args = [
        "users",
        "create",
        "op2",
        "--role",
        "cell_operator",
        "--org",
        "AGODI",
        "--password",
        "a long passphrase",
    ]
    args.append("--token")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with session_scope() as s:
        assert [t.expires_at is not None for t in s.scalars(select(ApiToken))] == [True]


def test_a_disabled_user_loses_login_and_every_token(client, engine) -> None:  # type: ignore[no-untyped-def]
    """Someone who leaves the cell or a gemeente: `tandem users disable` stops their 90-day tokens at once."""
    from typer.testing import CliRunner

    from service.cli.main import app
    from service.core.db import session_scope

    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "leaver",
            "--role",
            "gemeente_user",
            "--org",
            "21004",
            "--password",
            "a long passphrase",
            "--token",
        ],
    )
    assert made.exit_code == 0, made.output
    token = made.output.rsplit("API token (shown once): ", 1)[1].split()[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    done = runner.invoke(app, ["users", "disable", "leaver"])
    assert done.exit_code == 0, done.output
    assert client.get("/api/me", headers=headers).status_code == 401
    assert (
        client.post(
            "/api/auth/token", json={"username": "leaver", "password": "a long passphrase"}
        ).status_code
        == 401
    )
    with session_scope() as s:
        assert all(t.revoked_at is not None for t in s.scalars(select(ApiToken)))
    assert runner.invoke(app, ["users", "disable", "nobody"]).exit_code != 0


def test_short_passwords_are_refused(session) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from service.auth.models import Role
    from service.core.errors import TandemError

    with pytest.raises(TandemError, match="at least 12 characters"):
        service.create_user(session, "shorty", Role.CELL_OPERATOR, "AGODI", password="a")
