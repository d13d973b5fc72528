"""The folders Tandem ships beside its code: the procedure, the letter templates, the migrations.

They live at the top of the repository (`workflows/`, `letters/`, `migrations/`) and are packages of
their own in the wheel (see setup.py); importlib.resources finds them in an installed copy and in a
checkout alike, so nothing depends on where the service's own files happen to be.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from service.core.errors import ConfigurationError

WORKFLOWS = "tandem_workflows"
LETTERS = "tandem_letters"
MIGRATIONS = "tandem_migrations"


def package_dir(package: str) -> Path:
    """The folder of one of those packages on disk (Jinja2 and Alembic read folders, not resources)."""
    try:
        folder = files(package)
    except ModuleNotFoundError:
        raise ConfigurationError(
            f"package {package} is not installed: reinstall Tandem (`make install`, or pip install -e .)"
        ) from None
    if not isinstance(folder, Path):
        raise ConfigurationError(f"package {package} is not a folder on disk (zipped install?)")
    return folder
