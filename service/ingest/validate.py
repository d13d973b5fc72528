"""Turn the text cells of one row into canonical values, with errors and warnings.

An **error** makes the row unusable, and the batch is rejected. A **warning** flags a usable row
(for example an enrolment whose national number is wrong: fuzzy linkage will handle it).
Reports name the row, the column, the kind of value and the reason, never the value itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.core import national_number as nn
from service.core.reference import brussels_postcodes, gemeenten
from service.ingest.models import ExemptionReason, NNStatus, SourceKind
from service.ingest.profiles import GUARDIAN_FIELDS, Profile, header_key

SEX_CODES = {"m": "M", "v": "F", "f": "F", "x": "X", "1": "M", "2": "F", "h": "M"}
_POSTCODE = re.compile(r"^\d{4}$")
_FOREIGN_POSTCODE = re.compile(r"^[A-Z]{1,3}[- ]?[0-9A-Z -]{2,10}$")
_REASONS = {header_key(r.value): r.value for r in ExemptionReason}


@dataclass(frozen=True)
class Issue:
    row: int
    column: str  # the header as the file names it (or the canonical field)
    value_kind: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """`row` counts data rows (1 = the first after the header); `line` is where a spreadsheet or
        an editor shows it (the header is line 1). Row 0 is the file as a whole."""
        return {
            "row": self.row,
            "line": self.row + 1 if self.row else None,
            "column": self.column,
            "value_kind": self.value_kind,
            "reason": self.reason,
        }


class FieldError(Exception):
    def __init__(self, value_kind: str, reason: str) -> None:
        super().__init__(reason)
        self.value_kind = value_kind
        self.reason = reason


@dataclass
class RowResult:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    nn: str | None = None  # the clean national number, kept only in memory for hashing


def make_date_parser(formats: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """A fast date parser for the profile's formats (strptime is slow at a million rows)."""

    def parse(text: str) -> date:
        for fmt in formats:
            try:
                if fmt == "%Y-%m-%d" and len(text) == 10 and text[4] == "-":
                    return date.fromisoformat(text)
                if fmt == "%d/%m/%Y" and len(text) == 10 and text[2] == "/" and text[5] == "/":
                    return date(int(text[6:]), int(text[3:5]), int(text[0:2]))
                if fmt not in ("%Y-%m-%d", "%d/%m/%Y"):
                    return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise FieldError("date", "not a valid date in an accepted format (" + ", ".join(formats) + ")")

    return parse


