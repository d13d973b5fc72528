"""The synthetic Brussels year: formats the ingest profiles expect, and a ground truth that holds.

One small year (2,000 children, list_scale 0.05) is generated per test session and read back here
exactly as the ingest side will read it.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from service.cli.main import app as tandem
from service.core.national_number import NNKind, NNProblem, consistency_problems, parse
from service.core.reference import brussels_postcodes
from service.core.school_age import is_compulsory
from sim.generate.brussels import ErrorRates, GeneratorConfig, generate_year
from sim.generate.cli import generate_app
from sim.generate.names import strip_accents
from sim.generate.writers import ALL_SPECS, LATE_XLSX, REGISTER, FileSpec

PROFILES = Path(__file__).resolve().parents[2] / "service" / "ingest" / "profiles"
CHILDREN = 2000
SCALE = 0.05
REFERENCE = date(2025, 10, 1)
LISTS = (
    "enrolment_nl.csv",
    "enrolment_fr.csv",
    "home_education_nl.csv",
    "home_education_fr.csv",
    "exemptions.csv",
)


def _config(seed: int = 7, **kw: object) -> GeneratorConfig:
    return GeneratorConfig(children=CHILDREN, seed=seed, list_scale=SCALE, chunk_size=1500, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("year")
    generate_year(out, _config())
    return out


@dataclass
class Loaded:
    register: list[dict[str, str]]
    truth_children: list[dict[str, str]]
    truth_records: list[dict[str, str]]
    lists: dict[str, list[dict[str, str]]]  # file -> data rows (row N at index N-1)


def _spec(filename: str) -> FileSpec:
    return next(s for s in ALL_SPECS if s.filename == filename)


def _read_csv(path: Path, spec: FileSpec) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig" if spec.encoding == "utf-8-sig" else spec.encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=spec.delimiter))


def _read_xlsx(path: Path) -> list[dict[str, object]]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def loaded(year: Path) -> Loaded:
    def plain(name: str) -> list[dict[str, str]]:
        with (year / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    return Loaded(
        register=_read_csv(year / REGISTER.filename, REGISTER),
        truth_children=plain("truth_children.csv"),
        truth_records=plain("truth_records.csv"),
        lists={name: _read_csv(year / name, _spec(name)) for name in LISTS},
    )


def _date(text: str, spec: FileSpec) -> date | None:
    if not text:
        return None
    fmt = "%Y-%m-%d" if spec.date_format == "iso" else "%d/%m/%Y"
    return datetime.strptime(text, fmt).date()


# -- determinism ---------------------------------------------------------------------------------------


def _bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_the_same_bytes(year: Path, tmp_path: Path) -> None:
    generate_year(tmp_path, _config())
    assert _bytes(tmp_path) == _bytes(year)


def test_parallel_and_sequential_runs_write_the_same_bytes(year: Path, tmp_path: Path) -> None:
    generate_year(tmp_path, _config(workers=1))
    assert _bytes(tmp_path) == _bytes(year)
    assert not [p.name for p in year.iterdir() if p.name.startswith(".")], "no temporary parts left behind"


def test_another_seed_gives_other_data(year: Path, tmp_path: Path) -> None:
    generate_year(tmp_path, _config(seed=8))
    other, base = _bytes(tmp_path), _bytes(year)
    for name in ("register.csv", "enrolment_nl.csv", "enrolment_fr.csv", "truth_children.csv"):
        assert other[name] != base[name], name


# -- formats -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.filename)
def test_headers_are_exactly_the_profile_columns(year: Path, spec: FileSpec) -> None:
    profile = yaml.safe_load((PROFILES / f"{spec.profile}.yaml").read_text(encoding="utf-8"))
    expected = list(profile["columns"].values())
    if spec is LATE_XLSX:
        header = [
            c.value for c in next(load_workbook(year / spec.filename).worksheets[0].iter_rows(max_row=1))
        ]
    else:
        with (year / spec.filename).open(encoding=spec.encoding, newline="") as fh:
            header = next(csv.reader(fh, delimiter=spec.delimiter))
    assert header == expected


def test_encodings_are_those_of_the_real_exports(year: Path) -> None:
    for name in ("enrolment_fr.csv", "home_education_fr.csv"):
        raw = (year / name).read_bytes()
        raw.decode("cp1252")  # must not raise
        with pytest.raises(UnicodeDecodeError):  # 'Prénom' in cp1252 is not valid UTF-8
            raw.decode("utf-8")
    for name in ("enrolment_nl.csv", "home_education_nl.csv"):
        assert (year / name).read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("register.csv", "exemptions.csv"):
        raw = (year / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")


def test_date_and_sex_codes_follow_each_file(loaded: Loaded) -> None:
    fr = loaded.lists["enrolment_fr.csv"]
    nl = loaded.lists["enrolment_nl.csv"]
    assert {r["Sexe"] for r in fr} == {"M", "F"}
    assert {r["Geslacht"] for r in nl} == {"M", "V"}
    assert {r["geslacht"] for r in loaded.register} == {"M", "V"}
    assert all(_date(r["Date de naissance"], _spec("enrolment_fr.csv")) for r in fr)
    assert all(_date(r["Geboortedatum"], _spec("enrolment_nl.csv")) for r in nl)


def test_legacy_files_transliterate_what_cp1252_cannot_hold(loaded: Loaded, year: Path) -> None:
    fr_errors = [r["errors"] for r in loaded.truth_records if r["file"] == "enrolment_fr.csv"]
    assert any("cp1252_translit" in e for e in fr_errors)
    nl_names = " ".join(r["Naam"] + " " + r["Voornaam"] for r in loaded.lists["enrolment_nl.csv"])
    assert set("şğłıă") & set(nl_names), "the UTF-8 list keeps Turkish, Polish and Romanian letters"


# -- the register ---------------------------------------------------------------------------------------


def test_register_national_numbers_are_valid_unique_and_consistent(loaded: Loaded) -> None:
    numbers = [r["rijksregisternummer"] for r in loaded.register]
    assert len(numbers) == CHILDREN
    assert len(set(numbers)) == len(numbers)
    bis = 0
    for row in loaded.register:
        parsed = parse(row["rijksregisternummer"])
        assert not isinstance(parsed, NNProblem), row["rijksregisternummer"]
        bis += parsed.kind is NNKind.BIS
        sex = "M" if row["geslacht"] == "M" else "F"
        assert consistency_problems(parsed, date.fromisoformat(row["geboortedatum"]), sex) == []
    assert bis < CHILDREN * 0.01


def test_guardians_are_valid_adults(loaded: Loaded) -> None:
    seen = 0
    for row in loaded.register:
        for i in (1, 2):
            number = row[f"ouder{i}_rijksregisternummer"]
            if not number:
                assert i == 2
                continue
            parsed = parse(number)
            assert not isinstance(parsed, NNProblem)
            assert 1965 <= parsed.birth_year <= 2000
            assert row[f"ouder{i}_relatie"] in ("moeder", "vader", "voogd")
            seen += 1
    assert seen > CHILDREN * 1.4  # most children have two guardians


def test_households_twins_and_guardians_living_apart(loaded: Loaded) -> None:
    by_home: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in loaded.register:
        key = (
            row["postcode"],
            row["straat"],
            row["huisnummer"],
            row["bus"],
            row["ouder1_rijksregisternummer"],
        )
        by_home[key].append(row)
    twins = 0
    for members in by_home.values():
        births = Counter(m["geboortedatum"] for m in members)
        for born, n in births.items():
            if n > 1:
                pair = [m for m in members if m["geboortedatum"] == born]
                assert len({m["voornamen"] for m in pair}) == len(pair), "twins have different first names"
                assert len({m["naam"].casefold() for m in pair}) == 1 or any(
                    m["geslacht"] == "V" for m in pair
                )
                twins += n
    assert 0.005 * CHILDREN <= twins <= 0.03 * CHILDREN
    assert sum(len(m) > 1 for m in by_home.values()) > len(by_home) * 0.3, "siblings share an address"
    apart = [r for r in loaded.register if r["ouder2_postcode"] and r["ouder2_straat"] != r["straat"]]
    abroad = [r for r in apart if r["ouder2_land"]]
    assert apart and abroad
    assert all(not r["ouder2_postcode"].isdigit() for r in abroad), "foreign postcodes carry a country prefix"


def test_register_looks_like_brussels(loaded: Loaded) -> None:
    postcodes = brussels_postcodes()
    assert all(r["postcode"] in postcodes for r in loaded.register)
    assert len({r["nis_code"] for r in loaded.register}) == 19
    assert all(r["statistische_sector"].startswith(r["nis_code"]) for r in loaded.register)
    languages = Counter(r["taal"] for r in loaded.register)
    assert set(languages) == {"NL", "FR"}
    assert 0.08 < languages["NL"] / CHILDREN < 0.25
    surnames = Counter(r["naam"] for r in loaded.register)
    assert len(surnames) > CHILDREN * 0.3, "many rare surnames"
    assert surnames.most_common(1)[0][1] >= 6, "and some very common ones"
    text = " ".join(surnames)
    for particle in ("Van ", "El ", "De "):
        assert particle in text


# -- the ground truth -----------------------------------------------------------------------------------


def test_truth_children_cover_every_register_row(loaded: Loaded) -> None:
    assert [int(t["register_row"]) for t in loaded.truth_children] == list(range(1, CHILDREN + 1))
    for truth, row in zip(loaded.truth_children, loaded.register, strict=True):
        assert truth["national_number"] == row["rijksregisternummer"]
    assert len({t["child_uid"] for t in loaded.truth_children}) == CHILDREN


def test_truth_records_point_at_existing_rows(loaded: Loaded, year: Path) -> None:
    rows_by_file: dict[str, list[int]] = defaultdict(list)
    for rec in loaded.truth_records:
        rows_by_file[rec["file"]].append(int(rec["row"]))
    for name, rows in loaded.lists.items():
        assert rows_by_file[name] == list(range(1, len(rows) + 1)), name
    assert rows_by_file[LATE_XLSX.filename] == list(range(1, len(_read_xlsx(year / LATE_XLSX.filename)) + 1))
    uids = {t["child_uid"] for t in loaded.truth_children}
    assert {r["child_uid"] for r in loaded.truth_records} - {""} <= uids


def _covers(start: date | None, end: date | None) -> bool:
    return start is not None and start <= REFERENCE and (end is None or end >= REFERENCE)


def test_true_status_is_what_the_files_say(loaded: Loaded, year: Path) -> None:
    """Read the files back by child_uid and recompute each child's status on the reference date."""
    columns = {
        "enrolment_nl.csv": ("enrolled", "Begindatum inschrijving", "Einddatum inschrijving"),
        "enrolment_fr.csv": ("enrolled", "Date d'inscription", "Date de sortie"),
        "home_education_nl.csv": ("home_educated", "Begindatum huisonderwijs", "Einddatum huisonderwijs"),
        "home_education_fr.csv": (
            "home_educated",
            "Début enseignement à domicile",
            "Fin enseignement à domicile",
        ),
        "exemptions.csv": ("exempted", "valable_du_geldig_vanaf", "valable_au_geldig_tot"),
    }
    uid_rows = {(r["file"], int(r["row"])): r["child_uid"] for r in loaded.truth_records}
    found: dict[str, set[str]] = defaultdict(set)
    for name, (status, start, end) in columns.items():
        spec = _spec(name)
        for n, row in enumerate(loaded.lists[name], start=1):
            uid = uid_rows[(name, n)]
            if uid and _covers(_date(row[start], spec), _date(row[end], spec)):
                found[uid].add(status)
    late = {
        uid_rows[(LATE_XLSX.filename, n)] for n in range(1, len(_read_xlsx(year / LATE_XLSX.filename)) + 1)
    }
    statuses = Counter()
    for truth, reg in zip(loaded.truth_children, loaded.register, strict=True):
        uid, status = truth["child_uid"], truth["true_status"]
        statuses[status] += 1
        compulsory = is_compulsory(date.fromisoformat(reg["geboortedatum"]), REFERENCE, "2025-2026")
        assert compulsory == (status != "not_compulsory"), uid
        if status == "not_compulsory":
            continue
        if truth["cleared_late"] == "1":
            assert not found[uid] and uid in late and status == "exempted", uid
        elif status == "none":
            assert not found[uid], uid
        else:
            assert status in found[uid], uid
    assert 0.004 <= statuses["none"] / CHILDREN <= 0.018, "about 1% are enrolled nowhere"
    assert 0.004 <= statuses["not_compulsory"] / CHILDREN <= 0.02, "about 1% are just outside the ages"
    assert 0.015 <= statuses["exempted"] / CHILDREN <= 0.045
    assert statuses["home_educated"] > 0


