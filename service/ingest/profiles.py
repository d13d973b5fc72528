"""Source profiles: data files that map each export's layout to the canonical fields.

Real exports differ (headers in Dutch or French, encodings, delimiters, date formats); a profile
describes one layout so that adding a new source is a new YAML file, not new code.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from service.core.errors import ConfigurationError
from service.ingest.models import SourceKind

PROFILE_DIR = Path(__file__).with_name("profiles")

# Canonical fields per kind: the first tuple is required in every profile of the kind.
PERSON_FIELDS = ("national_number", "last_name", "first_names", "birth_date", "sex", "postcode")
GUARDIAN_FIELDS = (
    "national_number",
    "relation",
    "last_name",
    "first_names",
    "street",
    "house_number",
    "box",
    "postcode",
    "municipality",
    "country",
)
ENROLMENT_FIELDS = (
    "community", "school_id", "school_name", "campus_id", "level", "grade", "enrolled_from", "enrolled_until",
)  # fmt: skip
# What each kind of list holds beyond the person fields (also the columns of its table).
KIND_FIELDS: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.REGISTER: ("nis_code", "street", "house_number", "box", "stat_sector", "admin_language"),
    SourceKind.ENROLMENT_NL: ENROLMENT_FIELDS,
    SourceKind.ENROLMENT_FR: ENROLMENT_FIELDS,
    SourceKind.HOME_EDUCATION: ("community", "registered_from", "registered_until"),
    SourceKind.EXEMPTION: ("reason", "school_name", "valid_from", "valid_until"),
}
CANONICAL: dict[SourceKind, tuple[str, ...]] = {
    kind: PERSON_FIELDS + fields for kind, fields in KIND_FIELDS.items()
}
CANONICAL[SourceKind.REGISTER] += tuple(f"guardian{i}_{f}" for i in (1, 2) for f in GUARDIAN_FIELDS)


def header_key(text: str) -> str:
    """Compare headers without case, accents, BOMs or spacing differences."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace("_", " ").replace("'", " ").split())


@dataclass(frozen=True)
class Profile:
    name: str
    kind: SourceKind
    columns: dict[str, str]  # canonical field -> header in the file
    optional: frozenset[str] = frozenset()
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    encodings: tuple[str, ...] = ("utf-8-sig", "cp1252")
    delimiter: str = "auto"
    date_formats: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y")

    def missing_headers(self, headers: list[str]) -> list[str]:
        present = {header_key(h) for h in headers}
        return [
            header
            for fld, header in self.columns.items()
            if fld not in self.optional and header_key(header) not in present
        ]

    def column_index(self, headers: list[str]) -> dict[str, int]:
        """Canonical field -> position in the row, for the headers this file actually has."""
        positions = {header_key(h): i for i, h in enumerate(headers)}
        return {f: positions[header_key(h)] for f, h in self.columns.items() if header_key(h) in positions}


def _load(path: Path) -> Profile:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"ingest profile {path.name}"
    try:
        kind = SourceKind(data["kind"])
        columns = {str(k): str(v) for k, v in data["columns"].items()}
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"{where}: needs a valid 'kind' and a 'columns' mapping ({exc})") from exc
    unknown = set(columns) - set(CANONICAL[kind])
    if unknown:
        raise ConfigurationError(f"{where}: unknown canonical fields {sorted(unknown)}")
    values = {
        fld: {header_key(str(k)): (None if v is None else str(v)) for k, v in mapping.items()}
        for fld, mapping in (data.get("values") or {}).items()
    }
    return Profile(
        name=data.get("name", path.stem),
        kind=kind,
        columns=columns,
        optional=frozenset(data.get("optional") or ()),
        constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
        values=values,
        encodings=tuple(data.get("encodings") or ("utf-8-sig", "cp1252")),
        delimiter=str(data.get("delimiter", "auto")),
        date_formats=tuple(data.get("date_formats") or ("%Y-%m-%d", "%d/%m/%Y")),
    )


@lru_cache
def all_profiles(directory: Path = PROFILE_DIR) -> dict[str, Profile]:
    profiles = [_load(p) for p in sorted(directory.glob("*.yaml"))]
    return {p.name: p for p in profiles}


def profiles_for(kind: SourceKind) -> list[Profile]:
    return [p for p in all_profiles().values() if p.kind == kind]
