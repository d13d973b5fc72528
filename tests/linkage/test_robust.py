"""Linkage on years unlike the generator's defaults: lists without postcode or sex columns, many pupils
from outside Brussels with valid numbers, and an EM that degenerates. Engine-level (no database)
except where the stored run is what is asserted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from service.linkage import engine, stage1, training
from service.linkage.model import FSModel
from service.linkage.service import run_linkage, statuses_frame
from service.linkage.settings import LinkSettings
from tests.linkage.test_linkage import ACTOR, REF, YEAR, _statuses, year  # noqa: F401 - the fixture

N_PEOPLE, N_NO_NUMBER, N_OUTSIDE = 600, 150, 3000
SYLLABLES = "ba ke lo mi nu ra se ti vo za de fi go hu ja".split()


def _typo(name: str, k: int) -> str:
    """One character dropped or doubled: the kind of typo a school's export carries."""
    i = 1 + k % (len(name) - 2)
    return name[:i] + name[i + 1 :] if k % 2 else name[:i] + name[i] + name[i:]


def _year(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Register children and list records without postcode and sex columns."""

    def name(n: int) -> str:  # thousands of distinct names, as in a real register
        return "".join(rng.choice(SYLLABLES, n)).capitalize()

    combos = [(name(2) + rng.choice(["", "n", "e"]), name(3)) for _ in range(4 * N_PEOPLE)]
    picks = rng.choice(len(combos), size=N_PEOPLE, replace=False)
    births = [date(2009, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 12 * 365, N_PEOPLE)]
    people = pd.DataFrame(
        {
            "nn_hash": [f"p{i}" for i in range(N_PEOPLE)],
            "last_name": [combos[k][1] for k in picks],
            "first_names": [combos[k][0] for k in picks],
            "birth_date": births,
            "sex": "M",
            "postcode": "1000",
            "street": [f"Straat {i}" for i in range(N_PEOPLE)],
        }
    ).assign(person_id=lambda f: range(1, len(f) + 1), nis_code="21004", house_number="1")
    rows = []
    for i in range(400):  # enrolled by number
        rows.append((f"p{i}", "valid", people.last_name[i], people.first_names[i], births[i]))
    for i in range(400, 400 + N_NO_NUMBER):  # no number; a typo in the first name, the surname or neither
        first, last = people.first_names[i], people.last_name[i]
        if i % 3 == 0:
            first = _typo(first, i)
        elif i % 3 == 1:
            last = _typo(last, i)
        rows.append((None, "missing", last, first, births[i]))
    truant = 580  # nothing lists this child, but an exact homonym with a foreign number does
    rows.append(
        ("elsewhere-homonym", "valid", people.last_name[truant], people.first_names[truant], births[truant])
    )
    for k in range(N_OUTSIDE):  # pupils living outside Brussels, valid numbers, no postcode given
        f, s = combos[int(rng.integers(len(combos)))]
        rows.append((f"o{k}", "valid", s, f, date(2009, 1, 1) + timedelta(days=int(rng.integers(0, 4380)))))
    records = pd.DataFrame(rows, columns=["nn_hash", "nn_status", "last_name", "first_names", "birth_date"])
    records = records.assign(kind="enrolment", batch_id=1, nn_bis=False, source="test", detail="")
    records = records.assign(record_id=range(1, len(records) + 1), community=None, school_id=None)
    records = records.assign(campus_id=None, reason=None, valid_from=None, valid_until=None)
    truth = {
        "no_number": list(range(400, 400 + N_NO_NUMBER)),
        "truant": truant,
        "homonym_rec": 400 + N_NO_NUMBER,
    }
    return engine.prepare_people(people), engine.prepare_records(records), truth


@pytest.fixture
def data() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    return _year(np.random.default_rng(7))


def _fuzzy_links(result: engine.LinkResult) -> dict[int, int]:
    fuzzy = result.links[result.links["method"] == "fuzzy"]
    return dict(zip(fuzzy["rec"].tolist(), fuzzy["pi"].tolist(), strict=True))


def test_lists_without_postcode_and_sex_columns_link(data: Any) -> None:
    people, records, truth = data
    assert (records["sex"] == "").all() and (records["postcode"] == "").all()
    result = engine.link(records, people)
    links = _fuzzy_links(result)
    right = sum(links.get(400 + k) == i for k, i in enumerate(truth["no_number"]))
    assert right >= N_NO_NUMBER - 2
    assert all(rec == pi for rec, pi in links.items())  # record i is child i: never another child
    assert result.model.training["health"]["verdict"] == "ok"
    # without sex and postcode, the names session would learn birth date from birth date alone
    names = next(s for s in result.model.training["em_sessions"] if s["blocked_on"] == "names")
    assert names.get("skipped") and names["informative"] == ["birth_date"]
    assert min(min(v) for v in result.model.m.values()) >= training.M_LEVEL_FLOOR * 0.99


def test_outside_pupils_with_valid_numbers_never_reach_em(data: Any) -> None:
    """3,001 records with a valid number not in the register and no postcode: before, all of them
    went to stage 2 (and trained EM); now only the one that shares names and birth date with a
    register child is compared, and it is not trained on."""
    people, records, truth = data
    result = engine.link(records, people)
    c = result.counts
    assert c["valid_number_not_in_register"] == N_OUTSIDE + 1
    assert c["stage2_records"] == N_NO_NUMBER
    assert c["valid_number_not_in_register_tight_route"] >= 1
    assert truth["homonym_rec"] in set(result.stage2_records[N_NO_NUMBER:].tolist())
    assert len(result.stage2_records) == N_NO_NUMBER + c["valid_number_not_in_register_tight_route"]
    # the exact homonym with a foreign number and no postcode is no link for the truant ...
    assert truth["truant"] not in set(result.links["pi"].tolist())
    # ... and if it scores high enough to be looked at, the truant stays in the residual
    statuses = statuses_frame(people, records, result, 5, REF)
    assert statuses["status"].iloc[truth["truant"]] == "residual"


def test_a_foreign_number_with_the_childs_brussels_postcode_may_still_link(data: Any) -> None:
    """The rare checksum-valid typo of a Brussels child: same names, birth date and postcode."""
    people, records, truth = data
    records = records.copy()
    records.loc[truth["homonym_rec"], "postcode"] = "1000"
    result = engine.link(records, people)
    assert _fuzzy_links(result).get(truth["homonym_rec"]) == truth["truant"]


COLLAPSED = {  # what EM learnt at Brussels scale with 1.8 million outside pupils in stage 2
    "first_name": [0.05, 0.05, 0.1, 0.8],
    "surname": [0.035, 0.05, 0.1, 0.815],
    "birth_date": [0.24, 0.06, 0.05, 0.05, 0.6],
    "sex": [0.5, 0.5],
    "postcode": [0.2, 0.3, 0.5],
    "address": [0.2, 0.3, 0.5],
}


def _collapse(monkeypatch: pytest.MonkeyPatch) -> None:
    def collapsed_em(gamma: np.ndarray, model: FSModel, fields: list[str], **_: Any):  # type: ignore[no-untyped-def]
        return {f: COLLAPSED[f] for f in fields}, np.array([0.9, 0.9]), 12

    monkeypatch.setattr(training, "expectation_maximisation", collapsed_em)


def test_a_degenerate_em_is_detected_and_not_used(data: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    people, records, truth = data
    _collapse(monkeypatch)
    result = engine.link(records, people)
    health = result.model.training["health"]
    assert health["verdict"] == "implausible"
    assert any("m(surname exact) = 0.035" in p for p in health["problems"])
    assert health["used"] == "starting values (the trained model failed its checks)"
    assert result.model.m["surname"][0] == 0.85  # the documented starting value, not EM's 0.035
    links = _fuzzy_links(result)
    assert sum(links.get(400 + k) == i for k, i in enumerate(truth["no_number"])) >= N_NO_NUMBER - 4


def test_health_checks_name_each_problem() -> None:
    model = FSModel(u={"first_name": [0.01, 0.02, 0.07, 0.9], "surname": [0.01, 0.02, 0.07, 0.9]})
    model.u["birth_date"] = [0.001, 0.01, 0.02, 0.969]
    assert training.health(model, labels=None, expected_matches=100, ceiling=200)["verdict"] == "ok"
    model.m["birth_date"] = [0.0005, 0.01, 0.01, 0.9795]
    verdict = training.health(model, labels=None, expected_matches=5_000, ceiling=200)
    assert verdict["verdict"] == "implausible"
    assert len(verdict["problems"]) == 4  # floor, not above u, 'different' not below u, too many matches


@pytest.mark.db
def test_a_run_with_a_degenerate_model_says_so(
    session: Session,
    year: dict[str, Any],  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _collapse(monkeypatch)
    run = run_linkage(session, YEAR, REF, ACTOR, settings=LinkSettings(em_min_pairs=1))
    assert run.counts["model_health"]["verdict"] == "implausible"
    assert (
        run.model["health"]["problems"]
        and run.model["model"]["training"]["health"]["verdict"] == "implausible"
    )
    assert _statuses(session, run.id)[year["ids"]["truant"]].status == "residual"


@pytest.mark.db
def test_run_and_review_routes_answer_their_read_models(client, make_user, year: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """POST /api/runs takes thresholds; the run carries its health; the queue its size and the
    register's; a pair answers the PairView model (child, record, waterfall)."""
    from service.auth.models import Role

    _, headers = make_user(Role.CELL_OPERATOR, "AGODI")
    body = {"school_year": YEAR, "reference_date": REF.isoformat(), "wait": True}
    refused = client.post("/api/runs", headers=headers, json=body | {"link_probability": 1.5})
    assert refused.status_code == 422
    job = client.post(
        "/api/runs", headers=headers, json=body | {"link_probability": 1 - 1e-12, "review_probability": 0.5}
    ).json()
    assert job["status"] == "done" and job["result"]["health"]["verdict"] == "ok"
    run_id = job["result"]["run_id"]
    run = client.get(f"/api/runs/{run_id}", headers=headers).json()
    assert run["health"]["verdict"] == "ok" and run["model"]["settings"]["link_probability"] == 1 - 1e-12
    queue = client.get(f"/api/runs/{run_id}/review", headers=headers).json()
    assert queue["total"] >= 1 and queue["children"] == run["counts"]["children"]
    pair = client.get(f"/api/review/{queue['pairs'][0]['pair_id']}", headers=headers).json()
    assert set(pair) >= {"child", "record", "waterfall"} and pair["waterfall"]["steps"][0]["step"] == "prior"


def test_reachable_keeps_only_foreign_numbers_a_register_child_could_have(data: Any) -> None:
    """The pandas twin of the SQL pre-filter: of 3,001 foreign numbers, the homonym stays; placed
    outside Brussels, it goes; records without a number or with a register number always stay."""
    people, records, truth = data
    keep = stage1.reachable(records, people)
    assert keep[: truth["homonym_rec"]].all()
    assert np.flatnonzero(~keep[truth["homonym_rec"] :]).size >= N_OUTSIDE - 5
    assert keep[truth["homonym_rec"]]
    records = records.copy()
    records.loc[truth["homonym_rec"], "postcode"] = "9000"
    assert not stage1.reachable(records, people)[truth["homonym_rec"]]


def test_a_stored_model_with_other_levels_is_refused(data: Any) -> None:
    """Weights learnt for other comparison levels would be read against the wrong agreements."""
    people, records, _ = data
    stored = engine.link(records, people).model.to_json()
    assert FSModel.from_json(stored).m.keys() == FSModel().m.keys()
    stored["comparisons"][2]["levels"][1]["label"] = "day and month swapped"
    with pytest.raises(ValueError, match="comparison levels differ"):
        FSModel.from_json(stored)


def _foreign_copies(records: pd.DataFrame, people: pd.DataFrame, children: range, tag: str) -> pd.DataFrame:
    """Records with a checksum-valid number that is not in the register (no postcode), carrying the
    names and birth date of `children`: their typos, or homonyms living elsewhere."""
    rows = people.iloc[list(children)][["last_name", "first_names", "birth_date"]].reset_index(drop=True)
    extra = rows.assign(nn_hash=[f"{tag}{i}" for i in children], nn_status="valid", nn_bis=False)
    extra = extra.assign(kind="enrolment", batch_id=1, source="test", detail="", community=None)
    extra = extra.assign(school_id=None, campus_id=None, reason=None, valid_from=None, valid_until=None)
    raw = records[[c for c in records.columns if c in extra.columns or c == "record_id"]]
    out = pd.concat([raw, extra], ignore_index=True)
    out["record_id"] = range(1, len(out) + 1)
    return engine.prepare_records(out)


def test_a_foreign_number_without_postcode_links_as_far_as_homonyms_explain_it(data: Any) -> None:
    """Children 550-578 have no record but one with a checksum-valid number not in the register,
    their names and birth date, and no postcode. Unless exact homonyms are seen on the children the
    number already links, those are typos and link; once 60 of the hash-linked children each have
    such a homonym, the same records are as likely homonyms and none links."""
    people, records, _ = data
    typos = range(550, 579)
    plain = engine.link(_foreign_copies(records, people, typos, "typo"), people)
    linked = dict(zip(plain.links["pi"].tolist(), plain.links["method"].tolist(), strict=True))
    assert sum(linked.get(i) == "fuzzy" for i in typos) >= 25
    assert plain.counts["tight_route_pairs_linked_children"] == 0
    with_homonyms = _foreign_copies(records, people, range(60), "homonym")
    crowded = engine.link(_foreign_copies(with_homonyms, people, typos, "typo"), people)
    assert crowded.counts["tight_route_pairs_linked_children"] == 60
    assert not set(typos) & set(crowded.links["pi"].tolist())
    # the hash links of the 60 children hold, their homonyms link to nobody
    assert (crowded.links["method"] == "hash").sum() == 400
