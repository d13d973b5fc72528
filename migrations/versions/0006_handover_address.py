"""the address a gemeente reports when the family moved within Brussels

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reported_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("street", sa.String(length=160), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("box", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_reported_addresses_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reported_addresses_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_reported_addresses_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reported_addresses")),
    )
    op.create_index(
        "ix_reported_addresses_case_nis", "reported_addresses", ["case_id", "nis_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reported_addresses_case_nis", table_name="reported_addresses")
    op.drop_table("reported_addresses")