def test_enrolled_detail_names_the_community(loaded: Loaded) -> None:
    uid_rows = defaultdict(set)
    for r in loaded.truth_records:
        if r["child_uid"] and r["file"].startswith("enrolment_"):
            uid_rows[r["child_uid"]].add(r["file"][10:12])
    details = Counter(t["detail"] for t in loaded.truth_children if t["true_status"] == "enrolled")
    assert set(details) <= {"nl", "fr", "nl+fr"}
    assert 0.7 < details["fr"] / sum(details.values()) < 0.9
    for t in loaded.truth_children:
        if t["true_status"] == "enrolled":
            assert set(t["detail"].split("+")) <= uid_rows[t["child_uid"]]


def test_clean_list_rows_agree_with_the_register(loaded: Loaded) -> None:
    """A row without injected errors carries the child's number, birth date and (folded) names."""
    register = {t["child_uid"]: r for t, r in zip(loaded.truth_children, loaded.register, strict=True)}
    truth = {(r["file"], int(r["row"])): r for r in loaded.truth_records}
    identity = {
        "enrolment_nl.csv": ("Rijksregisternummer", "Naam", "Voornaam", "Geboortedatum"),
        "enrolment_fr.csv": ("NISS", "Nom", "Prénom", "Date de naissance"),
        "exemptions.csv": ("niss_rrn", "nom_naam", "prenom_voornaam", "date_naissance_geboortedatum"),
    }

    def fold(text: str) -> str:
        return strip_accents(text).casefold()

    checked = 0
    for name, (nn, last, first, born) in identity.items():
        spec = _spec(name)
        for n, row in enumerate(loaded.lists[name], start=1):
            rec = truth[(name, n)]
            if not rec["child_uid"] or rec["errors"]:
                continue
            child = register[rec["child_uid"]]
            assert row[nn] == child["rijksregisternummer"]
            assert _date(row[born], spec) == date.fromisoformat(child["geboortedatum"])
            assert fold(row[last]) == fold(child["naam"])
            assert fold(child["voornamen"]).startswith(fold(row[first]))
            checked += 1
    assert checked > CHILDREN * 0.6


