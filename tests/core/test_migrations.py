"""The schema comes from Alembic migrations, which match the models and go down as well as up."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from service.core import db, migrate
from service.models import Base


def test_migrations_match_the_models(db_url: str) -> None:
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_seeds_reference_data_and_downgrade_removes_everything(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # work on a fresh database of the same backend, so the shared test database stays intact
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        url = db_url.replace("search_path%3D", "search_path%3Dfresh_")
        schema = url.split("search_path%3D")[1]
        admin = db.make_engine(db_url.split("?")[0])
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    migrate.upgrade(url)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM gemeenten")).scalar() == 19
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar() == 22
    migrate.downgrade(url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    engine.dispose()
    if not db_url.startswith("sqlite"):
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_the_schema_check_of_every_command_is_quiet(engine, caplog) -> None:  # type: ignore[no-untyped-def]
    """Every CLI command checks the schema first; that printed Alembic's "Context impl SQLiteImpl."
    and "Will assume non-transactional DDL." before the command's own output, every time."""
    import logging

    from service.cli.common import ensure_schema_current

    with caplog.at_level(logging.INFO):
        ensure_schema_current()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []
    assert logging.getLogger("alembic.runtime.migration").level == logging.NOTSET
