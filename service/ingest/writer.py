"""Write a batch's validated rows in bulk: keyed hashes and ciphertexts of the national numbers,
then COPY (PostgreSQL) or executemany (SQLite) in chunks inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.crypto import KeyRing
from service.core.db import bulk_insert
from service.ingest.models import Enrolment, Exemption, Guardian, HomeEducation, RegisterPerson, SourceKind
from service.ingest.profiles import GUARDIAN_FIELDS, KIND_FIELDS, PERSON_FIELDS

CHUNK_ROWS = 20_000


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


class BatchWriter:
    """Buffers validated rows and writes them in chunks; hashes and encrypts national numbers."""

    def __init__(self, session: Session, kind: SourceKind, batch_id: int, keyring: KeyRing) -> None:
        self.session = session
        self.kind = kind
        self.batch_id = batch_id
        self.keyring = keyring
        self.model, self.columns = KIND_TABLES[kind]
        self.rows: list[tuple[Any, ...]] = []
        self.guardians: dict[int, list[dict[str, Any]]] = {}
        self.rows_with_warnings = 0

    def add(self, number: int, values: dict[str, Any], clear_nn: str | None) -> None:
        values["batch_id"] = self.batch_id
        values["row_number"] = number
        values.setdefault("warnings", None)
        if values["warnings"]:
            self.rows_with_warnings += 1
        if clear_nn is not None:
            values["nn_hash"] = self.keyring.hash_nn(clear_nn)
            values["nn_key_id"] = self.keyring.hmac_active
        else:
            values["nn_hash"] = values["nn_key_id"] = None
        if self.kind == SourceKind.REGISTER:
            values["nn_cipher"] = self.keyring.encrypt_nn(clear_nn) if clear_nn else None
            if values["guardians"]:
                self.guardians[number] = values["guardians"]
        self.rows.append(tuple(values.get(c) for c in self.columns))
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        conn = self.session.connection()
        bulk_insert(conn, self.model.__table__, self.columns, self.rows)
        first_row, last_row = self.rows[0][1], self.rows[-1][1]
        self.rows = []
        if self.guardians:
            ids = dict(
                conn.execute(
                    select(RegisterPerson.row_number, RegisterPerson.id).where(
                        RegisterPerson.batch_id == self.batch_id,
                        RegisterPerson.row_number.between(first_row, last_row),
                    )
                ).all()
            )
            guardian_rows = []
            for number, guardians in self.guardians.items():
                for g in guardians:
                    clear = g.pop("nn")
                    g["person_id"] = ids[number]
                    g["nn_hash"] = self.keyring.hash_nn(clear) if clear else None
                    g["nn_key_id"] = self.keyring.hmac_active if clear else None
                    g["nn_cipher"] = self.keyring.encrypt_nn(clear) if clear else None
                    guardian_rows.append(tuple(g.get(c) for c in GUARDIAN_COLUMNS))
            bulk_insert(conn, Guardian.__table__, GUARDIAN_COLUMNS, guardian_rows)
            self.guardians = {}
