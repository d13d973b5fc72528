"""letters, letter batches and replies (owned by the letters work)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status <> 'cancelled'")


def upgrade() -> None:
    op.create_table(
        "letter_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("owner_community", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_by", sa.String(length=120), nullable=True),
        sa.Column("letter_count", sa.Integer(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=500), nullable=False),
        sa.Column("print_file", sa.String(length=500), nullable=False),
        sa.Column("print_sha256", sa.String(length=64), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_batches")),
    )
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_no", sa.Integer(), nullable=False),
        sa.Column("recipients_total", sa.Integer(), nullable=False),
        sa.Column("guardian_ids", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("reply_by", sa.Date(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=60), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["letter_batches.id"], name=op.f("fk_letters_batch_id_letter_batches")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_letters_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_letters_status_kind", ["status", "kind"], unique=False)
        batch_op.create_index(
            "uq_letters_live_step",
            ["case_id", "kind", "recipient_no"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
    op.create_table(
        "letter_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.String(length=30), nullable=True),
        sa.Column("school_name", sa.String(length=200), nullable=True),
        sa.Column("school_address", sa.String(length=300), nullable=True),
        sa.Column("school_community", sa.String(length=20), nullable=True),
        sa.Column("new_address", sa.String(length=300), nullable=True),
        sa.Column("moved_on", sa.Date(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_letter_replies_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letters.id"], name=op.f("fk_letter_replies_letter_id_letters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_replies")),
    )
    with op.batch_alter_table("letter_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_replies_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letter_replies_letter_id"), ["letter_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letter_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_replies_letter_id"))
        batch_op.drop_index(batch_op.f("ix_letter_replies_case_id"))
    op.drop_table("letter_replies")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index("uq_letters_live_step")
        batch_op.drop_index("ix_letters_status_kind")
        batch_op.drop_index(batch_op.f("ix_letters_case_id"))
        batch_op.drop_index(batch_op.f("ix_letters_batch_id"))
    op.drop_table("letters")
    op.drop_table("letter_batches")
