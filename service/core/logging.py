"""Logging set-up. Log lines carry row numbers and ids only; personal values never reach a log."""

from __future__ import annotations

import logging
import traceback

from service.core.settings import get_settings


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=get_settings().log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def log_failure(logger: logging.Logger, message: str, *args: object, exc: BaseException) -> None:
    """Log an unexpected error with its type and traceback but without its message: the text of a
    database or library error may quote values (PostgreSQL's "Failing row contains (...)")."""
    kinds, cause = [], exc
    while cause is not None and len(kinds) < 5:
        kinds.append(type(cause).__name__)
        cause = cause.__cause__
    where = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(message + " (%s)\n%s", *args, " <- ".join(kinds), where.rstrip())
