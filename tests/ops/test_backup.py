"""Backup and restore on PostgreSQL, as deploy/README.md describes them: `pg_dump` of a populated
schema, `pg_restore` into an empty database, and the restored copy answers `GET /api/cases` exactly
as the original did, passes `tandem audit verify` and the migration check. The keys are not in the
dump (nor any national number in the clear): a dump alone cannot re-identify anyone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.api.app import create_app
from service.audit import chain
from service.auth.models import Role
from service.cases.service import open_cases_for_run
from service.core import db, migrate
from service.core.settings import reset_settings_cache
from service.linkage.service import run_linkage
from tests.conftest import PG_BASE, TEST_AEAD_KEY, TEST_HMAC_KEY, TEST_SIGNING_KEY
from tests.linkage.test_linkage import ACTOR, REF, YEAR, year  # noqa: F401 - the fixture

PG = ["-h", "127.0.0.1", "-U", "postgres"]


def _cases(client: TestClient, headers: dict[str, str]) -> tuple[str, Any]:
    answer = client.get("/api/cases?limit=1000", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.headers["x-total-count"], answer.json()


def test_a_restored_dump_answers_the_same(
    db_url: str,
    session: Session,
    year: dict[str, Any],  # noqa: F811
    make_user,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("pg_dump / pg_restore: the production database's backup")
    schema = unquote(db_url.split("search_path%3D", 1)[1])
    run = run_linkage(session, YEAR, REF, ACTOR)
    opened = open_cases_for_run(session, run.id, ACTOR)
    session.commit()
    _, headers = make_user(Role.CELL_ADMIN, "AGODI")
    with TestClient(create_app()) as client:
        total, original = _cases(client, headers)
    assert int(total) == len(original) > 0, opened

    dump = tmp_path / "tandem.dump"
    subprocess.run(["pg_dump", *PG, "-d", "test", "-n", schema, "-Fc", "-f", str(dump)], check=True)
    as_text = subprocess.run(["pg_restore", "-f", "-", str(dump)], check=True, capture_output=True).stdout
    for secret in (TEST_HMAC_KEY, TEST_AEAD_KEY, TEST_SIGNING_KEY, *year["numbers"].values()):
        assert secret.encode() not in as_text  # keys live apart; numbers are encrypted or hashed

    target = f"tandem_restore_{os.getpid()}"
    admin = db.make_engine(PG_BASE)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {target}"))
        conn.execute(text(f"CREATE DATABASE {target}"))
    try:
        subprocess.run(["pg_restore", *PG, "-d", target, "--no-owner", str(dump)], check=True)
        restored_url = f"{PG_BASE.rsplit('/', 1)[0]}/{target}?options=-csearch_path%3D{schema}"
        monkeypatch.setenv("TANDEM_DATABASE_URL", restored_url)
        reset_settings_cache()
        db.reset_engine_cache()
        with TestClient(create_app()) as client:
            assert _cases(client, headers) == (total, original)
        engine = db.get_engine()
        current, head = migrate.revisions(engine)
        assert current == head
        with db.session_scope(engine) as restored:
            report = chain.verify(restored)
        assert report.broken is None and report.events > 0
        engine.dispose()
    finally:
        db.reset_engine_cache()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)"))
        admin.dispose()
