"""A gemeente's settings (who visits, where notifications are e-mailed): read and changed by the
gemeente itself and the cell, never by another gemeente; an address that is not one is refused."""

from __future__ import annotations

from typer.testing import CliRunner

from service.auth.models import Role
from service.cli.main import app


def test_a_gemeente_reads_and_changes_its_own_settings_only(client, make_user) -> None:  # type: ignore[no-untyped-def]
    _, town = make_user(Role.GEMEENTE_USER, "21004")
    _, boss = make_user(Role.CELL_ADMIN, "AGODI")
    url = "/api/gemeenten/21004/settings"
    assert client.get(url, headers=town).json() == {
        "nis_code": "21004",
        "default_visitor": "neighbourhood_police",
        "email": None,
    }
    changed = client.put(
        url, headers=town, json={"default_visitor": "municipal_staff", "email": "leerplicht@brussel.be"}
    )
    assert changed.status_code == 200
    assert client.get(url, headers=boss).json()["email"] == "leerplicht@brussel.be"
    bad = client.put(url, headers=town, json={"email": "not an address"})
    assert bad.status_code == 400 and "email" in bad.json()["detail"] and "not an address" not in bad.text
    assert client.put(url, headers=boss, json={"email": ""}).json()["email"] is None
    assert client.get("/api/gemeenten/21015/settings", headers=town).status_code == 404
    assert client.get("/api/gemeenten/PARKET/settings", headers=boss).status_code == 404
    _, parket = make_user(Role.PARKET_USER, "PARKET")
    assert client.get(url, headers=parket).status_code == 403


def test_the_cli_refuses_an_address_that_is_not_one(engine) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    assert runner.invoke(app, ["gemeenten", "settings", "21004", "--email", "a@b"]).exit_code != 0
    ok = runner.invoke(app, ["gemeenten", "settings", "21004", "--email", "school@ixelles.brussels"])
    assert ok.exit_code == 0, ok.output
