"""The gemeente's answer checks name each problem in Dutch and French, never the value given."""

from __future__ import annotations

from service.cases.engine import TransitionRefused
from service.core.errors import TandemError, localised
from service.gemeenten.checks import address_problems, visit_problems


def test_a_wrong_postcode_is_refused_in_dutch_and_french_without_the_values() -> None:
    address = {"street": "Rue Secrète", "house_number": "77", "box": "", "postcode": "1000"}
    (problem,) = address_problems(address, "21009")
    assert str(problem).startswith("new_address.postcode is not a postcode of new_nis_code 21009")
    assert localised(problem, "nl") == "Deze postcode hoort niet bij Elsene (postcodes: 1050)."
    assert localised(problem, "fr") == "Ce code postal n'appartient pas à Ixelles (codes postaux : 1050)."
    for text in (str(problem), problem.texts["nl"], problem.texts["fr"]):
        assert "Secrète" not in text and "77" not in text


def test_visit_problems_and_the_engine_refusal_keep_each_language() -> None:
    problems = visit_problems({"visited_on": "2020-01-01", "family_found": True, "parents_said": "maybe"})
    assert [localised(p, "nl") for p in problems] == [
        "Kies wat de ouders zeiden: kind ingeschreven in een school, huisonderwijs, geen onderwijs, "
        "weigerde te antwoorden, andere."
    ]
    refused = TransitionRefused("record_visit", problems)
    assert str(refused).startswith("cannot fire 'record_visit', missing or wrong: parents_said must be")
    assert refused.texts["fr"].startswith("Manquant ou incorrect : Choisissez ce que les parents ont dit")
    assert localised(TandemError("plain"), "nl") == "plain"  # no texts: the English, as a last resort
