"""Re-keying the stored national-number hashes under the active HMAC key (`tandem keys rotate`).

Register children and guardians carry the encrypted number, so their hash is recomputed from it.
List records (enrolments, home education, exemptions) carry only the hash: they take the new hash
of the register child whose old hash they share. A list record whose number matches no register
child cannot be re-keyed (nobody can, without its number); it keeps what linkage knew of it, "a
valid number that is not in the register": its new hash is the new key's hash of a text that is no
national number, so it can equal nobody's. (Should that child appear in a later register, stage 2
finds it by name, birth date and postcode.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from service.core.crypto import KeyRing
from service.ingest.models import Enrolment, Exemption, Guardian, HomeEducation, RegisterPerson

CHUNK = 5000
LIST_MODELS = (Enrolment, HomeEducation, Exemption)


@dataclass
class RekeyReport:
    key_id: str
    rekeyed: dict[str, int] = field(default_factory=dict)  # table -> rows given the new hash
    unmatched: dict[str, int] = field(default_factory=dict)  # list table -> rows matching no register child
    mapping: dict[tuple[str, str], str] = field(default_factory=dict)  # (old key, old hash) -> new hash


def _rows(session: Session, query: Any) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in session.execute(query.execution_options(yield_per=CHUNK)):
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(session: Session, model: Any, updates: list[dict[str, Any]]) -> None:
    if updates:
        table = model.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(nn_hash=bindparam("new_hash"), nn_key_id=bindparam("new_key"))
        )
        session.connection().execute(statement, updates)


def _rekey_ciphered(session: Session, model: Any, keyring: KeyRing, report: RekeyReport) -> None:
    active = keyring.hmac_active
    query = select(model.id, model.nn_key_id, model.nn_hash, model.nn_cipher).where(
        model.nn_cipher.is_not(None), model.nn_key_id.is_distinct_from(active)
    )
    for rows in list(_rows(session, query)):  # read fully before writing: one connection
        updates = []
        for row_id, old_key, old_hash, cipher in rows:
            new_hash = keyring.hash_nn(keyring.decrypt_nn(cipher))
            if model is RegisterPerson and old_hash:
                report.mapping[(old_key or "", old_hash)] = new_hash
            updates.append({"row_id": row_id, "new_hash": new_hash, "new_key": active})
        _write(session, model, updates)
        report.rekeyed[model.__tablename__] = report.rekeyed.get(model.__tablename__, 0) + len(updates)


def _rekey_listed(session: Session, model: Any, keyring: KeyRing, report: RekeyReport) -> None:
    query = select(model.id, model.nn_key_id, model.nn_hash).where(
        model.nn_hash.is_not(None), model.nn_key_id.is_distinct_from(report.key_id)
    )
    done = left = 0
    for rows in list(_rows(session, query)):
        updates = []
        for row_id, old_key, old_hash in rows:
            new_hash = report.mapping.get((old_key or "", old_hash))
            if new_hash is None:
                left += 1
                new_hash = keyring.hmac_digest(f"unmatched:{old_key}:{old_hash}")
            updates.append({"row_id": row_id, "new_hash": new_hash, "new_key": report.key_id})
        _write(session, model, updates)
        done += len(updates)
    report.rekeyed[model.__tablename__] = done
    report.unmatched[model.__tablename__] = left


def rekey_hashes(session: Session, *, keyring: KeyRing) -> RekeyReport:
    """Give every stored hash the active key, in the caller's transaction (all or nothing)."""
    report = RekeyReport(keyring.hmac_active)
    for model in (RegisterPerson, Guardian):
        _rekey_ciphered(session, model, keyring, report)
    for model in LIST_MODELS:
        _rekey_listed(session, model, keyring, report)
    return report


def hash_key_ids(session: Session, *, register_batch_ids: list[int]) -> set[str]:
    """The HMAC key ids of a register extract's stored hashes (one, unless a rotation was skipped)."""
    query = (
        select(RegisterPerson.nn_key_id)
        .distinct()
        .where(RegisterPerson.batch_id.in_(register_batch_ids), RegisterPerson.nn_key_id.is_not(None))
    )
    return set(session.scalars(query))
