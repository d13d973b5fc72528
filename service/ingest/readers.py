"""Read a source file (CSV in UTF-8 or Windows-1252, any usual delimiter, or .xlsx) as rows of text.

The file is read twice in a streaming way: once in binary to compute its SHA-256 and find its
encoding, once to yield rows. Memory stays bounded whatever the size.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


class FileProblem(Exception):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    encoding: str | None  # None for workbooks
    is_xlsx: bool


def inspect(path: Path, encodings: tuple[str, ...]) -> FileFacts:
    """Hash the file and find the first candidate encoding that decodes all of it."""
    digest = hashlib.sha256()
    size = 0
    decoders = {enc: codecs.getincrementaldecoder(enc)(errors="strict") for enc in encodings}
    ok = dict.fromkeys(encodings, True)
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if not head:
                head = chunk[:4]
            digest.update(chunk)
            size += len(chunk)
            for enc, dec in decoders.items():
                if ok[enc]:
                    try:
                        dec.decode(chunk)
                    except UnicodeDecodeError:
                        ok[enc] = False
    if size == 0:
        raise FileProblem("the file is empty")
    is_xlsx = head.startswith(b"PK\x03\x04")
    if is_xlsx:
        return FileFacts(digest.hexdigest(), size, None, True)
    for enc in encodings:
        if ok[enc]:
            return FileFacts(digest.hexdigest(), size, enc, False)
    raise FileProblem(f"the file is not in any accepted encoding ({', '.join(encodings)})")


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise FileProblem("cannot find the column delimiter in the header line")
    return best


class SourceReader:
    """Iterate `(row_number, cells)` after the header; row 1 is the first data row."""

    def __init__(self, path: Path, facts: FileFacts, delimiter: str = "auto") -> None:
        self.path = path
        self.facts = facts
        self.delimiter = delimiter
        self.headers: list[str] = []
        self._bytes_read = 0
        self._raw: Any = None

    @property
    def bytes_read(self) -> int:
        if self._raw is not None and not self.facts.is_xlsx:
            try:
                return self._raw.tell()
            except (OSError, ValueError):
                return self._bytes_read
        return self._bytes_read

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        if self.facts.is_xlsx:
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        assert self.facts.encoding is not None
        with self.path.open("rb") as raw:
            self._raw = raw
            text = io.TextIOWrapper(raw, encoding=self.facts.encoding, newline="")
            first = text.readline()
            if not first.strip():
                raise FileProblem("the first line (the header) is empty")
            delimiter = _sniff_delimiter(first) if self.delimiter == "auto" else self.delimiter
            self.delimiter = delimiter
            self.headers = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
            reader = csv.reader(text, delimiter=delimiter)
            for number, cells in enumerate(reader, start=1):
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # a blank line is not a row (reported rows keep their file numbering)
                yield number, cells
            self._bytes_read = self.facts.size

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str]]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise FileProblem(f"the workbook cannot be opened ({type(exc).__name__})") from exc
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                raise FileProblem("the workbook's first sheet is empty")
            self.headers = [_cell_text(h).strip() for h in header]
            self.delimiter = "xlsx"
            for number, values in enumerate(rows, start=1):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                self._bytes_read = int(self.facts.size * min(1.0, number / max(sheet.max_row or 1, 1)))
                yield number, cells
        finally:
            workbook.close()
        self._bytes_read = self.facts.size


def _cell_text(value: object) -> str:
    """Workbook cells arrive typed; turn them back into the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        # national numbers stored as numbers lose their leading zero (births in 2000-2009)
        return text.zfill(11) if 9 <= len(text) <= 11 else text
    return str(value)
