"""foundation schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 16:18:03.476563
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


GEMEENTEN = [
    ("21001", "Anderlecht", "Anderlecht", "1070", 125000),
    ("21002", "Oudergem", "Auderghem", "1160", 35000),
    ("21003", "Sint-Agatha-Berchem", "Berchem-Sainte-Agathe", "1082", 25000),
    ("21004", "Brussel", "Bruxelles", "1000 1020 1120 1130 1040 1050", 196000),
    ("21005", "Etterbeek", "Etterbeek", "1040", 48000),
    ("21006", "Evere", "Evere", "1140", 43000),
    ("21007", "Vorst", "Forest", "1190", 56000),
    ("21008", "Ganshoren", "Ganshoren", "1083", 25000),
    ("21009", "Elsene", "Ixelles", "1050", 87000),
    ("21010", "Jette", "Jette", "1090", 53000),
    ("21011", "Koekelberg", "Koekelberg", "1081", 22000),
    ("21012", "Sint-Jans-Molenbeek", "Molenbeek-Saint-Jean", "1080", 98000),
    ("21013", "Sint-Gillis", "Saint-Gilles", "1060", 50000),
    ("21014", "Sint-Joost-ten-Node", "Saint-Josse-ten-Noode", "1210", 27000),
    ("21015", "Schaarbeek", "Schaerbeek", "1030", 131000),
    ("21016", "Ukkel", "Uccle", "1180", 85000),
    ("21017", "Watermaal-Bosvoorde", "Watermael-Boitsfort", "1170", 25000),
    ("21018", "Sint-Lambrechts-Woluwe", "Woluwe-Saint-Lambert", "1200", 59000),
    ("21019", "Sint-Pieters-Woluwe", "Woluwe-Saint-Pierre", "1150", 42000),
]


def _seed() -> None:
    gemeenten = sa.table(
        "gemeenten",
        sa.column("nis_code", sa.String),
        sa.column("name_nl", sa.String),
        sa.column("name_fr", sa.String),
        sa.column("postcodes", sa.String),
        sa.column("approx_population", sa.Integer),
    )
    op.bulk_insert(
        gemeenten,
        [
            dict(zip(("nis_code", "name_nl", "name_fr", "postcodes", "approx_population"), g, strict=True))
            for g in GEMEENTEN
        ],
    )
    organisations = sa.table(
        "organisations",
        sa.column("code", sa.String),
        sa.column("kind", sa.String),
        sa.column("name_nl", sa.String),
        sa.column("name_fr", sa.String),
        sa.column("nis_code", sa.String),
        sa.column("community", sa.String),
        sa.column("default_visitor", sa.String),
    )
    orgs = [
        {
            "code": "AGODI",
            "kind": "agodi",
            "name_nl": "AGODI - Agentschap voor Onderwijsdiensten",
            "name_fr": "AGODI - Agence flamande des services d'enseignement",
            "nis_code": None,
            "community": "nl",
            "default_visitor": None,
        },
        {
            "code": "SCOS",
            "kind": "scos",
            "name_nl": "SCOS - Dienst controle leerplicht (FWB)",
            "name_fr": "SCOS - Service du contrôle de l'obligation scolaire",
            "nis_code": None,
            "community": "fr",
            "default_visitor": None,
        },
        {
            "code": "PARKET",
            "kind": "parket",
            "name_nl": "Parket van Brussel - sectie jeugd",
            "name_fr": "Parquet de Bruxelles - section jeunesse",
            "nis_code": None,
            "community": None,
            "default_visitor": None,
        },
    ]
    orgs += [
        {
            "code": g[0],
            "kind": "gemeente",
            "name_nl": g[1],
            "name_fr": g[2],
            "nis_code": g[0],
            "community": None,
            "default_visitor": "neighbourhood_police",
        }
        for g in GEMEENTEN
    ]
    op.bulk_insert(organisations, orgs)


def upgrade() -> None:
    op.create_table(
        "gemeenten",
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("name_nl", sa.String(length=80), nullable=False),
        sa.Column("name_fr", sa.String(length=80), nullable=False),
        sa.Column("postcodes", sa.String(length=80), nullable=False),
        sa.Column("approx_population", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("nis_code", name=op.f("pk_gemeenten")),
    )
    op.create_table(
        "school_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=9), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("start_age", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_years")),
        sa.UniqueConstraint("label", name=op.f("uq_school_years_label")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_nl", sa.String(length=120), nullable=False),
        sa.Column("name_fr", sa.String(length=120), nullable=False),
        sa.Column("nis_code", sa.String(length=5), nullable=True),
        sa.Column("community", sa.String(length=2), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("default_visitor", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_organisations_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_ids", sa.JSON(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_year_id"], ["school_years.id"], name=op.f("fk_runs_school_year_id_school_years")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_school_year_id"), ["school_year_id"], unique=False)

    op.create_table(
        "source_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("profile", sa.String(length=60), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_with_warnings", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_year_id"],
            ["school_years.id"],
            name=op.f("fk_source_batches_school_year_id_school_years"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["source_batches.id"],
            name=op.f("fk_source_batches_superseded_by_id_source_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_batches")),
        sa.UniqueConstraint(
            "school_year_id", "kind", "sha256", name=op.f("uq_source_batches_school_year_id")
        ),
    )
    with op.batch_alter_table("source_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_batches_school_year_id"), ["school_year_id"], unique=False
        )

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=2), nullable=False),
        sa.Column("school_id", sa.String(length=20), nullable=False),
        sa.Column("school_name", sa.String(length=160), nullable=False),
        sa.Column("campus_id", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("enrolled_from", sa.Date(), nullable=False),
        sa.Column("enrolled_until", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("nn_hash", sa.String(length=64), nullable=True),
        sa.Column("nn_key_id", sa.String(length=20), nullable=True),
        sa.Column("nn_status", sa.String(length=12), nullable=False),
        sa.Column("nn_bis", sa.Boolean(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_names", sa.String(length=160), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("warnings", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.id"], name=op.f("fk_enrolments_batch_id_source_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_enrolments_nn_hash", ["nn_hash"], unique=False)

    op.create_table(
        "exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("school_name", sa.String(length=160), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("nn_hash", sa.String(length=64), nullable=True),
        sa.Column("nn_key_id", sa.String(length=20), nullable=True),
        sa.Column("nn_status", sa.String(length=12), nullable=False),
        sa.Column("nn_bis", sa.Boolean(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_names", sa.String(length=160), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("warnings", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.id"], name=op.f("fk_exemptions_batch_id_source_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemptions")),
    )
    with op.batch_alter_table("exemptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exemptions_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_exemptions_nn_hash", ["nn_hash"], unique=False)

    op.create_table(
        "home_education",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=2), nullable=False),
        sa.Column("registered_from", sa.Date(), nullable=False),
        sa.Column("registered_until", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("nn_hash", sa.String(length=64), nullable=True),
        sa.Column("nn_key_id", sa.String(length=20), nullable=True),
        sa.Column("nn_status", sa.String(length=12), nullable=False),
        sa.Column("nn_bis", sa.Boolean(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_names", sa.String(length=160), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("warnings", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.id"], name=op.f("fk_home_education_batch_id_source_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_education")),
    )
    with op.batch_alter_table("home_education", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_education_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_home_education_nn_hash", ["nn_hash"], unique=False)

    op.create_table(
        "register_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nn_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("nis_code", sa.String(length=5), nullable=False),
        sa.Column("street", sa.String(length=160), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("box", sa.String(length=20), nullable=False),
        sa.Column("stat_sector", sa.String(length=20), nullable=True),
        sa.Column("admin_language", sa.String(length=2), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("nn_hash", sa.String(length=64), nullable=True),
        sa.Column("nn_key_id", sa.String(length=20), nullable=True),
        sa.Column("nn_status", sa.String(length=12), nullable=False),
        sa.Column("nn_bis", sa.Boolean(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_names", sa.String(length=160), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("warnings", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["source_batches.id"], name=op.f("fk_register_persons_batch_id_source_batches")
        ),
        sa.ForeignKeyConstraint(
            ["nis_code"], ["gemeenten.nis_code"], name=op.f("fk_register_persons_nis_code_gemeenten")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_persons")),
    )
    with op.batch_alter_table("register_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_persons_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_register_persons_nis_code"), ["nis_code"], unique=False)
        batch_op.create_index("ix_register_persons_nn_hash", ["nn_hash"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=160), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_users_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_ids", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_user_id"), ["user_id"], unique=False)

    op.create_table(
        "child_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("record_kind", sa.String(length=20), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("community", sa.String(length=2), nullable=True),
        sa.Column("school_id", sa.String(length=20), nullable=True),
        sa.Column("campus_id", sa.String(length=20), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["register_persons.id"], name=op.f("fk_child_statuses_person_id_register_persons")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_child_statuses_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_statuses")),
        sa.UniqueConstraint("run_id", "person_id", name=op.f("uq_child_statuses_run_id")),
    )
    with op.batch_alter_table("child_statuses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_statuses_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_child_statuses_run_status", ["run_id", "status"], unique=False)

    op.create_table(
        "guardians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("nn_hash", sa.String(length=64), nullable=True),
        sa.Column("nn_key_id", sa.String(length=20), nullable=True),
        sa.Column("nn_cipher", sa.LargeBinary(), nullable=True),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_names", sa.String(length=160), nullable=False),
        sa.Column("street", sa.String(length=160), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("box", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("municipality", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["register_persons.id"], name=op.f("fk_guardians_person_id_register_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardians")),
    )
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardians_person_id"), ["person_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_jobs_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )

    _seed()


def downgrade() -> None:
    op.drop_table("jobs")
    with op.batch_alter_table("guardians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardians_person_id"))

    op.drop_table("guardians")
    with op.batch_alter_table("child_statuses", schema=None) as batch_op:
        batch_op.drop_index("ix_child_statuses_run_status")
        batch_op.drop_index(batch_op.f("ix_child_statuses_person_id"))

    op.drop_table("child_statuses")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("register_persons", schema=None) as batch_op:
        batch_op.drop_index("ix_register_persons_nn_hash")
        batch_op.drop_index(batch_op.f("ix_register_persons_nis_code"))
        batch_op.drop_index(batch_op.f("ix_register_persons_batch_id"))

    op.drop_table("register_persons")
    with op.batch_alter_table("home_education", schema=None) as batch_op:
        batch_op.drop_index("ix_home_education_nn_hash")
        batch_op.drop_index(batch_op.f("ix_home_education_batch_id"))

    op.drop_table("home_education")
    with op.batch_alter_table("exemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_exemptions_nn_hash")
        batch_op.drop_index(batch_op.f("ix_exemptions_batch_id"))

    op.drop_table("exemptions")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_nn_hash")
        batch_op.drop_index(batch_op.f("ix_enrolments_batch_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("source_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_batches_school_year_id"))

    op.drop_table("source_batches")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_school_year_id"))

    op.drop_table("runs")
    op.drop_table("organisations")
    op.drop_table("school_years")
    op.drop_table("gemeenten")
