"""File formats exactly as the ingest profiles expect them (headers, encoding, dates, sex codes).

Headers are spelled out here rather than read from the profiles, so that the tests comparing them
with the YAML profiles catch a drift on either side.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from sim.generate.errors import ListRecord
from sim.generate.names import to_cp1252


@dataclass(frozen=True)
class FileSpec:
    """How one source file is written."""

    filename: str
    profile: str
    headers: tuple[str, ...]
    encoding: str  # as passed to open(): utf-8, utf-8-sig (BOM) or cp1252
    delimiter: str
    date_format: str  # "iso" (YYYY-MM-DD) or "dmy" (DD/MM/YYYY)
    sex_codes: tuple[str, str]  # codes for male, female
    extra_dates: tuple[int, ...] = ()  # positions of date objects among the file-specific fields
    # (the enrolment lists get their dates already as text: formatting them here costs too much)

    @property
    def legacy(self) -> bool:
        """Windows-1252 files cannot hold every name: they get transliterated."""
        return self.encoding == "cp1252"

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        return (
            value.isoformat()
            if self.date_format == "iso"
            else f"{value.day:02d}/{value.month:02d}/{value.year}"
        )


_IDENTITY_NL = ("Rijksregisternummer", "Naam", "Voornaam", "Geboortedatum", "Geslacht")
_IDENTITY_FR = ("NISS", "Nom", "Prénom", "Date de naissance", "Sexe")

REGISTER = FileSpec(
    "register.csv",
    "rijksregister_extract",
    (
        "rijksregisternummer", "naam", "voornamen", "geboortedatum", "geslacht", "nis_code", "postcode",
        "straat", "huisnummer", "bus", "statistische_sector", "taal",
        "ouder1_rijksregisternummer", "ouder1_relatie", "ouder1_naam", "ouder1_voornamen", "ouder1_straat",
        "ouder1_huisnummer", "ouder1_bus", "ouder1_postcode", "ouder1_gemeente", "ouder1_land",
        "ouder2_rijksregisternummer", "ouder2_relatie", "ouder2_naam", "ouder2_voornamen", "ouder2_straat",
        "ouder2_huisnummer", "ouder2_bus", "ouder2_postcode", "ouder2_gemeente", "ouder2_land",
    ),
    "utf-8",
    ";",
    "iso",
    ("M", "V"),
)  # fmt: skip
ENROLMENT_NL = FileSpec(
    "enrolment_nl.csv",
    "discimus_export",
    _IDENTITY_NL + (
        "Postcode domicilie", "Instellingsnummer", "Instellingsnaam", "Vestigingsplaats", "Onderwijsniveau",
        "Leerjaar", "Begindatum inschrijving", "Einddatum inschrijving",
    ),
    "utf-8-sig",
    ";",
    "iso",
    ("M", "V"),
)  # fmt: skip
ENROLMENT_FR = FileSpec(
    "enrolment_fr.csv",
    "siel_export",
    _IDENTITY_FR + (
        "Code postal", "FASE établissement", "Nom établissement", "FASE implantation", "Niveau",
        "Année d'études", "Date d'inscription", "Date de sortie",
    ),
    "cp1252",
    ";",
    "dmy",
    ("M", "F"),
)  # fmt: skip
HOME_NL = FileSpec(
    "home_education_nl.csv",
    "huisonderwijs_nl",
    _IDENTITY_NL + ("Postcode", "Begindatum huisonderwijs", "Einddatum huisonderwijs"),
    "utf-8-sig",
    ";",
    "iso",
    ("M", "V"),
    (0, 1),
)
HOME_FR = FileSpec(
    "home_education_fr.csv",
    "domicile_fr",
    _IDENTITY_FR + ("Code postal", "Début enseignement à domicile", "Fin enseignement à domicile"),
    "cp1252",
    ";",
    "dmy",
    ("M", "F"),
    (0, 1),
)
EXEMPTIONS = FileSpec(
    "exemptions.csv",
    "exemptions_joint",
    (
        "niss_rrn", "nom_naam", "prenom_voornaam", "date_naissance_geboortedatum", "sexe_geslacht",
        "code_postal_postcode", "motif_reden", "etablissement_instelling", "valable_du_geldig_vanaf",
        "valable_au_geldig_tot",
    ),
    "utf-8",
    ",",
    "dmy",
    ("M", "F"),
    (2, 3),
)  # fmt: skip
LATE_XLSX = FileSpec(
    "late_private_school.xlsx", "exemptions_joint", EXEMPTIONS.headers, "xlsx", "", "dmy", ("M", "F")
)

ALL_SPECS = (REGISTER, ENROLMENT_NL, ENROLMENT_FR, HOME_NL, HOME_FR, EXEMPTIONS, LATE_XLSX)
# The year's lists and the source kind (service.ingest.models.SourceKind) each is ingested as, in the
# order the cell receives them; the late xlsx comes later in the year.
YEAR_LISTS: tuple[tuple[str, str], ...] = (
    (REGISTER.filename, "register"),
    (ENROLMENT_NL.filename, "enrolment_nl"),
    (ENROLMENT_FR.filename, "enrolment_fr"),
    (HOME_NL.filename, "home_education"),
    (HOME_FR.filename, "home_education"),
    (EXEMPTIONS.filename, "exemption"),
)


class TruthWriter:
    """truth_records.csv: for every list row, which register child it is and which errors it carries."""

    def __init__(self, path: Path, *, header: bool = True) -> None:
        self._fh: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        if header:  # parts written by other processes are appended without one
            self._csv.writerow(("file", "row", "child_uid", "errors"))
        self.count = 0

    def row(self, filename: str, row: int, rec: ListRecord) -> None:
        self._csv.writerow((filename, row, rec.uid, ";".join(rec.errors)))
        self.count += 1

    def rows(self, rows: list[tuple[str, int, str, str]]) -> None:
        self._csv.writerows(rows)
        self.count += len(rows)

    def append_part(self, part: Path, rows: int) -> None:
        """Append the rows another process wrote (same format, no header), then delete its file."""
        self._fh.flush()
        with part.open("rb") as src:
            shutil.copyfileobj(src, self._fh.buffer)  # type: ignore[attr-defined]
        part.unlink()
        self.count += rows

    def close(self) -> None:
        self._fh.close()


class ListWriter:
    """Streams list records to one CSV file and their truth to the truth writer."""

    def __init__(self, spec: FileSpec, out_dir: Path, truth: TruthWriter) -> None:
        self.spec = spec
        self.path = out_dir / spec.filename
        self.truth = truth
        self.rows = 0
        self._fh: IO[str] = self.path.open("w", encoding=spec.encoding, newline="", errors="strict")
        self._csv = csv.writer(self._fh, delimiter=spec.delimiter, lineterminator="\r\n")
        self._csv.writerow(spec.headers)
        self._dates: dict[date, str] = {}

    def _date(self, value: date | None) -> str:
        if value is None:
            return ""
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = self.spec.date(value)
        return text

    def write(self, records: Iterable[ListRecord]) -> None:
        """Format and write records; runs for two million rows, hence the local names."""
        spec = self.spec
        name = spec.filename
        male, female = spec.sex_codes
        legacy = spec.legacy
        dates, date_text = self._dates, self._date
        positions = spec.extra_dates
        rows = []
        truth = []
        for rec in records:
            last, first = rec.last, rec.first
            if legacy:  # school names are in Windows-1252 already; people's names may not be
                last, first = to_cp1252(last), to_cp1252(first)
                if last != rec.last or first != rec.first:
                    rec.errors.append("cp1252_translit")
            sex = male if rec.sex == "M" else female
            born = dates.get(rec.birth) or date_text(rec.birth)
            if positions:  # None is written as an empty cell
                extra = list(rec.extra)
                for k in positions:
                    value = extra[k]
                    if value is not None:
                        extra[k] = dates.get(value) or date_text(value)
                rows.append((rec.nn, last, first, born, sex, rec.postcode, *extra))
            else:
                rows.append((rec.nn, last, first, born, sex, rec.postcode) + rec.extra)
            self.rows += 1
            truth.append((name, self.rows, rec.uid, ";".join(rec.errors) if rec.errors else ""))
        self._csv.writerows(rows)
        self.truth.rows(truth)

    def close(self) -> None:
        self._fh.close()


def write_register(path: Path, rows: Iterable[list[str]]) -> int:
    """The register extract (already formatted rows, in register order)."""
    count = 0
    with path.open("w", encoding=REGISTER.encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=REGISTER.delimiter, lineterminator="\n")
        writer.writerow(REGISTER.headers)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


_FIXED = datetime(2025, 10, 1, 8, 0, 0)
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def write_xlsx(path: Path, records: list[ListRecord], truth: TruthWriter, numeric_nn: list[bool]) -> None:
    """The late private-school list as a workbook, the way a school would send it.

    Dates are real date cells; some national numbers were typed as numbers (losing the leading
    zero of births from 2000 to 2009). The archive is normalised afterwards so that the same seed
    gives the same bytes (openpyxl stamps the save time otherwise).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Leerlingen - Élèves"
    ws.append(list(LATE_XLSX.headers))
    for i, rec in enumerate(records, start=1):
        nn: str | int = rec.nn
        if numeric_nn[i - 1] and rec.nn:
            nn = int(rec.nn)
            rec.errors.append("nn_as_number")
        reason, school, valid_from, valid_until = rec.extra
        ws.append(
            [
                nn,
                rec.last,
                rec.first,
                rec.birth,
                rec.sex,
                rec.postcode,
                reason,
                school,
                valid_from,
                valid_until,
            ]
        )
        for col in (4, 9, 10):
            ws.cell(row=i + 1, column=col).number_format = "DD/MM/YYYY"
        truth.row(LATE_XLSX.filename, i, rec)
    wb.properties.created = _FIXED
    wb.properties.creator = "Brussels Montessori Academy"
    buffer = io.BytesIO()
    wb.save(buffer)
    _normalise_zip(buffer.getvalue(), path)


def _normalise_zip(data: bytes, path: Path) -> None:
    fixed = _FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(lambda m: m.group(1) + fixed + m.group(3), content)
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, content)
