"""Column-wise validation of a chunk of rows: the fast path of the ingest.

A chunk is checked column by column with numpy (national-number checksums, dates, codes). Rows that
pass every check cleanly (no error, no warning) get their values here; every other row (a short row,
a formula, an unusual format, any doubt) is handed back by position to the row validator, which
gives the exact per-row errors and warnings. The fast path therefore never decides a rejection or
a warning: it only recognises rows that are certainly clean, and must give them the values the row
validator would give (tests/ingest/test_columns.py compares both on varied files).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from operator import is_not, itemgetter
from typing import Any

import numpy as np

from service.core import national_number as nn
from service.core.reference import brussels_postcodes, gemeenten
from service.ingest.models import NNStatus, SourceKind
from service.ingest.profiles import GUARDIAN_FIELDS, Profile, header_key
from service.ingest.validate import _REASONS, SEX_CODES, RowValidator

_FAST_DATES = ("%Y-%m-%d", "%d/%m/%Y")
_POWERS = 10 ** np.arange(8, -1, -1, dtype=np.int64)
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
Column = list[Any]


@dataclass
class FastRows:
    """The clean rows of a chunk (positions in the chunk) with their values, and the others."""

    positions: np.ndarray
    values: dict[str, Column]
    nns: Column  # clean national numbers (None where a list row has none)
    guardians: list[tuple[Any, ...]] = field(default_factory=list)  # register only: guardian_tuple()s
    guardian_nns: Column = field(default_factory=list)
    slow: list[int] = field(default_factory=list)


def _digits(col: Column, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask of strings of exactly `width` characters, the strings, their characters as codes)."""
    lengths = np.fromiter(map(len, col), dtype=np.int64, count=len(col))
    ok = lengths == width
    arr = np.array(col, dtype=f"U{width}")  # longer texts are cut, but they are not `ok` anyway
    codes = arr.view(np.uint32).reshape(-1, width) if len(col) else np.zeros((0, width), np.uint32)
    return ok, arr, codes


