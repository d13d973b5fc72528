"""Domain errors. Messages never carry personal values (names, national numbers, addresses)."""

from __future__ import annotations


class TandemError(Exception):
    """Base class for errors shown to users; `status` maps to an HTTP status."""

    status = 400


class Unauthenticated(TandemError):
    status = 401


class NotFound(TandemError):
    status = 404


class Forbidden(TandemError):
    status = 403


class Conflict(TandemError):
    status = 409


class TooManyRequests(TandemError):
    """429; `retry_after` (seconds) becomes the Retry-After header."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigurationError(TandemError):
    status = 500


class KeyMaterialMissing(ConfigurationError):
    pass
