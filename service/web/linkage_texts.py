"""The linkage model's fields and levels as the review and run pages name them (checked at start-up).

A module of its own, without routes, so that checking the catalogue does not register a page."""

from __future__ import annotations

from service.linkage import service as linkage
from service.web.i18n import CatalogueError, Catalogues


def check_levels_catalogue(cats: Catalogues) -> None:
    """Every compared field and each of its levels has its texts in both languages: a level added
    to the linkage model without them is a start-up error, not a broken review page."""
    wanted = {f"review.step_{f}" for f in linkage.COMPARISONS}
    wanted |= {
        f"review.level_{f}_{i}" for f, levels in linkage.COMPARISONS.items() for i in range(len(levels))
    }
    missing = sorted(k for k in wanted if k not in cats.texts["nl"] or k not in cats.texts["fr"])
    if missing:
        raise CatalogueError("message catalogues lack texts of the linkage model: " + ", ".join(missing))
