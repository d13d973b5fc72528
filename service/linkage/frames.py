"""Load what linkage reads from the database as dataframes, filtered in SQL.

The community lists are large (about 2 million rows at Brussels scale) and mostly hold pupils living
outside Brussels. The database already discards what cannot matter: rows not active on the
reference date, and rows whose regular, valid national number is not in the register (the pupil is
not a register child, see stage1.py) unless a register child shares their birth date and surname. What remains is what
stage 1 and stage 2 use.

One query per source, only the columns linkage uses. On PostgreSQL the result travels as CSV through
`COPY (query) TO STDOUT` into `pandas.read_csv` (a few seconds for 350,000 rows instead of a Python
object per value); elsewhere through the driver's fetchall. Either way dates arrive as ISO strings
(`2013-04-07`, what `str(date)` gives, so record fingerprints do not change), booleans as bools,
missing values as None.
"""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, func, literal, null, or_, select, tuple_, union_all
from sqlalchemy.orm import Session

from service.core.errors import TandemError
from service.core.reference import brussels_postcodes
from service.ingest.models import Enrolment, Exemption, HomeEducation, RegisterPerson, SourceBatch

log = logging.getLogger(__name__)
RECORD_KINDS = {"enrolment": Enrolment, "home_education": HomeEducation, "exemption": Exemption}
PERIODS = {
    "enrolment": ("enrolled_from", "enrolled_until"),
    "home_education": ("registered_from", "registered_until"),
    "exemption": ("valid_from", "valid_until"),
}
PERSON_FIELDS = (
    "id",
    "nn_hash",
    "nn_key_id",
    "last_name",
    "first_names",
    "birth_date",
    "sex",
    "postcode",
    "nis_code",
    "street",
    "house_number",
)
RECORD_FIELDS = (
    "kind",
    "record_id",
    "batch_id",
    "source",
    "nn_hash",
    "nn_key_id",
    "nn_status",
    "nn_bis",
    "last_name",
    "first_names",
    "birth_date",
    "sex",
    "postcode",
    "community",
    "school_id",
    "school_name",
    "campus_id",
    "reason",
    "valid_from",
    "valid_until",
)


INT_COLUMNS = ("id", "record_id", "batch_id")
BOOL_COLUMNS = ("nn_bis",)
DATE_COLUMNS = ("birth_date", "valid_from", "valid_until")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """One representation whatever the driver: ints, bools, ISO date strings, None for missing."""
    for col in frame.columns:
        values = frame[col]
        if col in INT_COLUMNS:
            frame[col] = values.astype(np.int64)
        elif col in BOOL_COLUMNS:
            frame[col] = values.map({True: True, False: False, "t": True, "f": False})
        else:
            values = values.astype(object)
            frame[col] = values.where(values.notna(), None)
    return frame


