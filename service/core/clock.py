"""One clock for everything that depends on "now", so tests can move time without sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta


class Clock:
    """Wall-clock time; replaced by a `FrozenClock` in tests and simulations."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FrozenClock(Clock):
    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)

    def set(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)


_clock: Clock = Clock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def now() -> datetime:
    return _clock.now()


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    """Use a frozen clock for the duration of the block."""
    previous = get_clock()
    clock = FrozenClock(at)
    set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(previous)
