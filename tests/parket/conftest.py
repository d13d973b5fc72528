"""Every hand-over test runs on a frozen clock that a test can move forward (`clock`)."""

from tests.gemeenten.helpers import frozen_clock  # noqa: F401
