"""The auditor's and the administrator's pages without a browser: the audit search with paging and
a child's report with its PDF; users created, disabled (their open session stops at once), their
password reset and API tokens issued with an expiry and revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.auth.models import ApiToken, Role
from tests.gemeenten.helpers import children, frozen_clock, open_case  # noqa: F401
from tests.web.test_sessions import PASSWORD, _csrf, sign_in


def test_auditor_searches_the_trail_and_opens_a_childs_report(client, make_user, session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, _second = children(session, tmp_path)
    case = open_case(session, first)
    _, cell = make_user(Role.CELL_OPERATOR, "AGODI", "anna")
    for _ in range(3):
        assert client.get(f"/api/cases/{case.id}", headers=cell).status_code == 200
    make_user(Role.AUDITOR, "SCOS", "odile")
    sign_in(client, "odile")
    found = client.get(f"/audit?case={case.id}&who=anna")
    assert (
        found.status_code == 200
        and "3 gebeurtenissen" in found.text
        and "dossier met tijdlijn bekeken" in found.text
    )
    assert "1 tot 3 van 3" in found.text  # the pager
    assert "Niets gevonden" in client.get(f"/audit?case={case.id}&who=anna&page=2").text
    bad = client.get("/audit?child=abc&since=notadate")
    assert bad.status_code == 422 and 'id="f-child-error"' in bad.text and 'id="f-since-error"' in bad.text
    assert client.get(f"/audit/child?child_id={first}", follow_redirects=False).headers["location"] == (
        f"/audit/children/{first}"
    )
    report = client.get(f"/audit/children/{first}")
    assert report.status_code == 200 and "Achternaam0" in report.text and "anna" in report.text
    pdf = client.get(f"/audit/children/{first}/report.pdf?first=fr")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"


def test_admin_creates_disables_resets_and_issues_tokens(client, make_user, session) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CELL_ADMIN, "AGODI", "boss")
    sign_in(client, "boss")
    form = client.get("/admin/users/new")
    data = {
        "username": "ines",
        "role": "gemeente_user",
        "organisation": "AGODI",
        "language": "fr",
        "password": PASSWORD,
    }
    wrong = client.post("/admin/users/new", data={**data, "csrf_token": _csrf(form.text)})
    assert wrong.status_code == 422 and 'id="f-organisation-error"' in wrong.text
    made = client.post(
        "/admin/users/new", data={**data, "organisation": "21004", "csrf_token": _csrf(wrong.text)}
    )
    assert "De gebruiker is aangemaakt." in made.text
    user_url = str(made.url.path)

    leaver = TestClient(client.app)  # ines signs in in her own browser
    sign_in(leaver, "ines")
    assert leaver.get("/gemeente").status_code == 200
    token = _csrf(client.get(user_url).text)
    short = client.post(f"{user_url}/tokens", data={"name": "sync", "days": "0", "csrf_token": token})
    assert short.status_code == 422 and 'id="f-days-error"' in short.text
    issued = client.post(f"{user_url}/tokens", data={"name": "sync", "days": "30", "csrf_token": token})
    clear = re.search(r'id="issued-token">([^<]+)<', issued.text).group(1)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {clear}"}).status_code == 200
    assert clear not in client.get(user_url).text  # shown once
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "sync"))
    client.post(f"{user_url}/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/me", headers={"Authorization": f"Bearer {clear}"}).status_code == 401

    reset = client.post(f"{user_url}/password", data={"password": "short", "csrf_token": token})
    assert reset.status_code == 422 and 'id="f-password-error"' in reset.text
    client.post(f"{user_url}/password", data={"password": "a whole new passphrase", "csrf_token": token})
    assert leaver.get("/gemeente", follow_redirects=False).status_code == 303  # the reset ended her session
    sign_in(leaver, "ines", "a whole new passphrase")
    assert leaver.get("/gemeente").status_code == 200
    done = client.post(f"{user_url}/disable", data={"csrf_token": token})
    assert "uitgeschakeld" in done.text
    stopped = leaver.get("/gemeente", follow_redirects=False)
    assert stopped.status_code == 303 and stopped.headers["location"].startswith("/login")  # at once
    assert sign_in(leaver, "ines", "a whole new passphrase").status_code == 401
    settings = client.get("/admin/gemeenten/21004/settings")
    assert settings.status_code == 200 and "municipal_staff" in settings.text
    assert client.get("/admin/gemeenten/PARKET/settings").status_code == 404
