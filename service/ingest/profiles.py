"""Source profiles: data files that map each export's layout to the canonical fields.

Real exports differ (headers in Dutch or French, encodings, delimiters, date formats); a profile
describes one layout so that adding a new source is a new YAML file, not new code. Profiles are
read from the directories of `TANDEM_PROFILE_DIR` (searched first) and then from the ones shipped
in `service/ingest/profiles/`; `--profile FILE.yaml` reads one file from anywhere. Every profile is
checked against a schema when loaded: an unknown key, an unknown canonical field or a missing
required field is an error naming the file and the key.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.core.errors import ConfigurationError
from service.core.settings import get_settings
from service.ingest.models import ExemptionReason, SourceKind

PROFILE_DIR = Path(__file__).with_name("profiles")

# Canonical fields per kind.
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

# Fields whose value every row must have (a profile must map them to a column or a constant).
_IDENTITY = ("national_number", "last_name", "first_names", "birth_date")
REQUIRED: dict[SourceKind, tuple[str, ...]] = {
    SourceKind.REGISTER: (*_IDENTITY, "sex", "postcode", "nis_code", "street", "house_number"),
    SourceKind.ENROLMENT_NL: (*_IDENTITY, "community", "school_id", "enrolled_from"),
    SourceKind.ENROLMENT_FR: (*_IDENTITY, "community", "school_id", "enrolled_from"),
    SourceKind.HOME_EDUCATION: (*_IDENTITY, "community", "registered_from"),
    SourceKind.EXEMPTION: (*_IDENTITY, "reason", "valid_from"),
}
# Canonical values a value map may produce, for the fields that have a closed set.
CLOSED_VALUES: dict[str, frozenset[str]] = {
    "reason": frozenset(r.value for r in ExemptionReason),
    "sex": frozenset({"M", "F", "X", "V", "1", "2"}),
    "admin_language": frozenset({"nl", "fr"}),
    "community": frozenset({"nl", "fr"}),
}


def header_key(text: str) -> str:
    """Compare headers without case, accents, BOMs or spacing differences."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace("_", " ").replace("'", " ").split())


class ProfileFile(BaseModel):
    """The schema of a profile YAML file (unknown keys are errors, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60)
    kind: SourceKind
    columns: dict[str, str]
    optional: list[str] = []
    constants: dict[str, str] = {}
    values: dict[str, dict[str, str | None]] = {}
    encodings: list[Literal["utf-8-sig", "utf-8", "cp1252"]] = ["utf-8-sig", "cp1252"]
    delimiter: Literal["auto", ";", ",", "\t", "|"] = "auto"
    date_formats: list[str] = Field(default=["%Y-%m-%d", "%d/%m/%Y"], min_length=1)

    @model_validator(mode="after")
    def _fields_are_canonical(self) -> ProfileFile:
        known = set(CANONICAL[self.kind])
        for key, names in (
            ("columns", self.columns),
            ("optional", self.optional),
            ("constants", self.constants),
            ("values", self.values),
        ):
            unknown = sorted(set(names) - known)
            if unknown:
                raise ValueError(
                    f"{key}: unknown canonical field(s) {', '.join(unknown)} for {self.kind.value}"
                )
        missing = [f for f in REQUIRED[self.kind] if f not in self.columns and f not in self.constants]
        if missing:
            raise ValueError(f"columns: required field(s) {', '.join(missing)} are not mapped")
        optional_required = sorted(set(self.optional) & set(REQUIRED[self.kind]))
        if optional_required:
            raise ValueError(f"optional: required field(s) {', '.join(optional_required)} cannot be optional")
        for fld, mapping in self.values.items():
            allowed = CLOSED_VALUES.get(fld)
            bad = sorted(str(v) for v in mapping.values() if allowed and v is not None and v not in allowed)
            if bad:
                raise ValueError(f"values.{fld}: {', '.join(bad)} is not one of {', '.join(sorted(allowed))}")
        return self


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
    path: Path | None = None

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


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_profile(path: Path) -> Profile:
    """Read and check one profile file; a problem is a ConfigurationError naming the file and key."""
    where = f"ingest profile {path}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{where}: cannot be read ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{where}: must be a mapping of keys (name, kind, columns, ...)")
    try:
        spec = ProfileFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(e['loc'])}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"{where}: {problems}") from None
    return Profile(
        name=spec.name or path.stem,
        kind=spec.kind,
        columns=dict(spec.columns),
        optional=frozenset(spec.optional),
        constants=dict(spec.constants),
        values={
            fld: {header_key(str(k)): v for k, v in mapping.items()} for fld, mapping in spec.values.items()
        },
        encodings=tuple(spec.encodings),
        delimiter=spec.delimiter,
        date_formats=tuple(spec.date_formats),
        path=path,
    )


def profile_dirs() -> tuple[Path, ...]:
    """Where profiles are looked for: `TANDEM_PROFILE_DIR` (os.pathsep-separated) first, then the shipped ones."""
    extra = get_settings().profile_dir or ""
    return (*(Path(p) for p in extra.split(os.pathsep) if p.strip()), PROFILE_DIR)


@lru_cache
def _profiles_in(directories: tuple[Path, ...]) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for directory in directories:
        if not directory.is_dir():
            raise ConfigurationError(f"profile directory {directory} does not exist")
        for path in sorted(directory.glob("*.yaml")):
            profile = load_profile(path)
            found.setdefault(profile.name, profile)  # the first directory wins
    return found


def all_profiles() -> dict[str, Profile]:
    return _profiles_in(profile_dirs())


def profiles_for(kind: SourceKind) -> list[Profile]:
    return [p for p in all_profiles().values() if p.kind == kind]


def resolve_profile(kind: SourceKind, name: str) -> Profile:
    """A profile by name, or by file path (`my.yaml`); an unknown name lists the valid ones."""
    if name.endswith((".yaml", ".yml")) or os.sep in name:
        path = Path(name)
        if not path.is_file():
            raise ConfigurationError(f"profile file {name} does not exist")
        profile = load_profile(path)
    else:
        profile = all_profiles().get(name)
        if profile is None:
            valid = ", ".join(p.name for p in profiles_for(kind)) or "none"
            raise ConfigurationError(f"profile '{name}' does not exist; profiles for {kind.value}: {valid}")
    if profile.kind != kind:
        raise ConfigurationError(f"profile '{profile.name}' is for {profile.kind.value}, not {kind.value}")
    return profile