def test_injected_errors_are_real_and_near_their_rates(loaded: Loaded) -> None:
    register = {t["child_uid"]: t["national_number"] for t in loaded.truth_children}
    numbers = {
        "enrolment_nl.csv": "Rijksregisternummer",
        "enrolment_fr.csv": "NISS",
        "exemptions.csv": "niss_rrn",
    }
    kinds: Counter[str] = Counter()
    total = 0
    for name, column in numbers.items():
        truth = [r for r in loaded.truth_records if r["file"] == name]
        for rec, row in zip(truth, loaded.lists[name], strict=True):
            errors = set(rec["errors"].split(";")) - {""}
            kinds.update(errors)
            total += 1
            nn = row[column]
            assert len(errors - {"cp1252_translit"}) <= 3
            if "nn_missing" in errors:
                assert nn == ""
            elif "nn_typo" in errors:
                assert isinstance(parse(nn), NNProblem)
            elif "nn_typo_valid" in errors:
                assert not isinstance(parse(nn), NNProblem)
                if rec["child_uid"]:
                    assert nn != register[rec["child_uid"]]
            elif "nn_sibling" in errors:
                assert nn != register.get(rec["child_uid"]) and not isinstance(parse(nn), NNProblem)
            elif rec["child_uid"]:
                assert nn == register[rec["child_uid"]]
    rates = ErrorRates()
    assert abs(kinds["nn_missing"] / total - rates.nn_missing) < 0.012
    assert abs(kinds["name_typo"] / total - rates.name_typo) < 0.012
    assert abs(kinds["upper"] / total - rates.upper) < 0.012
    typos = kinds["nn_typo"] + kinds["nn_typo_valid"]
    assert abs(typos / total - rates.nn_typo) < 0.008
    for kind in ("translit", "accent", "particle", "compound_truncated", "dm_swap", "date_digit"):
        assert kinds[kind] > 0, kind


