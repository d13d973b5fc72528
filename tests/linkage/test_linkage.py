"""Linkage on a small handcrafted year: each test is one of the traps real lists set.

The year has filler children (enrolled by number, so stage 2 has a realistic register to search)
and one child per trap; the tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.service import Actor
from service.core import national_number as nn
from service.core.errors import TandemError
from service.ingest.models import RegisterPerson, SourceKind
from service.ingest.service import ingest_file
from service.linkage import review
from service.linkage.engine import LinkSettings
from service.linkage.models import ChildStatus, LinkPair
from service.linkage.service import latest_run, relink_children, run_linkage
from tests.factories import FIRST_NAMES, LAST_NAMES, child, enrolment, write_source

YEAR = "2025-2026"
REF = date(2025, 10, 1)
ACTOR = Actor.system("test")


# name, first, birth, sex, postcode (register); the trap children
TRAPS: dict[str, tuple[str, str, date, str, str]] = {
    "twin_jan": ("Peeters", "Jan", date(2014, 3, 3), "M", "1000"),
    "twin_piet": ("Peeters", "Piet", date(2014, 3, 3), "M", "1000"),
    "ali": ("El Amrani", "Ali", date(2012, 5, 5), "M", "1080"),
    "sara": ("El Amrani", "Sara", date(2015, 1, 9), "F", "1080"),
    "typo_valid": ("Vandenbroucke", "Marie", date(2011, 2, 14), "F", "1030"),
    "truant": ("Janssens", "Tom", date(2010, 6, 20), "M", "1070"),
    "dm_swap": ("Baran", "Hanna", date(2013, 4, 7), "F", "1190"),
    "swapped": ("Dubois", "Lucas", date(2016, 8, 30), "M", "1050"),
    "translit": ("Benali", "Mohamed", date(2009, 11, 2), "M", "1210"),
    "compound": ("Fernández García", "María José", date(2017, 12, 1), "F", "1060"),
    "both": ("Nguyen", "Linh", date(2012, 9, 9), "F", "1040"),
    "ended": ("Kowalski", "Piotr", date(2011, 1, 25), "M", "1140"),
    "too_young": ("Martin", "Léa", date(2021, 5, 5), "F", "1180"),
    "too_old": ("Simon", "Hugo", date(2007, 5, 1), "M", "1180"),
    "home": ("Wouters", "Fien", date(2015, 3, 3), "F", "1020"),
    "late": ("Okafor", "Chidi", date(2013, 3, 17), "M", "1030"),
}


def _nn(i: int, birth: date, sex: str) -> str:
    seq = 2 * i + (1 if sex == "M" else 2)
    return nn.make(birth, seq)


def _register_row(i: int, last: str, first: str, birth: date, sex: str, postcode: str, **extra: Any) -> dict:
    row = child(1, birth, sex, last_name=last, first_names=first, postcode=postcode, **extra)
    row["national_number"] = _nn(i, birth, sex)
    row["nis_code"] = {
        "1000": "21004",
        "1020": "21004",
        "1030": "21015",
        "1040": "21005",
        "1050": "21009",
        "1060": "21013",
        "1070": "21001",
        "1080": "21012",
        "1140": "21006",
        "1180": "21016",
        "1190": "21007",
        "1210": "21014",
    }[postcode]
    return row


def _list_row(
    national_number: str, last: str, first: str, birth: date, sex: str, postcode: str = "1000", **extra: Any
) -> dict:
    return enrolment(national_number, last, first, birth, sex=sex, postcode=postcode, **extra)


@pytest.fixture
def year(session: Session, tmp_path: Path) -> dict[str, Any]:
    """Ingest the register and lists; returns person ids by trap name and the numbers used."""
    register, nl, fr, home = [], [], [], []
    numbers: dict[str, str] = {}
    for i in range(60):
        last, first = LAST_NAMES[i % 20], FIRST_NAMES[(i * 7) % 20]
        birth = date(2008 + i % 12, 1 + i % 12, 1 + (i * 5) % 28)
        sex = "M" if i % 2 else "F"
        postcode = ["1000", "1030", "1070", "1080", "1190"][i % 5]
        register.append(_register_row(100 + i, last, first, birth, sex, postcode, street=f"Straat {i}"))
        (nl if i % 3 == 0 else fr).append(
            _list_row(_nn(100 + i, birth, sex), last, first, birth, sex, postcode)
        )
    for i, (key, (last, first, birth, sex, pc)) in enumerate(TRAPS.items()):
        extra = (
            {"street": "Wetstraat", "house_number": "16"}
            if key.startswith("twin")
            else {"street": f"Laan {i}"}
        )
        register.append(_register_row(i, last, first, birth, sex, pc, **extra))
        numbers[key] = _nn(i, birth, sex)
    t = TRAPS
    # twin trap: Jan's record carries Piet's number; Piet has no record of his own
    nl.append(_list_row(numbers["twin_piet"], "Peeters", "Jan", t["twin_jan"][2], "M"))
    # a sibling's number: Ali is listed under his sister Sara's number
    fr.append(_list_row(numbers["sara"], "El Amrani", "Ali", t["ali"][2], "M", "1080"))
    # a checksum-valid wrong number (absent from the register) for a Brussels child
    fr.append(
        _list_row(nn.make(t["typo_valid"][2], 998), "Vandenbroucke", "Marie", t["typo_valid"][2], "F", "1030")
    )
    # the truant's homonym lives in Gent: valid number not in the register, postcode outside Brussels
    nl.append(_list_row(nn.make(t["truant"][2], 997), "Janssens", "Tom", t["truant"][2], "M", "9000"))
    # day and month swapped, no number
    nl.append(_list_row("", "Baran", "Hanna", date(2013, 7, 4), "F", "1190"))
    # first and last name swapped, no number
    fr.append(_list_row("", "Lucas", "Dubois", t["swapped"][2], "M", "1050"))
    # transliteration, invalid number
    fr.append(_list_row("12345678901", "BENALI", "Muhammad", t["translit"][2], "M", "1210"))
    # only one part of the compound surname, no accents, no number
    fr.append(_list_row("", "FERNANDEZ", "Maria", t["compound"][2], "F", "1060"))
    # in both communities' lists: by number in one, without a number in the other
    nl.append(_list_row(numbers["both"], "Nguyen", "Linh", t["both"][2], "F", "1040"))
    fr.append(_list_row("", "Nguyen", "Linh", t["both"][2], "F", "1040"))
    # enrolment ended before the reference date
    nl.append(
        _list_row(
            numbers["ended"],
            "Kowalski",
            "Piotr",
            t["ended"][2],
            "M",
            "1140",
            enrolled_until=date(2025, 9, 15),
        )
    )
    nl.append(_list_row(numbers["too_young"], "Martin", "Léa", t["too_young"][2], "F", "1180"))
    home.append(
        {
            "national_number": numbers["home"],
            "last_name": "Wouters",
            "first_names": "Fien",
            "birth_date": t["home"][2],
            "sex": "V",
            "postcode": "1020",
            "registered_from": date(2025, 9, 1),
        }
    )
    files = [
        (SourceKind.REGISTER, write_source(tmp_path / "register.csv", "rijksregister_extract", register)),
        (SourceKind.ENROLMENT_NL, write_source(tmp_path / "nl.csv", "discimus_export", nl)),
        (SourceKind.ENROLMENT_FR, write_source(tmp_path / "fr.csv", "siel_export", fr)),
        (SourceKind.HOME_EDUCATION, write_source(tmp_path / "home.csv", "huisonderwijs_nl", home)),
    ]
    for kind, path in files:
        ingest_file(session, kind, path, YEAR, ACTOR)
    rows = session.execute(select(RegisterPerson.row_number, RegisterPerson.id)).all()
    by_row = dict(rows)
    ids = {key: by_row[61 + i] for i, key in enumerate(TRAPS)}
    return {"ids": ids, "numbers": numbers, "tmp": tmp_path}


def _statuses(session: Session, run_id: int) -> dict[int, ChildStatus]:
    return {s.person_id: s for s in session.scalars(select(ChildStatus).where(ChildStatus.run_id == run_id))}


def test_run_gives_every_child_the_right_status(session: Session, year: dict[str, Any]) -> None:
    run = run_linkage(session, YEAR, REF, ACTOR)
    st = _statuses(session, run.id)
    ids = year["ids"]
    assert len(st) == 60 + len(TRAPS)
    expected = {
        "twin_jan": "enrolled",
        "twin_piet": "residual",
        "ali": "enrolled",
        "sara": "residual",
        "typo_valid": "enrolled",
        "truant": "residual",
        "dm_swap": "enrolled",
        "swapped": "enrolled",
        "translit": "enrolled",
        "compound": "enrolled",
        "both": "enrolled",
        "ended": "residual",
        "too_young": "not_compulsory",
        "too_old": "not_compulsory",
        "home": "home_educated",
        "late": "residual",
    }
    got = {key: st[ids[key]].status for key in expected}
    assert got == expected
    # the traps that need stage 2 were linked by it, not by their (wrong) numbers
    for key in ("twin_jan", "ali", "typo_valid", "dm_swap", "swapped", "translit", "compound"):
        assert st[ids[key]].method == "fuzzy", key
    assert st[ids["both"]].method == "hash" and st[ids["both"]].community == "nl"
    both_links = session.scalars(
        select(LinkPair).where(
            LinkPair.run_id == run.id, LinkPair.person_id == ids["both"], LinkPair.outcome == "link"
        )
    ).all()
    assert sorted(p.method for p in both_links) == ["fuzzy", "hash"]
    # fillers are all enrolled by hash
    fillers = [s for pid, s in st.items() if pid not in ids.values()]
    assert {s.status for s in fillers} == {"enrolled"} and {s.method for s in fillers} == {"hash"}
    assert run.counts["statuses"]["residual"] == 5
    assert run.model["model"]["type"] == "fellegi-sunter" and run.model["blocking_rules"]


def test_a_run_is_reproducible(session: Session, year: dict[str, Any]) -> None:
    first = run_linkage(session, YEAR, REF, ACTOR)
    second = run_linkage(session, YEAR, REF, ACTOR)
    a = {(s.person_id, s.status, s.record_id, s.probability) for s in _statuses(session, first.id).values()}
    b = {(s.person_id, s.status, s.record_id, s.probability) for s in _statuses(session, second.id).values()}
    assert a == b
    assert first.model["model"] == second.model["model"]
    assert latest_run(session, YEAR).id == second.id


@pytest.mark.parametrize("reference", [date(2027, 10, 1), date(2025, 8, 31), date(2026, 9, 1)])
def test_a_reference_date_outside_the_school_year_is_refused(
    session: Session, year: dict[str, Any], reference: date
) -> None:
    """`tandem run --school-year 2025-2026 --reference-date 2027-10-01` used to store a run in which
    every list had lapsed (hundreds of false residual children, and the newest run of the year)."""
    with pytest.raises(TandemError, match="outside school year 2025-2026"):
        run_linkage(session, YEAR, reference, ACTOR)
    assert latest_run(session, YEAR) is None


def test_review_decisions_are_reused_on_a_rerun(session: Session, year: dict[str, Any]) -> None:
    strict = LinkSettings(link_probability=1 - 1e-15, review_probability=0.5)  # every fuzzy pair to review
    run = run_linkage(session, YEAR, REF, ACTOR, settings=strict)
    ids = year["ids"]
    queue = review.review_queue(session, run.id, ACTOR, limit=100)
    by_person = {v["child"]["person_id"]: v for v in queue["pairs"]}
    assert ids["dm_swap"] in by_person and ids["swapped"] in by_person
    # a child whose only candidate waits for review stays in the residual, marked as pending review
    pending = _statuses(session, run.id)[ids["dm_swap"]]
    assert (pending.status, pending.reason) == ("residual", "pending_review")
    assert run.counts["residual_pending_review"] >= 2 and run.counts["statuses"]["in_review"] == 0
    wf = by_person[ids["dm_swap"]]["waterfall"]
    assert [s["step"] for s in wf["steps"]][:3] == ["prior", "first_name", "surname"]
    assert (
        abs(wf["probability"] - by_person[ids["dm_swap"]]["probability"]) < 1e-4
    )  # weights kept to 0.01 bit
    review.decide(session, by_person[ids["dm_swap"]]["pair_id"], "accept", ACTOR, "same child, date typo")
    review.decide(session, by_person[ids["swapped"]]["pair_id"], "reject", ACTOR)
    session.commit()
    st = _statuses(session, run.id)
    assert st[ids["dm_swap"]].status == "enrolled" and st[ids["dm_swap"]].method == "review_decision"
    assert (st[ids["swapped"]].status, st[ids["swapped"]].reason) == ("residual", None)

    rerun = run_linkage(session, YEAR, REF, ACTOR, settings=strict)
    st = _statuses(session, rerun.id)
    assert st[ids["dm_swap"]].status == "enrolled" and st[ids["dm_swap"]].method == "review_decision"
    assert st[ids["swapped"]].status == "residual"
    again = {
        v["child"]["person_id"] for v in review.review_queue(session, rerun.id, ACTOR, limit=100)["pairs"]
    }
    assert ids["dm_swap"] not in again and ids["swapped"] not in again
    assert rerun.counts["linkage"]["decisions_reused"] == 2


def test_explain_tells_how_a_child_got_its_status(session: Session, year: dict[str, Any]) -> None:
    run_linkage(session, YEAR, REF, ACTOR)
    ids = year["ids"]
    info = review.explain(session, ids["translit"], ACTOR)
    assert info["status"] == "enrolled" and info["method"] == "fuzzy"
    link = next(p for p in info["pairs"] if p["outcome"] == "link")
    steps = {s["step"]: s for s in link["waterfall"]["steps"]}
    assert steps["first_name"]["level"] == 1  # Mohamed / Muhammad: transliteration, not exact
    assert steps["birth_date"]["weight"] > 0
    assert link["record"]["national_number"] == "invalid"
    residual = review.explain(session, ids["twin_piet"], ACTOR)
    assert residual["status"] == "residual"
    assert all(p["outcome"] != "link" for p in residual["pairs"])


def test_relink_children_on_a_late_batch(session: Session, year: dict[str, Any]) -> None:
    run_linkage(session, YEAR, REF, ACTOR)
    ids = year["ids"]
    t = TRAPS
    late = [
        # the late child, without number, in a private school's list
        {
            "national_number": "",
            "last_name": "OKAFOR",
            "first_names": "Chidi",
            "birth_date": t["late"][2],
            "sex": "M",
            "postcode": "1030",
            "reason": "prive",
            "school_name": "Ecole privée",
            "valid_from": date(2025, 9, 1),
        },
        # the homonym of the truant from Gent again: not him
        {
            "national_number": nn.make(t["truant"][2], 997),
            "last_name": "Janssens",
            "first_names": "Tom",
            "birth_date": t["truant"][2],
            "sex": "M",
            "postcode": "9000",
            "reason": "prive",
            "valid_from": date(2025, 9, 1),
        },
    ]
    path = write_source(year["tmp"] / "late.csv", "exemptions_joint", late)
    report = ingest_file(session, SourceKind.EXEMPTION, path, YEAR, ACTOR, source="late-private-school")
    matches = relink_children(session, [ids["late"], ids["truant"], ids["twin_piet"]], [report.batch_id], REF)
    assert set(matches) == {ids["late"]}
    m = matches[ids["late"]]
    assert (m.status, m.record_kind, m.method, m.reason) == (
        "exempted",
        "exemption",
        "fuzzy",
        "private_school",
    )
    assert m.probability is not None and m.probability >= 0.99
    assert relink_children(session, [ids["truant"]], [report.batch_id], REF) == {}


def _frames(people_rows: list[tuple], record_rows: list[tuple]) -> tuple[Any, Any]:
    """Small in-memory frames for engine-level tests (no database)."""
    import pandas as pd

    from service.linkage import engine

    people = pd.DataFrame(
        people_rows,
        columns=["nn_hash", "last_name", "first_names", "birth_date", "sex", "postcode", "street"],
    ).assign(person_id=lambda f: range(1, len(f) + 1), nis_code="21001", house_number="1")
    records = pd.DataFrame(
        record_rows, columns=["nn_hash", "nn_status", "last_name", "first_names", "birth_date", "sex"]
    ).assign(kind="enrolment", batch_id=1, nn_bis=False, postcode="1070", source="test", detail="")
    return engine.prepare_people(people), engine.prepare_records(records)


def test_the_twin_rule_only_doubts_a_number_when_the_other_twin_fits_as_well() -> None:
    """Twins Zeynep and Ahmet: `Zrynep` with Zeynep's number is Zeynep (a typo, and nothing fits
    her brother better); `Ahmet` with Zeynep's number is not taken on trust."""
    from service.linkage import engine

    born = date(2015, 3, 2)
    fillers = [
        (
            f"h{i}",
            LAST_NAMES[i % 20],
            FIRST_NAMES[(3 * i) % 20],
            date(2010 + i % 8, 1 + i % 12, 1 + i % 27),
            "F",
            "1000",
            f"S{i}",
        )
        for i in range(40)
    ]
    twins = [
        ("zeynep", "Erayer", "Zeynep", born, "F", "1070", "Wet"),
        ("ahmet", "Erayer", "Ahmet", born, "M", "1070", "Wet"),
    ]
    people, records = _frames(
        fillers + twins,
        [
            ("zeynep", "valid", "Erayer", "Zrynep", born, "F"),
            ("zeynep", "inconsistent", "Erayer", "Ahmet", born, "M"),
        ],
    )
    zeynep = int(people.index[people["nn_hash"] == "zeynep"][0])
    assert people["twin"].sum() == 2
    result = engine.link(records, people)
    hash_links = result.links[result.links["method"] == "hash"]
    assert list(zip(hash_links["rec"], hash_links["pi"], strict=True)) == [(0, zeynep)]
    assert result.counts["hash_doubtful_twin"] == 1
