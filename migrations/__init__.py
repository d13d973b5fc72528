"""Alembic environment and versions; shipped in the wheel as package `tandem_migrations`."""
