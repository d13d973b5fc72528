"""The packages of the wheel, beside the metadata in pyproject.toml.

The procedure (`workflows/`), the letter templates (`letters/`) and the Alembic migrations
(`migrations/`) stay at the top of the repository, where the cell edits them, and ship as packages
of their own (`tandem_workflows`, `tandem_letters`, `tandem_migrations`) that the service finds
through importlib.resources (`service/core/resources.py`), installed or in a checkout.
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {
    "tandem_workflows": "workflows",
    "tandem_letters": "letters",
    "tandem_migrations": "migrations",
}

setup(
    # Folders of data inside the code (ingest profiles, PDF templates, JSON schemas, name pools)
    # have no __init__.py: they are found as namespace packages so that their files ship too.
    packages=[
        *find_namespace_packages(include=["service", "service.*", "sim", "sim.*"], exclude=["*.__pycache__"]),
        *DATA_PACKAGES,
        "tandem_migrations.versions",
    ],
    package_dir=DATA_PACKAGES,
)
