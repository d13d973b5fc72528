"""The wheel holds what the service needs: built from this checkout and installed in a fresh
virtualenv outside it, it checks its procedure, migrates a database and renders a letter preview.

The fresh virtualenv borrows this one's dependencies through a .pth file (nothing is downloaded);
Tandem itself comes only from the wheel, run from an empty folder with a bare environment.
`tandem workflow check` runs as the installed console script; the steps that need a case (upgrade,
keys, a tiny generated year, ingest, run, open cases, preview) run as `tandem` commands in one
process of the installed copy, to keep the test short.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from service.core import migrate

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "test-output", "*.egg-info", "__pycache__", ".*_cache"
)

STEPS = """
import logging, sys
from pathlib import Path
logging.basicConfig(level=logging.WARNING, stream=sys.__stderr__)
from typer.testing import CliRunner
import service, tandem_letters, tandem_migrations, tandem_workflows
from service.cli.main import app

for package in (service, tandem_letters, tandem_migrations, tandem_workflows):
    assert Path(package.__file__).is_relative_to(sys.prefix), package.__file__

def tandem(*args):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    print("$ tandem", " ".join(args), "->", result.exit_code, result.output[-400:])
    assert result.exit_code == 0, args

tandem("db", "upgrade")
tandem("keys", "init")
tandem("generate", "--children", "60", "--list-scale", "0.01", "--no-xlsx", "--out", "year")
tandem("ingest", "register", "year/register.csv", "--school-year", "2025-2026")
tandem("run", "--school-year", "2025-2026", "--reference-date", "2025-10-01")
tandem("cases", "open", "--run", "1")
tandem("letters", "preview", "--kind", "letter_1", "--case", "1", "--out", "preview.pdf")
"""


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_an_installed_wheel_finds_its_procedure_migrations_and_letters(tmp_path: Path) -> None:
    source, dist, venv, work = (tmp_path / name for name in ("src", "dist", "venv", "work"))
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)  # a clean tree: no stale build/ leaks in
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source])
    (wheel,) = dist.glob("tandem-*.whl")

    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(
        _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    ours = sysconfig.get_paths()
    (site / "_borrowed_dependencies.pth").write_text(
        f"{ours['purelib']}\n{ours['platlib']}\n", encoding="utf-8"
    )
    _run([*pip, "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])

    work.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(work),
        "TANDEM_DATA_DIR": str(work / "var"),
        "LANG": "C.UTF-8",
    }
    check = _run([venv / "bin" / "tandem", "workflow", "check"], cwd=work, env=env)
    assert "valid" in check.stdout and "site-packages/tandem_workflows" in check.stdout.replace("\n", "")

    (work / "steps.py").write_text(STEPS, encoding="utf-8")
    steps = _run([python, work / "steps.py"], cwd=work, env=env)
    assert "preview written to preview.pdf" in steps.stdout, steps.stdout
    with sqlite3.connect(work / "var" / "tandem.sqlite3") as db:
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert (work / "preview.pdf").read_bytes().startswith(b"%PDF")
