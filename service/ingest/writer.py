"""Write a batch's validated rows in bulk: keyed hashes and ciphertexts of the national numbers,
then COPY (PostgreSQL) or executemany (SQLite) chunk by chunk inside the caller's transaction.
No ORM object per row: rows are tuples built column by column."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.crypto import KeyRing
from service.core.db import bulk_insert
from service.ingest.columns import FastRows, guardian_tuple
from service.ingest.models import Enrolment, Exemption, Guardian, HomeEducation, RegisterPerson, SourceKind
from service.ingest.profiles import GUARDIAN_FIELDS, KIND_FIELDS, PERSON_FIELDS


def _stored(fields: tuple[str, ...]) -> tuple[str, ...]:
    """A list's canonical fields as table columns: the national number is kept only as `nn_*` columns."""
    return tuple(f for f in fields if f != "national_number")


PERSON_COLUMNS = (
    "batch_id",
    "row_number",  # second: a flushed chunk reads its row range from there
    "nn_hash",
    "nn_key_id",
    "nn_status",
    "nn_bis",
    *_stored(PERSON_FIELDS),
    "warnings",
)
TABLES: dict[SourceKind, Any] = {
    SourceKind.REGISTER: RegisterPerson,
    SourceKind.ENROLMENT_NL: Enrolment,
    SourceKind.ENROLMENT_FR: Enrolment,
    SourceKind.HOME_EDUCATION: HomeEducation,
    SourceKind.EXEMPTION: Exemption,
}
KIND_TABLES: dict[SourceKind, tuple[Any, tuple[str, ...]]] = {
    kind: (
        table,
        PERSON_COLUMNS + (("nn_cipher",) if kind == SourceKind.REGISTER else ()) + KIND_FIELDS[kind],
    )
    for kind, table in TABLES.items()
}
GUARDIAN_COLUMNS = ("person_id", "rank", "nn_hash", "nn_key_id", "nn_cipher", *_stored(GUARDIAN_FIELDS))


SQLITE_CACHE_KB = 256 * 1024


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class BatchWriter:
    """Writes each validated chunk at once: keyed hashes and ciphertexts in bulk, rows in row order."""

    def __init__(self, session: Session, kind: SourceKind, batch_id: int, keyring: KeyRing) -> None:
        self.session = session
        self.kind = kind
        self.batch_id = batch_id
        self.keyring = keyring
        self.model, self.columns = KIND_TABLES[kind]
        self.register = kind == SourceKind.REGISTER
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            # a bulk load inserts random keyed hashes into the index: keep its pages in memory
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")

    def add_chunk(
        self, numbers: list[int], fast: FastRows, slow: list[tuple[int, dict[str, Any], str | None]]
    ) -> None:
        """Write the chunk's clean rows (columns from the fast path) and its other good rows (dicts)."""
        k = len(fast.positions)
        columns = dict(fast.values)
        columns["batch_id"] = [self.batch_id] * k
        columns["row_number"] = [numbers[i] for i in fast.positions.tolist()]
        columns["warnings"] = [None] * k
        nns: list[str | None] = list(fast.nns)
        guardians, guardian_nns = list(fast.guardians), list(fast.guardian_nns)
        own = [c for c in self.columns if c not in ("nn_hash", "nn_key_id", "nn_cipher")]
        for c in own:
            if c not in columns:
                columns[c] = [None] * k
        for number, values, clear in slow:
            values["batch_id"], values["row_number"] = self.batch_id, number
            values.setdefault("warnings", None)
            for c in own:
                columns[c].append(_plain(values.get(c)))
            nns.append(clear)
            for g in values.get("guardians") or ():
                guardians.append(guardian_tuple(number, g))
                guardian_nns.append(g["nn"])
        columns["nn_hash"] = self.keyring.hash_many(nns)
        columns["nn_key_id"] = [self.keyring.hmac_active if n else None for n in nns]
        if self.register:
            columns["nn_cipher"] = self.keyring.encrypt_many(nns)
        rows = list(zip(*(columns[c] for c in self.columns), strict=True))
        if slow:  # slow rows were appended after the clean ones: back to file order
            order = sorted(range(len(rows)), key=lambda i: rows[i][1])
            rows = [rows[i] for i in order]
        if not rows:
            return
        conn = self.session.connection()
        bulk_insert(conn, self.model.__table__, self.columns, rows, plain=True)
        if guardians:
            self._guardians(conn, rows, guardians, guardian_nns)

    def _guardians(
        self,
        conn: Any,
        rows: list[tuple[Any, ...]],
        guardians: list[tuple[Any, ...]],
        clear: list[str | None],
    ) -> None:
        ids = dict(
            conn.execute(
                select(RegisterPerson.row_number, RegisterPerson.id).where(
                    RegisterPerson.batch_id == self.batch_id,
                    RegisterPerson.row_number.between(rows[0][1], rows[-1][1]),
                )
            ).all()
        )
        hashes, ciphers = self.keyring.hash_many(clear), self.keyring.encrypt_many(clear)
        key_id = self.keyring.hmac_active
        out = [
            (ids[g[0]], g[1], h, key_id if h else None, cipher, *g[2:])
            for g, h, cipher in zip(guardians, hashes, ciphers, strict=True)
        ]
        out.sort(key=lambda t: (t[0], t[1]))
        bulk_insert(conn, Guardian.__table__, GUARDIAN_COLUMNS, out, plain=True)
