"""What happened to a file: counts and row/column/reason issues, never personal values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.core.errors import TandemError


@dataclass
class IngestReport:
    """The outcome of one file. `errors` hold row, line, column, field kind and reason only."""

    file: str
    kind: str
    school_year: str
    outcome: str = "rejected"  # accepted, unchanged, restored, held, rejected
    profile: str | None = None
    source: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    batch_id: int | None = None
    superseded_batch_id: int | None = None
    rows_total: int = 0
    rows_with_warnings: int = 0
    warnings_by_reason: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class IngestRejected(TandemError):
    status = 422

    def __init__(self, report: IngestReport) -> None:
        super().__init__(report.message)
        self.report = report
