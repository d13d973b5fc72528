"""Logging set-up. Log lines carry row numbers and ids only; personal values never reach a log."""

from __future__ import annotations

import logging

from service.core.settings import get_settings


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=get_settings().log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