def test_harsh_preset_injects_more_noise(tmp_path: Path, loaded: Loaded) -> None:
    generate_year(tmp_path, _config(errors=ErrorRates.harsh(), error_preset="harsh"))
    with (tmp_path / "truth_records.csv").open(encoding="utf-8", newline="") as fh:
        harsh = list(csv.DictReader(fh))

    def missing_share(records: list[dict[str, str]]) -> float:
        return sum("nn_missing" in r["errors"] for r in records) / len(records)

    assert missing_share(harsh) > 1.8 * missing_share(loaded.truth_records)
    assert json.loads((tmp_path / "manifest.json").read_text())["config"]["error_preset"] == "harsh"


# -- the community-wide lists ----------------------------------------------------------------------------


def test_lists_hold_pupils_from_outside_brussels(loaded: Loaded) -> None:
    brussels = brussels_postcodes()
    register_numbers = {t["national_number"] for t in loaded.truth_children}
    for name, postcode, nn in (("enrolment_nl.csv", "Postcode domicilie", "Rijksregisternummer"),
                               ("enrolment_fr.csv", "Code postal", "NISS")):  # fmt: skip
        truth = [r for r in loaded.truth_records if r["file"] == name]
        outside = [row for rec, row in zip(truth, loaded.lists[name], strict=True) if not rec["child_uid"]]
        away = [row for row in outside if row[postcode] not in brussels]
        assert len(away) > SCALE * CHILDREN * 3.5, name
        assert any(row[postcode] in brussels for row in outside), "Brussels toddlers are not in the extract"
        valid_numbers = [row[nn] for row in away if not isinstance(parse(row[nn]), NNProblem)]
        assert sum(n in register_numbers for n in valid_numbers) <= len(valid_numbers) * 0.01