class RowValidator:
    """Validates rows of one kind of source with one profile."""

    def __init__(self, profile: Profile, headers: list[str]) -> None:
        self.profile = profile
        self.kind = profile.kind
        self.index = profile.column_index(headers)
        self.headers = headers
        self.parse_date = make_date_parser(profile.date_formats)
        self.gemeenten = gemeenten()
        self.brussels = brussels_postcodes()

    # -- helpers ------------------------------------------------------------------------------
    def _raw(self, cells: list[str], name: str) -> str:
        if name in self.profile.constants:
            return self.profile.constants[name]
        pos = self.index.get(name)
        if pos is None or pos >= len(cells):
            return ""
        text = cells[pos].strip()
        mapping = self.profile.values.get(name)
        if mapping is not None:
            key = header_key(text)
            if key in mapping:
                return mapping[key] or ""
        return text

    def _column(self, name: str) -> str:
        return self.profile.columns.get(name, name)

    def _field(self, res: RowResult, row: int, name: str, fn, cells: list[str], *, required: bool):  # type: ignore[no-untyped-def]
        text = self._raw(cells, name)
        if not text:
            if required:
                res.errors.append(
                    Issue(row, self._column(name), name.replace("_", " "), "required value is empty")
                )
            return None
        try:
            return fn(text)
        except FieldError as exc:
            res.errors.append(Issue(row, self._column(name), exc.value_kind, exc.reason))
            return None

    # -- field parsers ------------------------------------------------------------------------
    @staticmethod
    def _sex(text: str) -> str:
        code = SEX_CODES.get(text.strip().casefold())
        if code is None:
            raise FieldError("sex code", "not one of M, F, V, X, 1, 2")
        return code

    def _postcode(self, text: str) -> str:
        text = text.strip().upper()
        if _POSTCODE.match(text) or _FOREIGN_POSTCODE.match(text):
            return text
        raise FieldError("postcode", "not a Belgian (4 digits) or foreign postcode")

    def _nis(self, text: str) -> str:
        if text not in self.gemeenten:
            raise FieldError("NIS code", "not the NIS code of one of the 19 Brussels gemeenten")
        return text

    @staticmethod
    def _community(text: str) -> str:
        low = text.casefold()
        if low in ("nl", "n", "vlaams", "nederlandstalig"):
            return "nl"
        if low in ("fr", "f", "francais", "français", "franstalig"):
            return "fr"
        raise FieldError("community", "not nl or fr")

    @staticmethod
    def _reason(text: str) -> str:
        """A canonical reason in any case or spacing (`Private school`, `private_school`); the
        profile's value map has already turned the source's own words into canonical ones."""
        reason = _REASONS.get(header_key(text))
        if reason is None:
            raise FieldError("exemption reason", "not a known exemption reason (nor mapped by the profile)")
        return reason

    @staticmethod
    def _language(text: str) -> str:
        low = text.casefold()
        if low in ("nl", "fr"):
            return low
        raise FieldError("language", "not nl or fr")

    # -- the row ------------------------------------------------------------------------------
    def validate(self, row: int, cells: list[str]) -> RowResult:
        res = RowResult()
        v = res.values
        register = self.kind == SourceKind.REGISTER

        v["last_name"] = self._raw(cells, "last_name")
        v["first_names"] = self._raw(cells, "first_names")
        v["birth_date"] = self._field(res, row, "birth_date", self.parse_date, cells, required=register)
        v["sex"] = self._field(res, row, "sex", self._sex, cells, required=register)
        v["postcode"] = self._field(res, row, "postcode", self._postcode, cells, required=register)
        self._national_number(res, row, cells)

        if register:
            for name in ("last_name", "first_names"):
                if not v[name]:
                    res.errors.append(Issue(row, self._column(name), "name", "required value is empty"))
            v["nis_code"] = self._field(res, row, "nis_code", self._nis, cells, required=True)
            v["street"] = self._raw(cells, "street")
            v["house_number"] = self._raw(cells, "house_number")
            v["box"] = self._raw(cells, "box")
            v["stat_sector"] = self._raw(cells, "stat_sector") or None
            v["admin_language"] = self._field(
                res, row, "admin_language", self._language, cells, required=False
            )
            if not v["street"] or not v["house_number"]:
                res.errors.append(
                    Issue(row, self._column("street"), "address", "street or house number is empty")
                )
            if v["postcode"] and v["postcode"] not in self.brussels:
                res.errors.append(Issue(row, self._column("postcode"), "postcode", "not a Brussels postcode"))
            elif (
                v["postcode"]
                and v["nis_code"]
                and v["postcode"] not in self.gemeenten[v["nis_code"]].postcodes
            ):
                res.warnings.append(
                    Issue(
                        row, self._column("postcode"), "postcode", "postcode does not belong to the gemeente"
                    )
                )
            res.values["guardians"] = [g for i in (1, 2) if (g := self._guardian(res, row, cells, i))]
        else:
            if not v["last_name"] and not v["first_names"] and res.nn is None:
                res.errors.append(
                    Issue(row, self._column("last_name"), "name", "no name and no usable national number")
                )
            elif res.nn is None and v["birth_date"] is None and not res.errors:
                res.errors.append(
                    Issue(
                        row, self._column("birth_date"), "date", "no birth date and no usable national number"
                    )
                )
            self._list_fields(res, row, cells)
        return res

    def _national_number(self, res: RowResult, row: int, cells: list[str]) -> None:
        v = res.values
        text = self._raw(cells, "national_number")
        column = self._column("national_number")
        register = self.kind == SourceKind.REGISTER
        v["nn_bis"] = False
        if not text:
            v["nn_status"] = NNStatus.MISSING.value
            if register:
                res.errors.append(Issue(row, column, "national number", "required value is empty"))
            else:
                res.warnings.append(Issue(row, column, "national number", "missing"))
            return
        parsed = nn.parse(text)
        if isinstance(parsed, nn.NNProblem):
            v["nn_status"] = NNStatus.INVALID.value
            issue = Issue(row, column, "national number", f"invalid: {parsed.value}")
            (res.errors if register else res.warnings).append(issue)
            return
        v["nn_bis"] = parsed.kind == nn.NNKind.BIS
        problems = nn.consistency_problems(parsed, v.get("birth_date"), v.get("sex"))
        res.nn = parsed.digits
        if problems:
            v["nn_status"] = NNStatus.INCONSISTENT.value
            for reason in problems:
                issue = Issue(row, column, "national number", reason)
                (res.errors if register else res.warnings).append(issue)
        else:
            v["nn_status"] = NNStatus.VALID.value
        if v.get("birth_date") is None and not register:
            v["birth_date"] = parsed.birth_date()  # the number carries the birth date
        if v.get("sex") is None and not register:
            v["sex"] = parsed.sex

    def _guardian(self, res: RowResult, row: int, cells: list[str], i: int) -> dict[str, Any] | None:
        p = f"guardian{i}_"
        g = {f: self._raw(cells, p + f) for f in GUARDIAN_FIELDS}
        if not any(g.values()):
            return None
        if not g["last_name"]:
            res.errors.append(
                Issue(row, self._column(p + "last_name"), "name", "guardian without a last name")
            )
            return None
        g["rank"] = i
        g["relation"] = g["relation"] or "parent"
        g["country"] = (g["country"] or "BE").upper()[:2]
        g["nn"] = None
        if g["national_number"]:
            parsed = nn.parse(g["national_number"])
            if isinstance(parsed, nn.NNProblem):
                res.warnings.append(
                    Issue(
                        row,
                        self._column(p + "national_number"),
                        "national number",
                        f"invalid: {parsed.value}",
                    )
                )
            else:
                g["nn"] = parsed.digits
        del g["national_number"]
        return g

    def _list_fields(self, res: RowResult, row: int, cells: list[str]) -> None:
        v = res.values
        kind = self.kind
        if kind in (SourceKind.ENROLMENT_NL, SourceKind.ENROLMENT_FR, SourceKind.HOME_EDUCATION):
            v["community"] = self._field(res, row, "community", self._community, cells, required=True)
        if kind in (SourceKind.ENROLMENT_NL, SourceKind.ENROLMENT_FR):
            v["school_id"] = self._raw(cells, "school_id")
            if not v["school_id"]:
                res.errors.append(
                    Issue(row, self._column("school_id"), "school id", "required value is empty")
                )
            for name in ("school_name", "campus_id", "level", "grade"):
                v[name] = self._raw(cells, name)
            self._period(res, row, cells, "enrolled_from", "enrolled_until")
        elif kind == SourceKind.HOME_EDUCATION:
            self._period(res, row, cells, "registered_from", "registered_until")
        elif kind == SourceKind.EXEMPTION:
            v["reason"] = self._field(res, row, "reason", self._reason, cells, required=True)
            v["school_name"] = self._raw(cells, "school_name")
            self._period(res, row, cells, "valid_from", "valid_until")

    def _period(self, res: RowResult, row: int, cells: list[str], start: str, end: str) -> None:
        v = res.values
        v[start] = self._field(res, row, start, self.parse_date, cells, required=True)
        v[end] = self._field(res, row, end, self.parse_date, cells, required=False)
        if v[start] and v[end] and v[end] < v[start]:
            res.errors.append(Issue(row, self._column(end), "date", "end date is before the start date"))
