"""Domain errors. Messages never carry personal values (names, national numbers, addresses)."""

from __future__ import annotations

from collections.abc import Iterable

LANGS = ("nl", "fr")


class Problem(str):
    """A problem's English text (API `detail`, logs) that carries its Dutch and French texts for the
    pages: `Problem("visited_on lies in the future", nl="...", fr="...")`. Being a `str`, it goes
    wherever a plain message goes (guards' lists, joins) and answers `str()` in English."""

    texts: dict[str, str]

    def __new__(cls, en: str, *, nl: str, fr: str) -> Problem:
        made = super().__new__(cls, en)
        made.texts = {"nl": nl, "fr": fr}
        return made


def localised(message: object, lang: str) -> str:
    """A message in `lang` when it carries its texts, else its English (the last resort)."""
    texts = getattr(message, "texts", None) or {}
    return texts.get(lang) or str(message)


def joined(items: Iterable[object], *, head: Problem | None = None, sep: str = "; ") -> Problem:
    """Several messages as one (`head` in front), keeping each language's texts together."""
    items = list(items)

    def text(lang: str) -> str:
        return (localised(head, lang) if head else "") + sep.join(localised(i, lang) for i in items)

    return Problem(text("en"), nl=text("nl"), fr=text("fr"))


class TandemError(Exception):
    """Base class for errors shown to users; `status` maps to an HTTP status. Raised with a
    `Problem` (or `texts=`), it carries Dutch and French texts (`texts`) the pages show."""

    status = 400

    def __init__(self, *args: object, texts: dict[str, str] | None = None) -> None:
        super().__init__(*args)
        if texts is None and args and isinstance(args[0], Problem):
            texts = args[0].texts
        self.texts: dict[str, str] = texts or {}


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
