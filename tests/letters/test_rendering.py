"""Rendered letters, read back from the PDF: every field in both languages, each guardian their own
envelope, names inside the address window, fonts embedded, no template syntax left.

A page of each letter kind is converted to PNG under test-output/letters/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from service.letters.context import CaseInfo, letter_context, recipients_for
from service.letters.service import render_letter, reply_days
from tests.letters.conftest import DIFFICULT, TEST_OUTPUT, Child, pdftotext, person_of

LETTER_DATE = date(2025, 10, 6)
MM = 72 / 25.4  # PDF points per millimetre
# Columns of the letter body (page margins 25 mm left, 20 mm right; two 79.5 mm columns, 6 mm gap).
LEFT_COLUMN = (25, 104.5)
RIGHT_COLUMN = (110.5, 190)
WINDOW = (20, 45, 105, 90)  # DIN 5008 form B address field: x0, y0, x1, y1 in mm


def render(tmp_path: Path, kind: str, child: Child, seq: int = 1) -> list[tuple[Path, dict[str, Any]]]:
    """Every envelope of this child's letter, as written PDF files with the context used."""
    person = person_of(child, seq)
    owner = child.admin_language or "nl"
    recipients = recipients_for(person, owner)
    out = []
    for r in recipients:
        context = letter_context(
            kind=kind,
            case=CaseInfo(100 + seq, "2025-2026", owner),
            person=person,
            recipient=r,
            separate=len(recipients) > 1,
            letter_date=LETTER_DATE,
            reply_days=reply_days(kind),
            channel="registered_post" if kind == "letter_2" else "post",
            previous_letter_date=date(2025, 9, 8) if kind == "letter_2" else None,
        )
        path = tmp_path / f"{kind}-{seq}-{r.suffix}.pdf"
        path.write_bytes(render_letter(kind, context))
        out.append((path, context))
    return out


def squash(text: str) -> str:
    """Whitespace and hyphens removed: a name wrapped or hyphenated at a line end still matches."""
    return re.sub(r"[\s\-\u00ad\u2010\u202f\u00a0]", "", text)


def region(path: Path, page: int, x0: float, x1: float, y0: float = 0, y1: float = 297) -> str:
    """Text of a rectangle of a page (millimetres)."""
    return pdftotext(
        path,
        "-f",
        str(page),
        "-l",
        str(page),
        "-x",
        str(int(x0 * MM)),
        "-y",
        str(int(y0 * MM)),
        "-W",
        str(int((x1 - x0) * MM)),
        "-H",
        str(int((y1 - y0) * MM)),
    )


def columns(path: Path) -> tuple[str, str]:
    """Left and right column text of the letter pages (every page but the reply form, the last)."""
    pages = len(PdfReader(str(path)).pages)
    left = right = ""
    for page in range(1, pages):
        top = 90 if page == 1 else 15
        left += region(path, page, *LEFT_COLUMN, top, 280)
        right += region(path, page, *RIGHT_COLUMN, top, 280)
    return left, right


def expected_fields(ctx: dict[str, Any], lang: str) -> list[str]:
    from service.letters.templates import long_date

    child, letter = ctx["child"], ctx["letter"]
    fields = [
        f"{child['first_names']} {child['last_name']}",
        long_date(child["birth_date"], lang),
        child[f"gemeente_{lang}"],
        ctx["school_year"],
        long_date(letter["deadline"], lang),
        ctx["case"]["reference"],
        ctx["sender"][f"name_{lang}"],
        ctx["handler"]["postal"],
        "29 juni 1983 betreffende de leerplicht"
        if lang == "nl"
        else "29 juin 1983 concernant l'obligation scolaire",
    ]
    if letter["kind"] == "letter_2":
        fields += [long_date(ctx["previous_letter"]["date"], lang)]
        fields += (
            ["geen antwoord ontvangen", "komt bij u thuis langs", "het parket", "geldboete"]
            if lang == "nl"
            else ["pas reçu de réponse", "se rendra à votre domicile", "au parquet", "amende"]
        )
    return fields


@pytest.mark.parametrize("kind", ["letter_1", "letter_2"])
def test_every_field_in_both_languages(tmp_path: Path, kind: str) -> None:
    for seq, child in enumerate(DIFFICULT, 1):
        for path, ctx in render(tmp_path, kind, child, seq):
            text = pdftotext(path)
            for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
                assert marker not in text
            left, right = columns(path)
            nl, fr = (right, left) if ctx["lang_order"] == "fr-first" else (left, right)
            for lang, column in (("nl", nl), ("fr", fr)):
                missing = [f for f in expected_fields(ctx, lang) if squash(f) not in squash(column)]
                assert not missing, f"{kind} {path.name} {lang} column lacks {missing}"
            # the reply form page: both languages, the case reference, tick boxes' labels
            form = squash(pdftotext(path, "-f", str(len(PdfReader(str(path)).pages))))
            for label in (
                "Antwoordformulier",
                "Formulaire de réponse",
                "Huisonderwijs",
                "Enseignement à domicile",
                "Wij zijn verhuisd",
                "Nous avons déménagé",
                ctx["case"]["reference"],
                ctx["child"]["last_name"],
                "à l'étranger",
                "in het buitenland",
            ):
                assert squash(label).lower() in form.lower(), label


