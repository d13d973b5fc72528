"""Run Alembic migrations programmatically (the `tandem db upgrade` command and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from service.core import resources


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.package_dir(resources.MIGRATIONS)))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
