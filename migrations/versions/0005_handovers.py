"""gemeente assignments, home visits, parket referrals and notifications (the hand-overs)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("answer", sa.String(length=40), nullable=True),
        sa.Column("new_nis_code", sa.String(length=5), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("handed_over_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_assignments_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["handed_over_from_id"],
            ["assignments.id"],
            name=op.f("fk_assignments_handed_over_from_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["new_nis_code"], ["gemeenten.nis_code"], name=op.f("fk_assignments_new_nis_code_gemeenten")
        ),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_assignments_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index("ix_assignments_case_status", "assignments", ["case_id", "status"], unique=False)
    op.create_index("ix_assignments_nis_status", "assignments", ["nis_code", "status"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_error", sa.String(length=200), nullable=True),
        sa.Column("subject_nl", sa.String(length=200), nullable=False),
        sa.Column("subject_fr", sa.String(length=200), nullable=False),
        sa.Column("body_nl", sa.Text(), nullable=False),
        sa.Column("body_fr", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_notifications_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_case_id"), "notifications", ["case_id"], unique=False)
    op.create_index("ix_notifications_emailed", "notifications", ["emailed_at"], unique=False)
    op.create_index(
        "ix_notifications_org_read", "notifications", ["organisation_id", "read_at"], unique=False
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=True),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referred_by", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("schema_version", sa.String(length=20), nullable=False),
        sa.Column("zip_path", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_by", sa.String(length=120), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_referrals_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_referrals_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index(op.f("ix_referrals_case_id"), "referrals", ["case_id"], unique=False)
    op.create_index(op.f("ix_referrals_status"), "referrals", ["status"], unique=False)
    op.create_table(
        "home_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitor_kind", sa.String(length=30), nullable=False),
        sa.Column("family_found", sa.Boolean(), nullable=False),
        sa.Column("parents_said", sa.String(length=20), nullable=True),
        sa.Column("school_name", sa.String(length=160), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name=op.f("fk_home_visits_assignment_id_assignments")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_home_visits_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_home_visits_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_visits")),
    )
    op.create_index(op.f("ix_home_visits_case_id"), "home_visits", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_home_visits_case_id"), table_name="home_visits")
    op.drop_table("home_visits")
    op.drop_index(op.f("ix_referrals_status"), table_name="referrals")
    op.drop_index(op.f("ix_referrals_case_id"), table_name="referrals")
    op.drop_table("referrals")
    op.drop_index("ix_notifications_org_read", table_name="notifications")
    op.drop_index("ix_notifications_emailed", table_name="notifications")
    op.drop_index(op.f("ix_notifications_case_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_assignments_nis_status", table_name="assignments")
    op.drop_index("ix_assignments_case_status", table_name="assignments")
    op.drop_table("assignments")
