from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.core.clock import FrozenClock, frozen
from tests.gemeenten.helpers import START


@pytest.fixture(autouse=True)
def clock() -> Iterator[FrozenClock]:
    """Every hand-over test runs on a frozen clock that a test can move forward."""
    with frozen(START) as c:
        yield c
