"""Test fixtures. Database tests run against every backend in TANDEM_TEST_DATABASES.

The default is both SQLite and PostgreSQL (127.0.0.1:5432, database `test`); each pytest-xdist
worker gets its own PostgreSQL schema, built by the Alembic migrations, never by `create_all`.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from service.auth.models import Role
from service.auth.service import Actor
from service.core import clock, crypto, db, migrate
from service.core.settings import reset_settings_cache
from service.models import Base
from service.wiring import wire

wire()  # the hooks the API and the CLI register at start-up

PG_BASE = os.environ.get("TANDEM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [
    b.strip() for b in os.environ.get("TANDEM_TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()
]
SEEDED = {"gemeenten", "organisations", "alembic_version"}

# Fixed test keys: never used outside tests.
TEST_HMAC_KEY = base64.b64encode(b"h" * 32).decode()
TEST_AEAD_KEY = base64.b64encode(b"a" * 32).decode()
TEST_SIGNING_KEY = base64.b64encode(b"s" * 32).decode()


def _worker() -> str:
    """Unique per test process, so concurrent test runs never share a PostgreSQL schema."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _test_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test sees fixed keys and a private data directory, whatever the developer's .env says."""
    data_dir = tmp_path_factory.mktemp("data")
    env = {
        "TANDEM_DATA_DIR": str(data_dir),
        "TANDEM_HMAC_KEY": TEST_HMAC_KEY,
        "TANDEM_HMAC_KEY_ID": "test-h1",
        "TANDEM_AEAD_KEY": TEST_AEAD_KEY,
        "TANDEM_AEAD_KEY_ID": "test-a1",
        "TANDEM_SIGNING_KEY": TEST_SIGNING_KEY,
        "TANDEM_SIGNING_KEY_ID": "test-s1",
        "TANDEM_KEY_DIR": str(data_dir / "no-keys"),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reset_settings_cache()
    crypto.cached_keyring.cache_clear()
    crypto.cached_signing_keys.cache_clear()
    yield data_dir
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings_cache()


def _pg_url(schema: str) -> str:
    return f"{PG_BASE}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of one backend for this test session."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'tandem.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    if backend != "postgresql":
        raise ValueError(f"unknown test backend {backend}")
    schema = f"tandem_test_{_worker()}"
    admin = db.make_engine(PG_BASE)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # a missing server must fail loudly, not skip: both backends are required
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_BASE} ({type(exc).__name__}); start it, or set "
            "TANDEM_TEST_DATABASES=sqlite to run SQLite only"
        )
    url = _pg_url(schema)
    migrate.upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The engine of the current backend, installed as the application's engine; tables emptied after."""
    monkeypatch.setenv("TANDEM_DATABASE_URL", db_url)
    reset_settings_cache()
    db.reset_engine_cache()
    eng = db.get_engine()
    yield eng
    _empty_tables(eng)
    db.reset_engine_cache()
    eng.dispose()
    reset_settings_cache()


def _empty_tables(eng: Engine) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in SEEDED]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            for t in tables:
                conn.execute(t.delete())
        # Seeded organisations may have been edited by a test (e-mail, default visitor): restore.
        conn.execute(text("UPDATE organisations SET email = NULL, default_visitor = NULL"))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    s = db.session_factory(engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def clock_at() -> Iterator[clock.FrozenClock]:
    """A frozen clock a test can move, starting on Monday 6 October 2025 at 9:00 UTC (a week after
    the reference date the case and letter tests use)."""
    with clock.frozen(datetime(2025, 10, 6, 9, 0, tzinfo=UTC)) as frozen:
        yield frozen


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def make_user(session: Session):  # type: ignore[no-untyped-def]
    """Create a user with an API token; returns (user, headers)."""
    from service.auth import service

    def make(role: Role, org: str, username: str | None = None) -> tuple[object, dict[str, str]]:
        name = username or f"{role.value}-{org}".lower()
        user = service.create_user(session, name, role, org, password="correct horse battery")
        token = service.issue_token(session, user)
        session.commit()
        return user, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def client(engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from service.api.app import create_app

    with TestClient(create_app()) as c:
        yield c
