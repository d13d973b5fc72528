"""review pairs, decisions and other linkage tables (owned by the linkage work)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("gamma", sa.String(length=40), nullable=True),
        sa.Column("weights", sa.String(length=120), nullable=True),
        sa.Column("swapped", sa.Boolean(), nullable=False),
        sa.Column("record_fp", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.id"], name=op.f("fk_link_pairs_batch_id_source_batches")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["register_persons.id"], name=op.f("fk_link_pairs_person_id_register_persons")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_link_pairs_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_pairs")),
    )
    with op.batch_alter_table("link_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_link_pairs_run_outcome", ["run_id", "outcome"], unique=False)
        batch_op.create_index("ix_link_pairs_run_person", ["run_id", "person_id"], unique=False)

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("record_fp", sa.String(length=40), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_year_id"],
            ["school_years.id"],
            name=op.f("fk_review_decisions_school_year_id_school_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
        sa.UniqueConstraint(
            "school_year_id", "record_fp", "person_key", name=op.f("uq_review_decisions_school_year_id")
        ),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_decisions_school_year_id"), ["school_year_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_school_year_id"))
    op.drop_table("review_decisions")
    with op.batch_alter_table("link_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_link_pairs_run_person")
        batch_op.drop_index("ix_link_pairs_run_outcome")
    op.drop_table("link_pairs")
