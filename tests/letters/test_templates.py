"""Templates are files the joint cell edits: undeclared or missing variables are errors, never blanks."""

from __future__ import annotations

import copy
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.letters.context import CaseInfo, letter_context, recipients_for
from service.letters.templates import (
    LETTERS_DIR,
    MissingVariable,
    TemplateProblem,
    Templates,
    load_manifest,
    long_date,
)
from tests.letters.conftest import DIFFICULT, person_of


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "letters"
    shutil.copytree(LETTERS_DIR, target)
    return target


def _context(kind: str = "letter_1") -> dict[str, Any]:
    person = person_of(DIFFICULT[1], 2)
    recipient = recipients_for(person, "nl")[0]
    return letter_context(
        kind=kind,
        case=CaseInfo(7, "2025-2026", "nl"),
        person=person,
        recipient=recipient,
        separate=False,
        letter_date=date(2025, 10, 6),
        reply_days=21,
        channel="post",
        previous_letter_date=date(2025, 9, 1) if kind == "letter_2" else None,
    )


def test_the_shipped_templates_declare_what_they_use() -> None:
    manifest = load_manifest()
    assert set(manifest.kinds) == {"letter_1", "letter_2"}
    assert manifest.kind("letter_2").transition == "send_letter_2"
    assert [v.path for v in manifest.kind("letter_2").variables] == ["previous_letter.date"]


@pytest.mark.parametrize(
    ("template", "snippet", "named"),
    [
        ("letter_1.html.j2", "{{ child.nickname }}", "child.nickname"),
        ("reply_form.html.j2", "{{ national_number }}", "national_number"),
        # a letter-2 variable used by letter 1 (or by the layout both share) is undeclared there
        ("letter_1.html.j2", "{{ previous_letter.date }}", "previous_letter.date"),
        ("layout.html.j2", "{{ previous_letter.date }}", "previous_letter.date"),
    ],
)
def test_an_undeclared_variable_fails_at_load(
    tmp_path: Path, template: str, snippet: str, named: str
) -> None:
    directory = _copy(tmp_path)
    path = directory / template
    source = path.read_text(encoding="utf-8")
    marker = "{% endblock %}" if "endblock" in source else "</section>"
    path.write_text(source.replace(marker, f"<p>{snippet}</p>{marker}", 1), encoding="utf-8")
    with pytest.raises(TemplateProblem, match=named.replace(".", r"\.")):
        load_manifest(directory)


def test_a_broken_manifest_or_template_fails_at_load(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "letter_2.html.j2").write_text(
        "{% extends 'layout.html.j2' %}{% block body %}{% if %}", "utf-8"
    )
    with pytest.raises(TemplateProblem, match="letter_2.html.j2"):
        load_manifest(directory)
    directory = _copy(tmp_path / "again")
    manifest = (directory / "letters.yaml").read_text(encoding="utf-8")
    (directory / "letters.yaml").write_text(
        manifest.replace("default_channel: post", "default_channel: pigeon"), encoding="utf-8"
    )
    with pytest.raises(TemplateProblem, match="pigeon"):
        load_manifest(directory)


def test_a_missing_or_empty_variable_fails_at_render() -> None:
    templates = Templates()
    context = _context()
    assert "Dağlı" in templates.render_html("letter_1", context)

    for path in ("child.birth_date", "letter.deadline", "sender.name_fr", "handler.postal"):
        broken = copy.deepcopy(context)
        head, _, leaf = path.rpartition(".")
        del broken[head][leaf]
        with pytest.raises(MissingVariable, match=path.replace(".", r"\.")):
            templates.render_html("letter_1", broken)
    empty = copy.deepcopy(context)
    empty["recipient"]["names"] = []
    with pytest.raises(MissingVariable, match="recipient.names"):
        templates.render_html("letter_1", empty)
    blank = copy.deepcopy(context)
    blank["child"]["gemeente_fr"] = ""
    with pytest.raises(MissingVariable, match="child.gemeente_fr"):
        templates.render_html("letter_1", blank)
    with pytest.raises(MissingVariable, match="previous_letter.date"):
        templates.render_html("letter_2", context)  # letter 2 needs the date of letter 1
    optional = copy.deepcopy(context)
    optional["child"]["sex"] = None  # declared optional: "né(e)"
    assert "né(e) le" in templates.render_html("letter_1", optional)


def test_rendered_html_keeps_no_template_syntax() -> None:
    html = Templates().render_html("letter_2", _context("letter_2"))
    for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert marker not in html
    assert "1 september 2025" in html and "1er septembre 2025" in html


def test_long_dates_in_both_languages() -> None:
    assert long_date(date(2026, 1, 1), "fr") == "1er janvier 2026"
    assert long_date(date(2026, 1, 1), "nl") == "1 januari 2026"
    assert long_date(date(2025, 8, 15), "fr") == "15 août 2025"
    assert long_date(date(2025, 2, 3), "nl") == "3 februari 2025"
    with pytest.raises(MissingVariable):
        long_date(None, "nl")  # type: ignore[arg-type]


def _refs_blocks(html: str) -> list[str]:
    """The reference blocks beside the address windows (the letter's and the reply form's)."""
    return [part.split("</table>", 1)[0] for part in html.split('<table class="refs">')[1:]]


@pytest.mark.parametrize(
    ("owner", "first", "second"), [("fr", "Référence", "Referentie"), ("nl", "Referentie", "Référence")]
)
def test_the_reference_block_puts_the_familys_language_first(owner: str, first: str, second: str) -> None:
    person = person_of(DIFFICULT[0], 1)  # a French-speaking family
    person.admin_language = owner
    recipient = recipients_for(person, owner)[0]
    context = letter_context(
        kind="letter_1",
        case=CaseInfo(7, "2025-2026", owner),
        person=person,
        recipient=recipient,
        separate=False,
        letter_date=date(2025, 10, 6),
        reply_days=21,
        channel="post",
    )
    blocks = _refs_blocks(Templates().render_html("letter_1", context))
    assert len(blocks) == 2  # the letter and the reply form
    for block in blocks:
        assert block.index(first) < block.index(second)
        dates = (
            ("6 octobre 2025", "6 oktober 2025") if owner == "fr" else ("6 oktober 2025", "6 octobre 2025")
        )
        if "Datum" in block:  # the reply form has no letter date
            assert block.index(dates[0]) < block.index(dates[1])
        deadline_fr, deadline_nl = block.index("27 octobre 2025"), block.index("27 oktober 2025")
        assert (deadline_fr < deadline_nl) == (owner == "fr")
