"""`tandem indicators` and the demo's summary on two known years."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from rich.console import Console
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cli.main import app
from service.indicators.terminal import demo_summary
from tests.indicators.helpers import two_years

runner = CliRunner()


def test_commands_and_formats(session: Session, tmp_path: Path) -> None:
    two_years(session, tmp_path)
    table = runner.invoke(app, ["indicators", "--school-year", "2025-2026", "--by", "gemeente"])
    assert table.exit_code == 0, table.output
    assert "Brussel / Bruxelles" in table.output and "Honest count" in table.output
    published = runner.invoke(
        app, ["indicators", "--school-year", "2025-2026", "--publish", "--format", "json"]
    )
    body = json.loads(published.stdout)
    assert body["published"] and body["rule"]["threshold"] == 5 and body["rows"][0]["start"] is None
    csv_out = runner.invoke(
        app, ["indicators", "--school-year", "2025-2026", "--by", "age", "--format", "csv"]
    )
    assert csv_out.stdout.startswith("# school year 2025-2026") and "not for publication" in csv_out.stdout
    target = tmp_path / "x.xlsx"
    xlsx = runner.invoke(app, ["indicators", "--school-year", "2025-2026", "--publish", "--format", "xlsx", "--out", str(target)])  # fmt: skip
    assert xlsx.exit_code == 0 and load_workbook(target).sheetnames == ["indicator", "honest count", "method"]
    years = runner.invoke(app, ["indicators", "years"])
    assert years.exit_code == 0 and "2024-2025" in years.output and "2025-2026" in years.output
    times = runner.invoke(app, ["indicators", "timeliness", "--school-year", "2025-2026"])
    assert times.exit_code == 0 and "Time spent per stage" in times.output
    missing = runner.invoke(app, ["indicators", "--school-year", "2019-2020"])
    assert missing.exit_code != 0 and "2019-2020" in missing.output


def test_demo_summary_adds_up(session: Session, tmp_path: Path) -> None:
    two_years(session, tmp_path)
    console = Console(record=True, width=160)
    console.print(demo_summary(session, "2025-2026"))
    text = console.export_text()
    assert "honest count: 3 children = start reading 3" in text
    assert "Gemeente assignments" not in text or "made" in text
    assert "Time spent per stage" in text and "The next four weeks" in text