def read_frame(session: Session, query: Select[Any] | Any, columns: tuple[str, ...]) -> pd.DataFrame:
    """Run `query` (its columns named as `columns`) and return the rows as a typed dataframe."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        buffer = io.BytesIO()
        raw = conn.connection.driver_connection
        copy_sql = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER false, NULL '\\N')"
        with raw.cursor() as cur, cur.copy(copy_sql, compiled.params) as copy:
            for block in copy:
                buffer.write(block)
        if not buffer.tell():
            return _typed(pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}))
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            header=None,
            names=list(columns),
            dtype=str,
            na_values=["\\N"],
            keep_default_na=False,
        )
    else:
        frame = pd.DataFrame.from_records(_raw_rows(conn, query), columns=list(columns))
    return _typed(frame)


def _raw_rows(conn: Any, query: Any) -> list[tuple[Any, ...]]:
    """The rows as the driver gives them, without a Python conversion per value: SQLite keeps dates
    as ISO strings and booleans as 0 / 1, which is what `_typed` wants (SQLAlchemy's date
    processing and the way back to ISO strings cost 3 s per million values)."""
    if conn.dialect.name != "sqlite":
        rows = conn.execute(query).all()
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup or []]
    params = [v.isoformat() if isinstance(v, date) else v for v in params]
    return conn.connection.driver_connection.execute(str(compiled), params).fetchall()


def load_people(
    session: Session, register_batch_ids: list[int], person_ids: list[int] | None = None
) -> pd.DataFrame:
    query = select(*(getattr(RegisterPerson, f) for f in PERSON_FIELDS)).where(
        RegisterPerson.batch_id.in_(register_batch_ids)
    )
    if person_ids is not None:
        query = query.where(RegisterPerson.id.in_(person_ids))
    frame = read_frame(session, query.order_by(RegisterPerson.id), PERSON_FIELDS)
    return frame.rename(columns={"id": "person_id"})


def _kind_select(kind: str, batch_ids: list[int], reference_date: date, register_batch_ids: list[int] | None):
    model = RECORD_KINDS[kind]
    start, end = (getattr(model, c) for c in PERIODS[kind])
    columns = [
        literal(kind).label("kind"),
        model.id.label("record_id"),
        model.batch_id,
        SourceBatch.source,
        model.nn_hash,
        model.nn_key_id,
        model.nn_status,
        model.nn_bis,
        model.last_name,
        model.first_names,
        model.birth_date,
        model.sex,
        model.postcode,
        (model.community if kind != "exemption" else null()).label("community"),
        (model.school_id if kind == "enrolment" else null()).label("school_id"),
        (model.school_name if kind != "home_education" else null()).label("school_name"),
        (model.campus_id if kind == "enrolment" else null()).label("campus_id"),
        (model.reason if kind == "exemption" else null()).label("reason"),
        start.label("valid_from"),
        end.label("valid_until"),
    ]
    query = (
        select(*columns)
        .join(SourceBatch, SourceBatch.id == model.batch_id)
        .where(
            model.batch_id.in_(batch_ids), start <= reference_date, or_(end.is_(None), end >= reference_date)
        )
    )
    if register_batch_ids is not None:
        query = query.where(_may_link(model, register_batch_ids))
    return query


def _may_link(model: Any, register_batch_ids: list[int]) -> Any:
    """Rows that can link to a register child: a hash in the register, no trustworthy number, or a
    foreign number (see stage1.py) on a row not placed outside Brussels whose birth date and surname
    (either name field, case aside) a register child shares: the tight route's superset in SQL."""
    in_register = select(RegisterPerson.nn_hash).where(
        RegisterPerson.batch_id.in_(register_batch_ids), RegisterPerson.nn_hash.is_not(None)
    )
    register_keys = select(RegisterPerson.birth_date, func.lower(RegisterPerson.last_name)).where(
        RegisterPerson.batch_id.in_(register_batch_ids)
    )
    hash_keys = select(RegisterPerson.nn_key_id).where(
        RegisterPerson.batch_id.in_(register_batch_ids), RegisterPerson.nn_key_id.is_not(None)
    )
    return or_(
        model.nn_hash.is_(None),
        and_(model.nn_key_id.is_not(None), model.nn_key_id.not_in(hash_keys)),  # see comparable_numbers
        model.nn_status != "valid",
        model.nn_bis.is_(True),
        model.nn_hash.in_(in_register),
        and_(
            or_(
                model.postcode.is_(None),
                model.postcode == "",
                model.postcode.in_(sorted(brussels_postcodes())),
            ),
            or_(
                tuple_(model.birth_date, func.lower(model.last_name)).in_(register_keys),
                tuple_(model.birth_date, func.lower(model.first_names)).in_(register_keys),
            ),
        ),
    )


def load_records(
    session: Session,
    batches: list[SourceBatch],
    reference_date: date,
    register_batch_ids: list[int] | None,
) -> pd.DataFrame:
    """List records active on the reference date; with `register_batch_ids`, only those that can
    link to a register child (hash in the register, or no trustworthy number)."""
    by_kind: dict[str, list[int]] = {}
    for b in batches:
        kind = "enrolment" if b.kind.startswith("enrolment") else b.kind
        if kind in RECORD_KINDS:
            by_kind.setdefault(kind, []).append(b.id)
    selects = [_kind_select(k, ids, reference_date, register_batch_ids) for k, ids in sorted(by_kind.items())]
    if not selects:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in RECORD_FIELDS}).assign(detail="")
    query = union_all(*selects) if len(selects) > 1 else selects[0]
    frame = read_frame(session, query, RECORD_FIELDS)
    frame["nn_bis"] = frame["nn_bis"].fillna(False).astype(bool)
    frame["detail"] = frame["school_id"].fillna(frame["reason"]).fillna(frame["community"]).fillna("")
    return frame.sort_values(["kind", "record_id"], kind="mergesort").reset_index(drop=True)


def comparable_numbers(records: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Stage 1 joins keyed hashes, and hashes made under different HMAC keys never match: a list
    record hashed under another key than the register's (a key added without `tandem keys rotate`,
    or a record rotation could not re-key) has its number set aside, so that it is linked by name in
    stage 2 rather than called "valid number not in the register". A register extract whose own
    hashes use several keys is refused: rotate first."""
    keys = set(people["nn_key_id"].dropna()) if "nn_key_id" in people else set()
    if len(keys) > 1:
        raise TandemError(
            f"the register's national-number hashes use {len(keys)} keys ({', '.join(sorted(keys))}): "
            "run `tandem keys rotate` before linking"
        )
    if not keys or records.empty or "nn_key_id" not in records:
        return records
    other = (records["nn_key_id"].notna() & ~records["nn_key_id"].isin(keys)).to_numpy()
    if other.any():
        log.warning("%d list records hashed under another key: compared by name only", int(other.sum()))
        records = records.copy()
        records.loc[other, "nn_hash"] = None
    return records
