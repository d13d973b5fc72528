"""The parket's pages without a browser: referred cases only, the file with its check, the
outcome form (a decision, a return with the question asked) and the history."""

from __future__ import annotations

from service.auth.models import Role
from service.cases.service import fire
from tests.gemeenten.helpers import CELL_NL, children, frozen_clock, open_case, to_parket_review  # noqa: F401
from tests.web.test_sessions import _csrf, sign_in


def test_parket_reads_the_file_decides_and_returns(client, make_user, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second, waiting = (open_case(session, p) for p in children(session, tmp_path, 3))
    for case in (first, second):
        to_parket_review(session, case)
        fire(session, case, "refer_to_parket", CELL_NL)
    session.commit()
    make_user(Role.PARKET_USER, "PARKET", "pk")
    assert sign_in(client, "pk").headers["location"] == "/parket"
    listed = client.get("/parket")
    assert listed.status_code == 200 and "Nog 120 dagen" in listed.text
    ids = [int(x.split('"')[0]) for x in listed.text.split('href="/parket/referrals/')[1:]]
    assert len(ids) == 2
    page = client.get(f"/parket/referrals/{ids[0]}")
    assert "alle bestanden komen overeen" in page.text and "Achternaam" in page.text
    dossier = client.get(f"/parket/referrals/{ids[0]}/files/dossier.pdf")
    assert dossier.content.startswith(b"%PDF")
    assert client.get(f"/parket/referrals/{ids[0]}/files/../../etc/passwd").status_code == 404
    assert client.get(f"/parket/referrals/{ids[0]}/case-file.zip").content[:2] == b"PK"

    token = _csrf(page.text)
    empty = client.post(
        f"/parket/referrals/{ids[0]}/outcome", data={"outcome": "returned", "csrf_token": token}
    )
    assert empty.status_code == 422 and 'id="f-note-error"' in empty.text
    question = "Welke school bezocht het kind vorig jaar?"
    back = client.post(
        f"/parket/referrals/{ids[0]}/outcome",
        data={"outcome": "returned", "note": question, "csrf_token": token},
    )
    assert "teruggestuurd naar de cel" in back.text and question in back.text
    done = client.post(
        f"/parket/referrals/{ids[1]}/outcome",
        data={"outcome": "proces_verbaal", "csrf_token": _csrf(back.text)},
    )
    assert "De beslissing is geregistreerd" in done.text and "proces-verbaal" in done.text
    assert 'name="outcome"' not in done.text  # decided: no form any more
    for url in (f"/cases/{waiting.id}", "/gemeente", "/audit", "/admin/users", "/parket/referrals/999"):
        assert client.get(url).status_code in (403, 404), url
