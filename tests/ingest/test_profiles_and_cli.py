"""Profiles from outside the package, checked when loaded; the command line a newcomer meets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.auth.service import Actor
from service.cli.main import app
from service.core import national_number as nn
from service.core.errors import ConfigurationError
from service.core.settings import reset_settings_cache
from service.ingest.cli import batches_table, print_report
from service.ingest.models import Exemption, SchoolYear, SourceBatch, SourceKind
from service.ingest.profiles import load_profile, profiles_for
from service.ingest.service import IngestRejected, ingest_file
from tests.factories import child, write_source

YEAR = "2025-2026"
runner = CliRunner()

LAYOUT = """\
name: private_school_list
kind: exemption
date_formats: ["%d.%m.%Y"]
constants:
  reason: private_school
columns:
  national_number: INSZ
  last_name: Familienaam
  first_names: Roepnaam
  birth_date: Geboren
  valid_from: Vanaf
"""


def _exemption(reason: str) -> dict[str, str]:
    """One row of the joint exemption list."""
    return {
        "national_number": nn.make(date(2014, 1, 1), 1),
        "last_name": "A",
        "first_names": "B",
        "birth_date": "01/01/2014",
        "sex": "M",
        "reason": reason,
        "valid_from": "01/09/2025",
    }


def _exemption_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_misspelt_profile_key_is_an_error_naming_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(LAYOUT.replace("date_formats", "date_fromats"), encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        load_profile(bad)
    assert "bad.yaml" in str(info.value) and "date_fromats: unknown key" in str(info.value)
    bad.write_text(LAYOUT.replace("Vanaf", "Vanaf\n  valid_form: Tot"), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown canonical field.*valid_form"):
        load_profile(bad)
    bad.write_text(LAYOUT.replace("  valid_from: Vanaf\n", ""), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="required field.*valid_from"):
        load_profile(bad)


def test_a_profile_in_the_profile_dir_ingests_a_layout_the_package_does_not_ship(
    session: Session, tmp_path: Path, system_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "profiles"
    extra.mkdir()
    (extra / "private.yaml").write_text(LAYOUT, encoding="utf-8")
    data = _exemption_csv(
        tmp_path / "school.csv",
        "INSZ;Familienaam;Roepnaam;Geboren;Vanaf",
        [f"{nn.make(date(2016, 4, 5), 21)};Janssens;Lotte;05.04.2016;01.09.2025"],
    )
    with pytest.raises(IngestRejected, match="matches no profile"):
        ingest_file(session, SourceKind.EXEMPTION, data, YEAR, system_actor)
    monkeypatch.setenv("TANDEM_PROFILE_DIR", str(extra))
    reset_settings_cache()
    assert "private_school_list" in {p.name for p in profiles_for(SourceKind.EXEMPTION)}
    report = ingest_file(session, SourceKind.EXEMPTION, data, YEAR, system_actor)
    assert report.outcome == "accepted" and report.profile == "private_school_list"
    stored = session.scalars(select(Exemption)).one()
    assert (stored.reason, stored.birth_date) == ("private_school", date(2016, 4, 5))


def test_profile_given_as_a_file_and_an_unknown_name_lists_the_valid_ones(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    (tmp_path / "mine.yaml").write_text(LAYOUT, encoding="utf-8")
    data = _exemption_csv(
        tmp_path / "school.csv",
        "INSZ;Familienaam;Roepnaam;Geboren;Vanaf",
        [f"{nn.make(date(2016, 4, 5), 21)};Janssens;Lotte;05.04.2016;01.09.2025"],
    )
    with pytest.raises(IngestRejected) as info:
        ingest_file(session, SourceKind.EXEMPTION, data, YEAR, system_actor, profile_name="mine")
    assert "profile 'mine' does not exist" in info.value.report.message
    assert "exemptions_joint" in info.value.report.message
    profile = str(tmp_path / "mine.yaml")
    report = ingest_file(session, SourceKind.EXEMPTION, data, YEAR, system_actor, profile_name=profile)
    assert report.outcome == "accepted" and report.profile == "private_school_list"


def test_profiles_list_and_check(tmp_path: Path) -> None:
    listed = runner.invoke(app, ["profiles", "list"])
    assert listed.exit_code == 0 and "rijksregister_extract" in listed.output
    (tmp_path / "mine.yaml").write_text(LAYOUT, encoding="utf-8")
    data = _exemption_csv(
        tmp_path / "school.csv",
        "INSZ;Familienaam;Roepnaam;Geboren;Vanaf",
        [
            f"{nn.make(date(2016, 4, 5), 21)};Janssens;Lotte;05.04.2016;01.09.2025",
            f"{nn.make(date(2016, 4, 6), 21)};Janssens;Lotte;2016-04-06;01.09.2025",
        ],
    )
    checked = runner.invoke(app, ["profiles", "check", str(tmp_path / "mine.yaml"), str(data)])
    out = " ".join(checked.output.split())  # rich wraps long lines at the terminal's width
    assert checked.exit_code == 1, out
    assert "Geboren" in out and "would be rejected (1 problem(s))" in out
    (tmp_path / "bad.yaml").write_text(LAYOUT.replace("columns", "colums"), encoding="utf-8")
    bad = runner.invoke(app, ["profiles", "check", str(tmp_path / "bad.yaml")])
    assert bad.exit_code == 2 and "colums: unknown key" in " ".join(bad.output.split())


def test_the_same_bytes_with_another_profile_are_not_already_ingested(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    # Two profiles that both match the header: the second is chosen explicitly.
    (tmp_path / "other.yaml").write_text(
        (Path("service/ingest/profiles/exemptions_joint.yaml").read_text(encoding="utf-8")).replace(
            "name: exemptions_joint", "name: exemptions_other"
        ),
        encoding="utf-8",
    )
    path = write_source(
        tmp_path / "ex.csv",
        "exemptions_joint",
        [_exemption("disability")],
    )
    first = ingest_file(session, SourceKind.EXEMPTION, path, YEAR, system_actor)
    other = str(tmp_path / "other.yaml")
    second = ingest_file(session, SourceKind.EXEMPTION, path, YEAR, system_actor, profile_name=other)
    assert second.outcome == "accepted" and second.batch_id != first.batch_id
    again = ingest_file(session, SourceKind.EXEMPTION, path, YEAR, system_actor, profile_name=other)
    assert again.outcome == "unchanged" and again.batch_id == second.batch_id


@pytest.mark.parametrize("written", ["disability", "Disability_Exemption", "Private School", "école privée"])
def test_exemption_reasons_by_canonical_name_or_a_common_variant(
    session: Session, tmp_path: Path, system_actor: Actor, written: str
) -> None:
    path = write_source(
        tmp_path / "ex.csv",
        "exemptions_joint",
        [_exemption(written)],
    )
    ingest_file(session, SourceKind.EXEMPTION, path, YEAR, system_actor)
    assert session.scalars(select(Exemption.reason)).one() in ("disability", "private_school")


def test_a_rejected_register_keeps_the_year_its_progress_ends_and_run_says_what_is_missing(
    session: Session, tmp_path: Path, system_actor: Actor
) -> None:
    rows = [child(1, date(2014, 1, 1)), child(3, date(2014, 2, 2))]
    rows[1]["birth_date"] = "not a date"
    path = write_source(tmp_path / "register.csv", "rijksregister_extract", rows)
    seen: list[tuple[int, int]] = []
    with pytest.raises(IngestRejected):
        ingest_file(
            session, SourceKind.REGISTER, path, YEAR, system_actor, progress=lambda d, t: seen.append((d, t))
        )
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert session.scalar(select(func.count()).select_from(SchoolYear)) == 1
    result = runner.invoke(app, ["run", "--school-year", YEAR, "--reference-date", "2025-10-01"])
    assert result.exit_code != 0
    assert "has no register extract: ingest one first" in " ".join(result.output.split())


def test_the_error_table_names_the_kind_of_field(capsys: pytest.CaptureFixture[str]) -> None:
    from service.ingest.report import IngestReport

    errors = [{"row": 2, "line": 3, "column": "geboortedatum", "value_kind": "date", "reason": "not a date"}]
    print_report(IngestReport("r.csv", "register", YEAR, errors=errors, errors_total=1, message="rejected"))
    err = capsys.readouterr().err
    assert "field kind" in err and "value" not in err.replace("value_kind", "")


def test_batches_outside_a_data_dir_is_one_line_and_creates_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TANDEM_DATABASE_URL", raising=False)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path / "var"))
    reset_settings_cache()
    result = runner.invoke(app, ["batches"])
    assert result.exit_code == 2 and "tandem db upgrade" in " ".join(result.output.split())
    assert "Traceback" not in result.output and result.output.startswith("error:")
    assert result.output.count("error") == 1  # one message (rich may wrap it)
    assert not (tmp_path / "var").exists()
    reset_settings_cache()


def test_the_batches_table_fits_80_columns(session: Session, tmp_path: Path, system_actor: Actor) -> None:
    path = write_source(
        tmp_path / "a-rather-long-file-name-from-the-register-office-2025.csv",
        "rijksregister_extract",
        [child(1, date(2014, 1, 1))],
    )
    ingest_file(session, SourceKind.REGISTER, path, YEAR, system_actor)
    console = Console(width=80, record=True)
    console.print(batches_table(session.scalars(select(SourceBatch))))
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert "2025-2026" in text and "current" in text and "register" in text