def test_the_deadline_is_the_letter_date_plus_the_workflow_reply_window(tmp_path: Path) -> None:
    (path, ctx), *_ = render(tmp_path, "letter_1", DIFFICULT[1], 2)
    assert reply_days("letter_1") == 21 and ctx["letter"]["deadline"] == date(2025, 10, 27)
    text = squash(pdftotext(path))
    assert squash("uiterlijk op 27 oktober 2025") in text
    assert squash("au plus tard le 27 octobre 2025") in text


def test_each_guardian_gets_a_letter_at_their_own_address(tmp_path: Path) -> None:
    apart, together, abroad = DIFFICULT

    def window(path: Path) -> str:
        x0, y0, x1, y1 = WINDOW
        return squash(region(path, 1, x0, x1, y0, y1))

    envelopes = render(tmp_path, "letter_1", apart, 1)
    assert len(envelopes) == 2
    first, second = (window(p) for p, _ in envelopes)
    assert squash("Ştefan Ionuţ-Mărgărit Van den Heuvel-Vermeersch de Saint-Exupéry") in first
    assert (
        squash("Chaussée de Gand 1234 bus/bte 12") in first and squash("1080 Molenbeek-Saint-Jean") in first
    )
    assert "Zoë" not in first
    assert squash("Zoë Noëlle Ğüneş-Ibáñez") in second and squash("Boulevard Adolphe Max 7") in second
    assert squash("1000 Bruxelles") in second and "Ştefan" not in second
    assert all(squash("Une seule réponse suffit") in squash(pdftotext(p)) for p, _ in envelopes)

    ((path, ctx),) = render(tmp_path, "letter_1", together, 2)
    both = window(path)
    assert squash("Ewa Wałęsa-Krzyżanowska") in both and squash("Mehmet Şükrü Dağlı") in both
    assert squash("Haachtsesteenweg 55 bus/bte 3") in both and squash("1030 Schaarbeek") in both
    assert squash("Une seule réponse suffit") not in squash(pdftotext(path))

    ((path, ctx),) = render(tmp_path, "letter_1", abroad, 3)
    assert squash("Grand-Rue 10") in window(path) and window(path).endswith("LUXEMBOURG")

    orphan = Child(
        "Léa", "Nguyễn", date(2015, 5, 5), "F", "21009", "1050", "Rue du Trône", "98", "", None, []
    )
    ((path, ctx),) = render(tmp_path, "letter_1", orphan, 4)  # no named guardian in the register
    assert squash("Aan de ouders van – Aux parents de Léa Nguyễn") in window(path)
    # administrative language unknown: the Dutch name of the gemeente first
    assert squash("Rue du Trône 98 1050 Elsene") in window(path)


def test_long_names_wrap_inside_the_address_window(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run scripts/system-deps")
    (path, ctx), _ = render(tmp_path, "letter_2", DIFFICULT[0], 1)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def tokens(text: str) -> list[str]:  # a wrapped compound name splits after its hyphen
        return re.findall(r"[^\s-]+-?", text)

    found = [
        (float(x0) / MM, float(y0) / MM, float(x1) / MM, float(y1) / MM, token)
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
        for token in tokens(word)
    ]
    name_words = set(tokens(" ".join(ctx["recipient"]["names"] + ctx["recipient"]["address_lines"])))
    # the body starts at 96 mm; the reference table at 125 mm from the left edge
    in_window = [w for w in found if w[4] in name_words and w[0] < 110 and 40 < w[1] < 95]
    assert {w[4] for w in in_window} >= name_words  # every word of names and address is printed
    x0, y0, x1, y1 = WINDOW
    for wx0, wy0, wx1, wy1, word in in_window:
        assert x0 <= wx0 and wx1 <= x1 and y0 <= wy0 and wy1 <= y1, f"'{word}' outside the address window"
    lines = {round(w[1]) for w in in_window}
    assert len(lines) >= 4  # the long name took more than one line instead of overflowing


def test_fonts_are_embedded_and_cover_every_name(tmp_path: Path) -> None:
    for kind in ("letter_1", "letter_2"):
        for path, ctx in render(tmp_path, kind, DIFFICULT[0], 1):
            reader = PdfReader(str(path))
            fonts = {}
            for page in reader.pages:
                for font in page["/Resources"]["/Font"].values():
                    font = font.get_object()
                    descendant = (
                        font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
                    )
                    descriptor = descendant["/FontDescriptor"].get_object()
                    fonts[str(font["/BaseFont"])] = any(
                        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
            assert fonts and all(fonts.values()), fonts  # every font embedded
            assert all("DejaVu" in name for name in fonts), fonts  # no fallback font for a missing glyph
            text = pdftotext(path)
            for name in [
                "Çağla Ayşe-Łucja Van den Heuvel-Vermeersch de Saint-Exupéry y Muñoz",
                *ctx["recipient"]["names"],
            ]:
                assert squash(name) in squash(text)


def test_a_page_of_each_kind_as_png_for_a_person_to_look_at(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: run scripts/system-deps (poppler-utils)")
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    made = []
    # letter 1: French first, guardians apart (envelope A); letter 2: Dutch first, one letter to both
    for kind, child in (("letter_1", DIFFICULT[0]), ("letter_2", DIFFICULT[1])):
        (path, _), *_ = render(tmp_path, kind, child, 1)
        shutil.copy(path, TEST_OUTPUT / f"{kind}.pdf")
        pages = len(PdfReader(str(path)).pages)
        for page, name in ((1, f"{kind}-page1"), (pages, f"{kind}-reply-form")):
            stem = TEST_OUTPUT / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-singlefile",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(path),
                    str(stem),
                ],
                check=True,
            )
            made.append(stem.with_suffix(".png"))
    for png in made:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, png