def _ymd_valid(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    ok_m = (m >= 1) & (m <= 12)
    days = _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    return ok_m & (d >= 1) & (d <= days) & (y >= 1)


_DMY_TO_ISO = [6, 7, 8, 9, 4, 3, 4, 2, 0, 1]  # positions of DD/MM/YYYY read as YYYY-MM-DD


@dataclass
class Dates:
    parsed: np.ndarray  # the fast formats certainly give what the row parser gives
    empty: np.ndarray
    iso: Column  # YYYY-MM-DD ('' where not parsed)
    y: np.ndarray
    m: np.ndarray
    d: np.ndarray


def parse_dates(col: Column, formats: tuple[str, ...]) -> Dates:
    """Dates of a column of stripped texts in the profile's formats, tried in order like the row
    parser; a custom format stops the fast path (its rows are left to the row validator)."""
    n = len(col)
    empty = ~_filled(col)
    parsed = np.zeros(n, dtype=bool)
    ok, arr, c = _digits(col, 10)
    num = (c >= 48) & (c <= 57)
    v = c.astype(np.int64) - 48
    iso = np.full(n, "", dtype="U10")
    y = np.zeros(n, np.int64)
    m = np.zeros(n, np.int64)
    d = np.zeros(n, np.int64)
    for fmt in formats:
        if fmt not in _FAST_DATES:
            break
        if fmt == "%Y-%m-%d":
            shape = ok & num[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(1) & (c[:, 4] == 45) & (c[:, 7] == 45)
            fy, fm, fd = (
                v[:, 0] * 1000 + v[:, 1] * 100 + v[:, 2] * 10 + v[:, 3],
                v[:, 5] * 10 + v[:, 6],
                v[:, 8] * 10 + v[:, 9],
            )
            text = arr
        else:
            shape = ok & num[:, [0, 1, 3, 4, 6, 7, 8, 9]].all(1) & (c[:, 2] == 47) & (c[:, 5] == 47)
            fy, fm, fd = (
                v[:, 6] * 1000 + v[:, 7] * 100 + v[:, 8] * 10 + v[:, 9],
                v[:, 3] * 10 + v[:, 4],
                v[:, 0] * 10 + v[:, 1],
            )
            moved = c[:, _DMY_TO_ISO].copy()
            moved[:, 4] = moved[:, 7] = 45
            text = np.ascontiguousarray(moved).view("U10").reshape(-1)
        good = shape & ~parsed & _ymd_valid(fy, fm, fd)
        iso[good], y[good], m[good], d[good] = text[good], fy[good], fm[good], fd[good]
        parsed |= good
    return Dates(parsed, empty, iso.tolist(), y, m, d)


@dataclass
class ParsedNumbers:
    ok: np.ndarray  # a plain 11-digit number with a valid checksum, month and day
    year: np.ndarray
    month: np.ndarray  # 0 when unknown
    day: np.ndarray
    sex: np.ndarray  # "M", "F" or "" (a bis number without sex)
    bis: np.ndarray


def parse_numbers(col: Column) -> ParsedNumbers:
    """Vectorised `national_number.parse` for plain 11-digit texts (others are not `ok`)."""
    ok, _, c = _digits(col, 11)
    ok &= ((c >= 48) & (c <= 57)).all(1)
    d = np.where(ok[:, None], c.astype(np.int64) - 48, 0)
    base = d[:, :9] @ _POWERS
    check = d[:, 9] * 10 + d[:, 10]
    c1900 = 97 - base % 97 == check
    c2000 = 97 - (2_000_000_000 + base) % 97 == check
    century = np.where(c1900, 1900, 2000)
    yy, mm, dd = d[:, 0] * 10 + d[:, 1], d[:, 2] * 10 + d[:, 3], d[:, 4] * 10 + d[:, 5]
    seq = d[:, 6] * 100 + d[:, 7] * 10 + d[:, 8]
    sex = np.where(seq % 2 == 1, "M", "F")
    bis_unknown = (mm >= 20) & (mm <= 32)
    bis_known = (mm >= 40) & (mm <= 52)
    mm = np.where(bis_unknown, mm - 20, np.where(bis_known, mm - 40, mm))
    sex = np.where(bis_unknown, "", sex)
    ok &= (c1900 | c2000) & (mm <= 12) & (dd <= 31)
    return ParsedNumbers(ok, century + yy, mm, dd, sex, bis_unknown | bis_known)


def guardian_tuple(number: int, g: dict[str, Any]) -> tuple[Any, ...]:
    """A guardian as (row number, rank, relation, names, address..., country), without the number."""
    return (number, g["rank"], *(g[f] for f in GUARDIAN_FIELDS[1:]))


def _filled(col: Column) -> np.ndarray:
    return np.fromiter(map(bool, col), dtype=bool, count=len(col))


def _sex_code(text: str) -> str:
    return SEX_CODES[text.casefold()] if text else ""


def _language(text: str) -> str:
    return {"nl": "nl", "fr": "fr"}[text.casefold()] if text else ""


class ColumnChecker:
    """The fast path for one profile and header; `check(rows)` splits a chunk into clean and slow rows."""

    def __init__(self, profile: Profile, headers: list[str], seen: dict[str, int]) -> None:
        self.profile, self.kind, self.headers = profile, profile.kind, headers
        self.index = profile.column_index(headers)
        self.register = self.kind == SourceKind.REGISTER
        self.seen = seen  # the register's national numbers so far (shared with the row checks)
        self.gemeenten = gemeenten()
        self.brussels = brussels_postcodes()
        self.row_validator = RowValidator(profile, headers)

    def text(self, rows: list[list[str]], name: str) -> Column:
        """The stripped text of a field (after the profile's value map), '' where absent."""
        if name in self.profile.constants:
            return [self.profile.constants[name]] * len(rows)
        pos = self.index.get(name)
        if pos is None:
            return [""] * len(rows)
        col = list(map(str.strip, map(itemgetter(pos), rows)))
        mapping = self.profile.values.get(name)
        if mapping is not None:
            mapped = {}
            for u in set(col):
                key = header_key(u)
                mapped[u] = (mapping[key] or "") if key in mapping else u
            col = list(map(mapped.__getitem__, col))
        return col

    def _closed(self, col: Column, fn) -> tuple[np.ndarray, Column]:  # type: ignore[no-untyped-def]
        """Apply a per-value parser on the distinct values; (ok mask, values) with None where it fails."""
        table = {}
        for u in set(col):
            try:
                table[u] = fn(u)
            except Exception:
                table[u] = None
        values = [table[x] for x in col]
        return np.fromiter(map(is_not, values, repeat(None)), dtype=bool, count=len(col)), values

    def check(self, rows: list[list[str]], numbers: list[int], slow: np.ndarray) -> FastRows:
        """`slow` marks rows already known to need the row validator (short rows, formulas)."""
        n = len(rows)
        ok = ~slow
        if slow.any():
            rows = [r if not s else [""] * len(self.headers) for r, s in zip(rows, slow, strict=True)]
        values: dict[str, Column] = {}
        values["last_name"], values["first_names"] = (
            self.text(rows, "last_name"),
            self.text(rows, "first_names"),
        )
        birth = parse_dates(self.text(rows, "birth_date"), self.profile.date_formats)
        ok &= birth.parsed | birth.empty
        sex_ok, sex = self._closed(self.text(rows, "sex"), _sex_code)
        postcode_ok, postcode = self._closed(self.text(rows, "postcode"), self._postcode)
        ok &= sex_ok & postcode_ok
        nns = self.text(rows, "national_number")
        number = parse_numbers(nns)
        ok &= number.ok
        # the number must agree with the row's own birth date and sex
        agrees = (number.year == birth.y) & ((number.month == 0) | (number.month == birth.m))
        agrees &= (number.day == 0) | (number.day == birth.d)
        ok &= birth.empty | agrees
        sex_arr = np.array(sex, dtype="U1") if n else np.zeros(0, "U1")
        ok &= ~np.isin(sex_arr, ["M", "F"]) | (number.sex == "") | (number.sex == sex_arr)
        iso = birth.iso
        if self.register:
            ok &= ~birth.empty & (sex_arr != "") & _filled(postcode)
            ok &= _filled(values["last_name"]) & _filled(values["first_names"])
            ok &= self._register_fields(rows, values, postcode)
            ok &= self._not_seen(nns, ok)
        else:
            iso, sex = self._from_numbers(iso, sex, birth.empty & ok, number, ok)
            ok &= self._list_fields(rows, values)
        values["birth_date"] = [b or None for b in iso]
        values["sex"] = [s or None for s in sex]
        values["postcode"] = [p or None for p in postcode]
        values["nn_status"] = [NNStatus.VALID.value] * n
        values["nn_bis"] = number.bis.tolist()
        keep = np.flatnonzero(ok)
        if len(keep) < n:
            values = {k: [v[i] for i in keep] for k, v in values.items()}
            nns = [nns[i] for i in keep]
        fast = FastRows(keep, values, nns, slow=np.flatnonzero(~ok).tolist())
        if self.register:
            fast.guardians, fast.guardian_nns = self._guardians(keep, numbers)
            self.seen.update(zip(nns, (numbers[i] for i in keep), strict=True))
        return fast

    def _postcode(self, text: str) -> str:
        return self.row_validator._postcode(text) if text else ""

    def _not_seen(self, nns: Column, ok: np.ndarray) -> np.ndarray:
        """False for numbers seen before or twice in the chunk (the row checks say which row)."""
        keys = [x if good else nn.clean(x) for x, good in zip(nns, ok, strict=True)]
        counts = Counter(keys)
        return np.fromiter((counts[k] == 1 and k not in self.seen for k in keys), bool, len(keys))

    def _register_fields(
        self, rows: list[list[str]], values: dict[str, Column], postcode: np.ndarray
    ) -> np.ndarray:
        n = len(rows)
        nis = self.text(rows, "nis_code")
        ok = np.fromiter(
            (
                c in self.gemeenten and p in self.gemeenten[c].postcodes
                for c, p in zip(nis, postcode, strict=True)
            ),
            bool,
            n,
        )
        values["nis_code"] = nis
        for name in ("street", "house_number", "box"):
            values[name] = self.text(rows, name)
        ok &= _filled(values["street"]) & _filled(values["house_number"])
        values["stat_sector"] = [s or None for s in self.text(rows, "stat_sector")]
        lang_ok, lang = self._closed(self.text(rows, "admin_language"), _language)
        values["admin_language"] = [v or None for v in lang]
        ok &= lang_ok
        self._guardian_columns = []
        for i in (1, 2):
            ok &= self._guardian_ok(rows, i)
        return ok

    def _guardian_ok(self, rows: list[list[str]], i: int) -> np.ndarray:
        p = f"guardian{i}_"
        cols = [self.text(rows, p + f) for f in GUARDIAN_FIELDS]
        self._guardian_columns.append(cols)
        present = np.fromiter(map(any, zip(*cols, strict=True)), bool, len(rows))
        number_ok = parse_numbers(cols[0]).ok | ~_filled(cols[0])
        return ~present | (_filled(cols[2]) & number_ok)

    def _guardians(self, keep: np.ndarray, numbers: list[int]) -> tuple[list[tuple[Any, ...]], Column]:
        """The kept rows' guardians as `guardian_tuple`s, with their clear national numbers."""
        found: list[tuple[Any, ...]] = []
        clear: Column = []
        for rank, cols in enumerate(self._guardian_columns, start=1):
            sel = [i for i in keep.tolist() if any(c[i] for c in cols)]
            if not sel:
                continue
            picked = [[c[i] for i in sel] for c in cols]
            relation = [r or "parent" for r in picked[1]]
            country = [(c or "BE").upper()[:2] for c in picked[9]]
            found.extend(
                zip(
                    [numbers[i] for i in sel], [rank] * len(sel), relation, *picked[2:9], country, strict=True
                )
            )
            clear.extend(n or None for n in picked[0])
        return found, clear

    @staticmethod
    def _from_numbers(
        birth: Column, sex: Column, missing: np.ndarray, parsed: ParsedNumbers, ok: np.ndarray
    ) -> tuple[Column, Column]:
        """A list row without birth date or sex takes them from its national number."""
        birth, sex = list(birth), list(sex)
        for i in np.flatnonzero(missing):
            y, m, d = int(parsed.year[i]), int(parsed.month[i]), int(parsed.day[i])
            valid = m and d and _ymd_valid(np.array([y]), np.array([m]), np.array([d]))[0]
            birth[i] = f"{y:04d}-{m:02d}-{d:02d}" if valid else ""
        for i in np.flatnonzero(ok):
            if not sex[i]:
                sex[i] = str(parsed.sex[i])
        return birth, sex

    def _list_fields(self, rows: list[list[str]], values: dict[str, Column]) -> np.ndarray:
        n = len(rows)
        ok = np.ones(n, dtype=bool)
        if self.kind != SourceKind.EXEMPTION:
            community_ok, values["community"] = self._closed(
                self.text(rows, "community"), self.row_validator._community
            )
            ok &= community_ok
        if self.kind in (SourceKind.ENROLMENT_NL, SourceKind.ENROLMENT_FR):
            for name in ("school_id", "school_name", "campus_id", "level", "grade"):
                values[name] = self.text(rows, name)
            ok &= _filled(values["school_id"])
            period = ("enrolled_from", "enrolled_until")
        elif self.kind == SourceKind.HOME_EDUCATION:
            period = ("registered_from", "registered_until")
        else:
            reason_ok, values["reason"] = self._closed(
                self.text(rows, "reason"), lambda r: _REASONS[header_key(r)]
            )
            values["school_name"] = self.text(rows, "school_name")
            ok &= reason_ok
            period = ("valid_from", "valid_until")
        start = parse_dates(self.text(rows, period[0]), self.profile.date_formats)
        end = parse_dates(self.text(rows, period[1]), self.profile.date_formats)
        ok &= start.parsed & (end.parsed | end.empty)
        ok &= end.empty | (np.array(end.iso, dtype="U10") >= np.array(start.iso, dtype="U10"))
        values[period[0]], values[period[1]] = start.iso, [e or None for e in end.iso]
        return ok
