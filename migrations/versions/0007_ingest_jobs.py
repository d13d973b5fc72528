"""ingest: the same bytes under another profile are another batch; jobs know their process and upload

Revision ID: 0007_ingest_jobs
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_ingest_jobs"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UQ = "uq_source_batches_school_year_id"


def upgrade() -> None:
    with op.batch_alter_table("source_batches", schema=None) as batch_op:
        batch_op.drop_constraint(_UQ, type_="unique")
        batch_op.create_unique_constraint(_UQ, ["school_year_id", "kind", "sha256", "profile"])
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("upload_path", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("upload_path")
        batch_op.drop_column("host")
        batch_op.drop_column("pid")
    with op.batch_alter_table("source_batches", schema=None) as batch_op:
        batch_op.drop_constraint(_UQ, type_="unique")
        batch_op.create_unique_constraint(_UQ, ["school_year_id", "kind", "sha256"])
