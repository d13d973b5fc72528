"""kill -9 in the middle of a linkage run and of a referral export: nothing half-written, no
orphan, and the retry works. The child process is stopped at a known point (a patched function
touches a marker file and sleeps), then killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cli.main import app
from service.linkage.models import ChildStatus, Run
from service.parket import casefile
from service.parket.models import Referral
from tests.linkage.test_linkage import REF, YEAR, year  # noqa: F401 - the fixture
from tests.parket.test_referrals import _referred

ROOT = Path(__file__).resolve().parents[2]


def _kill_when_stalled(tmp_path: Path, stall: str, argv: list[str]) -> None:
    """Run `tandem argv` in a child whose `stall` target (module:attribute) marks and sleeps;
    SIGKILL it once it is there."""
    marker = tmp_path / "stalled"
    module, attribute = stall.split(":")
    script = f"""
import pathlib, time
import {module} as target
def stall(*args, **kwargs):
    pathlib.Path({str(marker)!r}).touch()
    time.sleep(600)
target.{attribute} = stall
from service.cli.main import app
app({argv!r})
"""
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ))
    deadline = time.monotonic() + 180
    while not marker.exists():
        assert child.poll() is None, f"the child ended ({child.returncode}) before reaching {stall}"
        assert time.monotonic() < deadline, f"the child never reached {stall}"
        time.sleep(0.1)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


def test_a_killed_linkage_run_leaves_nothing_and_the_retry_works(
    session: Session,
    year: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    # stopped after the statuses are written (in the run's transaction), before it commits
    argv = ["run", "--school-year", YEAR, "--reference-date", REF.isoformat()]
    _kill_when_stalled(tmp_path, "service.linkage.service:model_health", argv)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Run)) == 0  # no run left "running"
    assert session.scalar(select(func.count()).select_from(ChildStatus)) == 0
    retry = CliRunner().invoke(app, argv)
    assert retry.exit_code == 0, retry.output
    assert session.scalars(select(Run.status)).all() == ["done"]
    assert session.scalar(select(func.count()).select_from(ChildStatus)) == 76


def test_a_killed_export_leaves_no_half_file_and_the_retry_works(
    db_url: str, session: Session, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("a file's atomicity does not depend on the database")
    _referred(session, tmp_path)
    referral = session.scalars(select(Referral)).one()
    out = tmp_path / "export"
    argv = ["parket", "export", str(referral.id), "--out", str(out)]
    _kill_when_stalled(tmp_path, "os:replace", argv)  # the bytes are written, not yet in place
    final = out / f"case-file-{referral.case_id}-{referral.id}.zip"
    assert not final.exists()
    retry = CliRunner().invoke(app, argv)
    assert retry.exit_code == 0, retry.output
    assert casefile.verify_zip(final.read_bytes()) == []
    assert sorted(p.name for p in out.iterdir()) == [final.name]  # the .part was replaced
