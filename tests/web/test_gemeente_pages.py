"""The gemeente's pages without a browser: its queue, an assignment answered through the forms
(refusals next to the field), the work list, settings; nothing of another gemeente, of a case it
was never assigned, or of a withdrawn assignment."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service.auth.models import Role
from service.cases.service import fire
from service.core import clock
from service.gemeenten.models import Assignment
from tests.gemeenten.helpers import SYSTEM, children, frozen_clock, open_case, to_gemeente  # noqa: F401
from tests.web.test_sessions import _csrf, sign_in


def _assigned(session, tmp_path, n: int = 2) -> list:  # type: ignore[no-untyped-def]
    found = [open_case(session, p) for p in children(session, tmp_path, n)]
    for case in found[:-1]:  # the last one never reaches the gemeente
        to_gemeente(session, case)
    return found


def _assignment(session, case_id: int) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(Assignment.id).where(Assignment.case_id == case_id).order_by(Assignment.id.desc())
    )


def _post(client, url: str, data: dict) -> object:  # type: ignore[no-untyped-def]
    token = _csrf(client.get(url.rsplit("/", 1)[0]).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_gemeente_answers_a_register_check_and_a_visit_and_the_case_leaves_its_queue(
    client, make_user, session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case, _never = _assigned(session, tmp_path)
    make_user(Role.GEMEENTE_USER, "21004", "brussel")
    assert sign_in(client, "brussel").headers["location"] == "/gemeente"
    queue = client.get("/gemeente")
    assert queue.status_code == 200 and "Achternaam0" in queue.text and "Achternaam1" not in queue.text
    assert "Nog 30 dagen" in queue.text
    a = _assignment(session, case.id)
    page = client.get(f"/gemeente/assignments/{a}")
    assert "Achternaam0" in page.text and 'value="moved_within_brussels"' in page.text

    refused = _post(
        client,
        f"/gemeente/assignments/{a}/register-check",
        {
            "answer": "moved_within_brussels",
            "new_nis_code": "21009",
            "new_address.street": "Rue X",
            "new_address.house_number": "3",
            "new_address.postcode": "1000",
        },
    )
    assert refused.status_code == 422
    assert (
        'id="f-new-address-postcode-error"' in refused.text
        and "Deze postcode hoort niet bij Elsene (postcodes: 1050)." in refused.text
        and "is not a postcode of new_nis_code" not in refused.text  # the English is the API's
    )
    done = _post(client, f"/gemeente/assignments/{a}/register-check", {"answer": "still_registered"})
    assert done.status_code == 303 and done.headers["location"] == "/gemeente"
    assert "Het antwoord op de controle is verstuurd." in client.get("/gemeente").text

    session.expire_all()
    visit = _assignment(session, case.id)
    assert "Verslag van het huisbezoek" in client.get(f"/gemeente/assignments/{visit}").text
    future = (clock.now() + timedelta(days=3)).date().isoformat()
    late = _post(client, f"/gemeente/assignments/{visit}/visit", {"visited_on": future, "family_found": "no"})
    assert (
        late.status_code == 422
        and 'id="f-visited-on-error"' in late.text
        and "De datum van het huisbezoek ligt in de toekomst." in late.text
    )
    today = clock.now().date().isoformat()
    report = {
        "visited_on": today,
        "family_found": "yes",
        "parents_said": "no_education",
        "visitor_kind": "municipal_staff",
    }
    assert _post(client, f"/gemeente/assignments/{visit}/visit", report).status_code == 303
    assert "Achternaam0" not in client.get("/gemeente").text  # answered: out of the queue
    closed = client.get(f"/gemeente/assignments/{visit}")
    assert closed.status_code == 200 and "Achternaam0" not in closed.text and "niet meer open" in closed.text


def test_nothing_of_another_gemeente_a_never_assigned_case_or_a_withdrawn_assignment(
    client, make_user, session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case, never = _assigned(session, tmp_path)
    a = _assignment(session, case.id)
    make_user(Role.GEMEENTE_USER, "21015", "schaarbeek")
    sign_in(client, "schaarbeek")
    assert "Achternaam0" not in client.get("/gemeente").text
    assert client.get(f"/gemeente/assignments/{a}").status_code == 404
    token = _csrf(client.get("/gemeente").text)
    posted = client.post(
        f"/gemeente/assignments/{a}/register-check", data={"answer": "deceased", "csrf_token": token}
    )
    assert posted.status_code == 404
    for url in (f"/cases/{case.id}", f"/cases/{never.id}", "/today", "/parket", "/audit", "/admin/users"):
        assert client.get(url).status_code in (403, 404), url

    make_user(Role.GEMEENTE_USER, "21004", "brussel")
    sign_in(client, "brussel")
    fire(session, case.id, "close", SYSTEM, {"reason": "duplicate", "duplicate_of": never.id})
    session.commit()
    withdrawn = client.get(f"/gemeente/assignments/{a}")
    assert "Achternaam0" not in withdrawn.text and "Bergen" not in withdrawn.text
    assert "Achternaam0" not in client.get("/gemeente").text
    csv = client.get("/gemeente/worklist.csv")
    assert csv.status_code == 200 and "Achternaam0" not in csv.text


def test_work_list_settings_and_notifications(client, make_user, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _assigned(session, tmp_path)
    make_user(Role.GEMEENTE_USER, "21004", "brussel")
    sign_in(client, "brussel")
    csv = client.get("/gemeente/worklist.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "Achternaam0" in csv.text
    pdf = client.get("/gemeente/worklist.pdf")
    assert pdf.content.startswith(b"%PDF")
    bad = _post(client, "/gemeente/settings/x", {})  # a form route that does not exist
    assert bad.status_code in (404, 405)
    refused = client.post(
        "/gemeente/settings",
        data={
            "default_visitor": "municipal_staff",
            "email": "nope",
            "csrf_token": _csrf(client.get("/gemeente/settings").text),
        },
    )
    assert refused.status_code == 422 and 'id="f-email-error"' in refused.text
    saved = client.post(
        "/gemeente/settings",
        data={
            "default_visitor": "municipal_staff",
            "email": "lp@brussel.be",
            "csrf_token": _csrf(refused.text),
        },
    )
    assert "De instellingen zijn opgeslagen." in saved.text and 'value="lp@brussel.be"' in saved.text
    notes = client.get("/gemeente/notifications")
    assert notes.status_code == 200 and "Markeren als gelezen" in notes.text
