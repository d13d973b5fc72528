"""Read and validate a source file: choose its profile, then check every row.

Used by the ingest (which hands the good rows to the writer) and by `tandem profiles check` (which
only reports). A single error dooms the file; validation goes on to report the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.core.errors import ConfigurationError
from service.ingest.models import SourceKind
from service.ingest.profiles import Profile, profiles_for, resolve_profile
from service.ingest.readers import FileFacts, FileProblem, SourceReader, inspect
from service.ingest.validate import Issue, RowValidator

MAX_REPORTED_ISSUES = 500
Progress = Callable[[int, int], None]  # (bytes read, total bytes)
RowSink = Callable[[int, dict[str, Any], str | None], None]  # (row, values, clear national number)


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
        self._rows = self.reader.rows()
        self._first = next(self._rows, None)  # reading the first row also reads the header
        self.profile = choose_profile(kind, self.reader.headers, profile_name)
        self.kind = kind

    def rows(self) -> Iterable[tuple[int, list[str]]]:
        if self._first is not None:
            yield self._first
        yield from self._rows

    def validate(self, sink: RowSink | None = None, progress: Progress | None = None) -> Outcome:
        """Check every row; hand each good row to `sink` as long as the file has no error."""
        profile, kind = self.profile, self.kind
        validator = RowValidator(profile, self.reader.headers)
        out = Outcome()
        seen_register: dict[str, int] = {}
        for number, cells in self.rows():
            out.rows_total += 1
            result = validator.validate(number, cells)
            if kind == SourceKind.REGISTER and result.nn is not None:
                earlier = seen_register.setdefault(result.nn, number)
                if earlier != number:
                    result.errors.append(
                        Issue(
                            number,
                            profile.columns["national_number"],
                            "national number",
                            f"the same national number is on row {earlier}",
                        )
                    )
            if result.errors:
                out.errors_total += len(result.errors)
                room = MAX_REPORTED_ISSUES - len(out.errors)
                out.errors.extend(e.as_dict() for e in result.errors[: max(room, 0)])
                continue
            if result.warnings:
                out.rows_with_warnings += 1
                out.warnings.update(f"{w.column}: {w.reason}" for w in result.warnings)
                result.values["warnings"] = "; ".join(sorted({w.reason for w in result.warnings}))[:300]
            if sink is not None and out.errors_total == 0:  # a doomed file is only validated
                sink(number, result.values, result.nn)
            if progress and out.rows_total % 5000 == 0:
                progress(self.reader.bytes_read, self.facts.size)
        if out.rows_total == 0:
            out.errors_total = 1
            out.errors = [Issue(0, "(file)", "file", "the file has a header but no data rows").as_dict()]
        return out