def test_transfers_and_enrolments_in_both_communities(tmp_path: Path) -> None:
    # a larger year, so that the rarer situations surely occur
    generate_year(tmp_path, GeneratorConfig(children=8000, seed=3, list_scale=0.0, xlsx=False))
    with (tmp_path / "truth_children.csv").open(encoding="utf-8") as fh:
        details = Counter(r["detail"] for r in csv.DictReader(fh))
    assert details["nl+fr"] > 0
    with (tmp_path / "truth_records.csv").open(encoding="utf-8") as fh:
        per_child = Counter(r["child_uid"] for r in csv.DictReader(fh) if r["file"].startswith("enrolment_"))
    per_child.pop("", None)
    assert sum(n >= 2 for n in per_child.values()) > 8000 * 0.02
    assert not (tmp_path / LATE_XLSX.filename).exists()


def test_late_private_school_workbook(year: Path, loaded: Loaded) -> None:
    rows = _read_xlsx(year / LATE_XLSX.filename)
    assert rows and {r["motif_reden"] for r in rows} == {"prive"}
    numbers = [r["niss_rrn"] for r in rows if isinstance(r["niss_rrn"], int)]
    assert numbers, "some national numbers were typed as numbers"
    truth = [r for r in loaded.truth_records if r["file"] == LATE_XLSX.filename]
    for rec, row in zip(truth, rows, strict=True):
        assert isinstance(row["niss_rrn"], int) == ("nn_as_number" in rec["errors"])
    assert all(isinstance(r["date_naissance_geboortedatum"], datetime) for r in rows)
    cleared = [t for t in loaded.truth_children if t["cleared_late"] == "1"]
    assert cleared and all(t["true_status"] == "exempted" and t["detail"] == "prive" for t in cleared)


def test_manifest_describes_the_year(year: Path) -> None:
    manifest = json.loads((year / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7
    assert manifest["school_year"] == "2025-2026"
    assert manifest["recommended_reference_date"] == "2025-10-01"
    assert manifest["counts"]["register_children"] == CHILDREN
    for entry in manifest["files"].values():
        assert (year / entry["path"]).exists()
    assert manifest["files"]["register"]["rows"] == CHILDREN


def test_the_age_rule_follows_the_school_year(tmp_path: Path) -> None:
    """2019-2020 still started at 6: the extract and its edges move with the school year."""
    generate_year(
        tmp_path, GeneratorConfig(children=1500, school_year="2019-2020", list_scale=0.0, xlsx=False)
    )
    with (tmp_path / "register.csv").open(encoding="utf-8") as fh:
        births = [date.fromisoformat(r["geboortedatum"]) for r in csv.DictReader(fh, delimiter=";")]
    with (tmp_path / "truth_children.csv").open(encoding="utf-8") as fh:
        statuses = [r["true_status"] for r in csv.DictReader(fh)]
    for born, status in zip(births, statuses, strict=True):
        assert is_compulsory(born, date(2019, 10, 1), "2019-2020") == (status != "not_compulsory")
    assert min(births).year == 2001 and max(births).year == 2014  # edges: 2001 (past 18), 2014 (5 years)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["start_age"] == 6 and manifest["recommended_reference_date"] == "2019-10-01"


def test_cli_writes_a_year(tmp_path: Path) -> None:
    """`tandem generate`, mounted on the service's command through the `tandem.commands` entry point."""
    result = CliRunner().invoke(
        tandem,
        ["generate", "--children", "300", "--seed", "1", "--out", str(tmp_path), "--list-scale", "0.01",
         "--no-xlsx", "--errors", "harsh"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "register.csv").exists() and not (tmp_path / LATE_XLSX.filename).exists()
    for option, value in (("--errors", "brutal"), ("--school-year", "2025-2027")):
        bad = CliRunner().invoke(generate_app, ["--out", str(tmp_path / "x"), option, value])
        assert bad.exit_code != 0 and not (tmp_path / "x").exists()
    assert "--children" in CliRunner().invoke(tandem, ["demo", "--help"]).output
