"""The linkage model's fields and levels have their texts in both catalogues (checked at start-up)."""

from __future__ import annotations

import pytest

from service.api.app import create_app
from service.linkage import service as linkage
from service.web.i18n import CatalogueError, Catalogues, catalogues
from service.web.linkage_texts import check_levels_catalogue
from service.web.pages import NAV


def test_the_shipped_catalogues_name_every_level_of_the_model() -> None:
    check_levels_catalogue(catalogues())


def test_a_level_without_its_text_stops_start_up() -> None:
    shipped = catalogues()
    field = next(iter(linkage.COMPARISONS))
    last = f"review.level_{field}_{len(linkage.COMPARISONS[field]) - 1}"
    texts = {
        lang: {k: v for k, v in t.items() if not (lang == "fr" and k == last)}
        for lang, t in shipped.texts.items()
    }
    with pytest.raises(CatalogueError, match=last):
        check_levels_catalogue(Catalogues(texts))


def test_the_cell_menu_keeps_the_order_of_the_day_s_work() -> None:
    """Checking texts at start-up must not register a screen early (the menu follows AREAS)."""
    create_app()
    cell = [item.href for item in NAV if item.permission == "web:cell"]
    assert cell[:7] == ["/today", "/cases", "/lists", "/review", "/letters", "/runs", "/gemeenten"]
