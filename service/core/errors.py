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


class ConfigurationError(TandemError):
    status = 500


class KeyMaterialMissing(ConfigurationError):
    pass
