"""The folders shipped beside the code are found as packages, and a missing one says what to do."""

from __future__ import annotations

import pytest

from service.core import resources
from service.core.errors import ConfigurationError


def test_the_shipped_folders_are_found_as_packages() -> None:
    assert (resources.package_dir(resources.WORKFLOWS) / "absolute_truancy.yaml").is_file()
    assert (resources.package_dir(resources.LETTERS) / "letters.yaml").is_file()
    assert (resources.package_dir(resources.MIGRATIONS) / "env.py").is_file()


def test_a_package_that_is_not_installed_names_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="reinstall Tandem"):
        resources.package_dir("tandem_no_such_folder")
