"""Read and validate a source file: choose its profile, then check every row.

Used by the ingest (which hands the good rows to the writer) and by `tandem profiles check` (which
only reports). A single error dooms the file; validation goes on to report the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from service.core.errors import ConfigurationError
from service.ingest.columns import ColumnChecker
from service.ingest.models import SourceKind
from service.ingest.profiles import REQUIRED, Profile, profiles_for, resolve_profile
from service.ingest.readers import FileFacts, FileProblem, SourceReader, inspect
from service.ingest.validate import Issue, RowResult, RowValidator
from service.ingest.writer import BatchWriter

MAX_REPORTED_ISSUES = 500
Progress = Callable[[int, int], None]  # (bytes read, total bytes)


@dataclass
class Outcome:
    rows_total: int = 0
    rows_with_warnings: int = 0
    warnings: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0


def encodings_for(kind: SourceKind, profile_name: str | None) -> tuple[str, ...]:
    profiles = [resolve_profile(kind, profile_name)] if profile_name else profiles_for(kind)
    return tuple(dict.fromkeys(enc for p in profiles for enc in p.encodings))


def choose_profile(kind: SourceKind, headers: list[str], name: str | None) -> Profile:
    """The profile named (or the first whose required headers are all present)."""
    if name:
        try:
            profile = resolve_profile(kind, name)
        except ConfigurationError as exc:
            raise FileProblem(str(exc)) from None
        missing = profile.missing_headers(headers)
        if missing:
            raise FileProblem(
                f"header lacks columns required by profile {profile.name}: {', '.join(missing)}"
            )
        return profile
    candidates = profiles_for(kind)
    for profile in candidates:
        if not profile.missing_headers(headers):
            return profile
    closest = min(candidates, key=lambda p: len(p.missing_headers(headers)))
    raise FileProblem(
        f"header matches no profile for {kind.value}; closest is {closest.name}, "
        f"which lacks: {', '.join(closest.missing_headers(headers))}"
    )


class OpenedFile:
    """A source file with its facts, header and profile known, ready to be validated."""

    def __init__(self, kind: SourceKind, path: Path, profile_name: str | None) -> None:
        try:
            encodings = encodings_for(kind, profile_name)
        except ConfigurationError as exc:
            raise FileProblem(str(exc)) from None
        self.facts: FileFacts = inspect(path, encodings)
        self.reader = SourceReader(path, self.facts)
        self._chunks = self.reader.chunks()
        next(self._chunks)  # the header
        self.profile = choose_profile(kind, self.reader.headers, profile_name)
        self.kind = kind

    def validate(self, writer: BatchWriter | None = None, progress: Progress | None = None) -> Outcome:
        """Check every row; hand each chunk's good rows to `writer` as long as the file has no error.

        Each chunk goes through the column checks first; the rows they do not pass as certainly
        clean are checked one by one, which gives the exact errors and warnings."""
        check = _RowChecks(self.profile, self.reader.headers)
        columns = ColumnChecker(self.profile, self.reader.headers, check.seen)
        out = Outcome()
        width = len(self.reader.headers)
        for chunk in self._chunks:
            out.rows_total += len(chunk.rows)
            odd = np.fromiter(map(len, chunk.rows), np.int64, len(chunk.rows)) < width
            for number in chunk.formulas:
                odd[chunk.numbers.index(number)] = True
            fast = columns.check(chunk.rows, chunk.numbers, odd)
            good: list[tuple[int, dict[str, Any], str | None]] = []
            for i in fast.slow:
                number = chunk.numbers[i]
                result = check.row(number, chunk.rows[i], chunk.formulas.get(number))
                if result.errors:
                    out.errors_total += len(result.errors)
                    room = MAX_REPORTED_ISSUES - len(out.errors)
                    out.errors.extend(e.as_dict() for e in result.errors[: max(room, 0)])
                    continue
                if result.warnings:
                    out.rows_with_warnings += 1
                    out.warnings.update(f"{w.column}: {w.reason}" for w in result.warnings)
                    result.values["warnings"] = "; ".join(sorted({w.reason for w in result.warnings}))[:300]
                good.append((number, result.values, result.nn))
            if writer is not None and out.errors_total == 0:  # a doomed file is only validated
                writer.add_chunk(chunk.numbers, fast, good)
            if progress:
                progress(self.reader.bytes_read, self.facts.size)
        if out.rows_total == 0:
            out.errors_total = 1
            out.errors = [Issue(0, "(file)", "file", "the file has a header but no data rows").as_dict()]
        return out


FORMULA = "a formula without a computed value (open the file in a spreadsheet program and save it)"


class _RowChecks:
    """The checks of one row: its shape, its formulas, its values, and the register's duplicates."""

    def __init__(self, profile: Profile, headers: list[str]) -> None:
        self.profile, self.headers = profile, headers
        self.validator = RowValidator(profile, headers)
        self.fields_at = {pos: fld for fld, pos in profile.column_index(headers).items()}
        self.required = set(REQUIRED[profile.kind])
        self.seen: dict[str, int] = {}

    def _shape(self, number: int, cells: list[str]) -> Issue | None:
        if len(cells) >= len(self.headers):
            return None
        missing = self.headers[len(cells) :]
        listed = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        return Issue(
            number,
            missing[0],
            "row",
            f"the row has {len(cells)} of {len(self.headers)} fields (cut short?); missing: {listed}",
        )

    def row(self, number: int, cells: list[str], formulas: set[int] | None) -> RowResult:
        short = self._shape(number, cells)
        if short is not None:
            return RowResult(errors=[short])
        result = self.validator.validate(number, cells)
        for pos in sorted(formulas or ()):
            fld = self.fields_at.get(pos)
            if fld is not None:
                issue = Issue(number, self.headers[pos], fld.replace("_", " "), FORMULA)
                (result.errors if fld in self.required else result.warnings).append(issue)
        if self.profile.kind == SourceKind.REGISTER and result.nn is not None:
            earlier = self.seen.setdefault(result.nn, number)
            if earlier != number:
                result.errors.append(
                    Issue(
                        number,
                        self.profile.columns["national_number"],
                        "national number",
                        f"the same national number is on row {earlier}",
                    )
                )
        return result
