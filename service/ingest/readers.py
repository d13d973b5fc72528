"""Read a source file (CSV in UTF-8 or Windows-1252, any usual delimiter, or .xlsx) as chunks of rows.

The file is read twice in a streaming way: once in binary to compute its SHA-256 and find its
encoding, once to yield rows in chunks. Memory stays bounded whatever the size: CSV is streamed,
and a workbook's zip members are checked (declared uncompressed size and compression ratio)
before any XML is parsed; Python's zip reader never inflates a member beyond its declared size.

Encodings are never guessed silently: a UTF-16 file, or a UTF-8 file with a line in another
encoding, is refused with the line and the encoding found.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from service.core.settings import get_settings

_CHUNK = 1 << 20
CHUNK_ROWS = 50_000
# A complete UTF-8 multibyte sequence: in a Windows-1252 file these byte pairs are rare.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


class FileProblem(Exception):
    """The file as a whole cannot be read (not the fault of one row)."""


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    encoding: str | None  # None for workbooks
    is_xlsx: bool


@dataclass
class Chunk:
    """Consecutive data rows: their numbers (1 = the first after the header) and their cells.
    `formulas` holds, per row number, the cell positions whose formula has no computed value."""

    numbers: list[int]
    rows: list[list[str]]
    formulas: dict[int, set[int]] = field(default_factory=dict)


def _utf16_problem(head: bytes) -> str | None:
    for bom, name in _BOMS.items():
        if head.startswith(bom):
            return f"the file is in {name} (byte-order mark on line 1); save it as UTF-8 or Windows-1252"
    if len(head) >= 4 and head.count(b"\x00") >= len(head) // 4:
        return "the file looks like UTF-16 (NUL bytes from line 1); save it as UTF-8 or Windows-1252"
    return None


def inspect(path: Path, encodings: tuple[str, ...]) -> FileFacts:
    """Hash the file and find its encoding among the candidates, refusing mixed encodings."""
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
    cp1252 = codecs.getincrementaldecoder("cp1252")(errors="strict")
    utf8_ok = cp1252_ok = True
    has_multibyte = False
    head = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if not head:
                head = chunk[:4096]
            digest.update(chunk)
            size += len(chunk)
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok:
                try:
                    cp1252.decode(chunk)
                except UnicodeDecodeError:
                    cp1252_ok = False
            if not has_multibyte:
                has_multibyte = _UTF8_MULTIBYTE.search(chunk) is not None
    if size == 0:
        raise FileProblem("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return FileFacts(digest.hexdigest(), size, None, True)
    utf16 = _utf16_problem(head)
    if utf16:
        raise FileProblem(utf16)
    sha = digest.hexdigest()
    if utf8_ok:
        for enc in encodings:
            if enc.startswith("utf-8"):
                return FileFacts(sha, size, enc, False)
    bad_line = _first_line_not_utf8(path)
    if has_multibyte:
        found = "Windows-1252" if _line_decodes(path, bad_line, "cp1252") else "not Windows-1252 either"
        raise FileProblem(
            f"line {bad_line} is not UTF-8 ({found}) while the rest of the file is UTF-8: "
            "the file mixes encodings; save it again in one encoding"
        )
    if cp1252_ok and "cp1252" in encodings:
        return FileFacts(sha, size, "cp1252", False)
    raise FileProblem(
        f"line {bad_line} is not in an accepted encoding ({', '.join(encodings)})"
        + ("; the file is in Windows-1252" if cp1252_ok else "")
    )


def _first_line_not_utf8(path: Path) -> int:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _line_decodes(path: Path, wanted: int, encoding: str) -> bool:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == wanted:
                try:
                    line.decode(encoding)
                except UnicodeDecodeError:
                    return False
                return True
    return False


def check_workbook_size(path: Path) -> None:
    """Refuse a workbook whose members would inflate beyond the configured bounds (an xlsx bomb)."""
    settings = get_settings()
    limit = settings.xlsx_max_uncompressed_mb * (1 << 20)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem(f"the workbook cannot be opened ({type(exc).__name__})") from exc
    total = sum(m.file_size for m in members)
    if total > limit:
        raise FileProblem(
            f"the workbook would expand to {total >> 20} MB, above the limit of "
            f"{settings.xlsx_max_uncompressed_mb} MB (TANDEM_XLSX_MAX_UNCOMPRESSED_MB)"
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > (1 << 20) and ratio > settings.xlsx_max_ratio:
            raise FileProblem(
                f"the workbook member {m.filename[:60]} is compressed {ratio:.0f}:1, above the limit of "
                f"{settings.xlsx_max_ratio}:1 (TANDEM_XLSX_MAX_RATIO): refused as a possible zip bomb"
            )


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise FileProblem("cannot find the column delimiter in the header line")
    return best


class SourceReader:
    """Read the header, then iterate chunks of `(row_number, cells)`; row 1 is the first data row."""

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

    def chunks(self) -> Iterator[Chunk]:
        """Yields an empty first chunk once the header is read, then the data in chunks."""
        if self.facts.is_xlsx:
            yield from self._xlsx_chunks()
        else:
            yield from self._csv_chunks()

    def _csv_chunks(self) -> Iterator[Chunk]:
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
            yield Chunk([], [])
            reader = csv.reader(text, delimiter=delimiter)
            number = 0
            while True:
                rows = list(islice(reader, CHUNK_ROWS))
                if not rows:
                    break
                numbers = list(range(number + 1, number + 1 + len(rows)))
                number += len(rows)
                # a blank line is not a row (reported rows keep their file numbering)
                kept = [i for i, c in enumerate(rows) if c and (len(c) > 1 or c[0].strip())]
                if len(kept) < len(rows):
                    numbers, rows = [numbers[i] for i in kept], [rows[i] for i in kept]
                yield Chunk(numbers, rows)
            self._bytes_read = self.facts.size

    def _xlsx_chunks(self) -> Iterator[Chunk]:
        from openpyxl import load_workbook

        check_workbook_size(self.path)
        try:
            values = load_workbook(self.path, read_only=True, data_only=True)
            formulas = load_workbook(self.path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise FileProblem(f"the workbook cannot be opened ({type(exc).__name__})") from exc
        try:
            sheets = values.worksheets[0], formulas.worksheets[0]
            for sheet in sheets:
                sheet.reset_dimensions()  # read every row, whatever <dimension> claims
            pairs = zip(
                sheets[0].iter_rows(values_only=True), sheets[1].iter_rows(values_only=True), strict=False
            )
            header = next(pairs, None)
            if header is None:
                raise FileProblem("the workbook's first sheet is empty")
            self.headers = [_cell_text(h).strip() for h in header[0]]
            self.delimiter = "xlsx"
            yield Chunk([], [])
            chunk = Chunk([], [])
            for number, (row, raw) in enumerate(pairs, start=1):
                cells = [_cell_text(v) for v in row]
                missing = {
                    i
                    for i, (v, f) in enumerate(zip(row, raw, strict=False))
                    if v is None and isinstance(f, str) and f[:1] == "="
                }
                if not missing and not any(c.strip() for c in cells):
                    continue
                chunk.numbers.append(number)
                chunk.rows.append(cells)
                if missing:
                    chunk.formulas[number] = missing
                if len(chunk.rows) >= CHUNK_ROWS:
                    yield chunk
                    chunk = Chunk([], [])
            if chunk.rows:
                yield chunk
        finally:
            values.close()
            formulas.close()
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
