"""Comparison levels, blocking rules and priors on a handful of rows (engine level, no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.linkage import engine
from service.linkage.blocking import candidate_pairs
from service.linkage.compare import FIELDS, compare

SN = FIELDS.index("surname")


def _people(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["last_name", "first_names", "birth_date", "postcode"])
    frame = frame.assign(nn_hash=[f"p{i}" for i in range(len(frame))], sex="", nis_code="21004")
    frame = frame.assign(street=[f"Straat {i}" for i in range(len(frame))], house_number="1")
    return engine.prepare_people(frame.assign(person_id=range(1, len(frame) + 1)))


def _records(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["last_name", "first_names", "birth_date", "postcode"])
    frame = frame.assign(nn_hash=None, nn_status="missing", nn_bis=False, sex="", kind="enrolment")
    return engine.prepare_records(frame.assign(batch_id=1, source="t", detail=""))


def test_a_surname_part_kept_alone_or_mistyped_is_a_compound_part_agreement() -> None:
    pairs = [
        ("Van den Wouwghem", "Wouwghem"),  # the particles dropped
        ("El Bakkali", "El"),  # only the particle kept
        ("López Rodríguez", "Rodrguez"),  # one part kept, mistyped
        ("Fernandes Almeida", "Frnandes"),
        ("Peeters", "Janssens"),  # no part in common
        ("De Smet", "De Backer"),  # a shared particle is no shared part
    ]
    people = _people([(p, "Anna", "2014-03-02", "") for p, _ in pairs])
    records = _records([(r, "Anna", "2014-03-02", "") for _, r in pairs])
    idx = np.arange(len(pairs))
    levels = compare(records, people, idx, idx).gamma[:, SN].tolist()
    assert levels == [1, 1, 1, 1, 3, 3]


def test_a_postcode_finds_a_child_whose_birth_date_and_first_name_are_both_wrong() -> None:
    people = _people(
        [("Vandenbroucke", "Lotte", "2013-05-17", "1030"), ("Claes", "Noor", "2012-01-09", "1030")]
    )
    with_postcode = _records([("Vandenbroucke", "Charlotte", "2013-11-08", "1030")])
    found = candidate_pairs(with_postcode, people)
    assert list(zip(found.ri.tolist(), found.pi.tolist(), strict=True)) == [(0, 0)]
    assert found.mask("postcode_surname").tolist() == [True]
    without = _records([("Vandenbroucke", "Charlotte", "2013-11-08", "")])
    assert len(candidate_pairs(without, people)) == 0  # no postcode on the list: no such pair


def test_children_with_a_hash_link_get_a_prior_of_their_own() -> None:
    """Records without a number mostly belong to children the number did not link: their pairs
    get the larger prior, stored with the model and read back."""
    rng = np.random.default_rng(3)
    names = ["".join(rng.choice(list("bdklmnprstv"), 3)) + "a" for _ in range(800)]
    births = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 3000, 400), unit="D")
    people = _people(
        [(names[2 * i].title(), names[2 * i + 1].title(), str(births[i].date()), "") for i in range(400)]
    )
    rows = []
    for i in range(400):  # 300 by number, 100 without one (a fifth of those with a first-name typo)
        first = people["first_names"].iat[i]
        first = first[:-1] + "o" if i >= 380 else first
        rows.append(
            (people["last_name"].iat[i], first, people["birth_date"].iat[i], f"p{i}" if i < 300 else None)
        )
    frame = pd.DataFrame(rows, columns=["last_name", "first_names", "birth_date", "nn_hash"])
    frame = frame.assign(nn_status=np.where(frame["nn_hash"].isna(), "missing", "valid"), nn_bis=False)
    records = engine.prepare_records(
        frame.assign(sex="", postcode="", kind="enrolment", batch_id=1, source="t", detail="")
    )
    result = engine.link(records, people)
    model = result.model
    assert model.training["health"]["verdict"] == "ok"
    assert model.prior_hash_linked is not None and model.prior > 10 * model.prior_hash_linked
    assert type(model).from_json(model.to_json()).prior_hash_linked == model.prior_hash_linked
    fuzzy = result.links[result.links["method"] == "fuzzy"]
    assert sorted(fuzzy["pi"].tolist()) == list(range(300, 400))


def test_the_address_counts_only_where_the_list_carries_it() -> None:
    people = _people([("Claes", "Noor", "2012-01-09", "1030")] * 4)
    people["street"] = ["Rue Royale", "Rue Royale", "Rue Royale", "Rue Royale"]
    people["house_number"] = ["12", "12", "12", "12"]
    people = engine.prepare_people(people.drop(columns=["addr_street", "addr_house"]))
    records = pd.DataFrame(
        {
            "street": ["rue royal", "Rue Royale", "Avenue Louise", None],
            "house_number": ["12", "14", "12", None],
        }
    )
    base = _records([("Claes", "Noor", "2012-01-09", "1030")] * 4)
    records = engine.prepare_records(base.drop(columns=["addr_street", "addr_house"]).assign(**records))
    idx = np.arange(4)
    assert compare(records, people, idx, idx).gamma[:, FIELDS.index("address")].tolist() == [0, 1, 2, -1]
