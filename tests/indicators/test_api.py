"""The indicator routes: the cell sees the detail, a gemeente its own gemeente's published figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from service.auth.models import Role
from tests.indicators.helpers import two_years


def test_cell_detail_and_gemeente_publication(client, make_user, session: Session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    two_years(session, tmp_path)
    _, cell = make_user(Role.CELL_OPERATOR, "AGODI")
    detail = client.get("/api/indicators/2025-2026?by=age", headers=cell).json()
    assert detail["published"] is False and detail["rule"] is None
    assert sum(r["start"] for r in detail["rows"]) == 3
    assert sum(r["count"] for r in detail["honest_count"]) == 3
    published = client.get("/api/indicators/2025-2026?by=age&publish=true", headers=cell).json()
    assert published["published"] is True and published["rule"]["threshold"] == 5
    assert all(r["start"] in (None, 0) or r["start"] >= 5 for r in published["rows"])
    _, own = make_user(Role.GEMEENTE_USER, "21004")
    mine = client.get("/api/indicators/2025-2026?by=gemeente", headers=own).json()
    assert mine["published"] is True and mine["nis_code"] == "21004"
    assert [r["key"] for r in mine["rows"]] == ["21004"]
    _, other = make_user(Role.GEMEENTE_USER, "21015")
    theirs = client.get("/api/indicators/2025-2026?by=gemeente", headers=other).json()
    assert theirs["rows"] == [] and "21004" not in str(theirs["rows"])
    _, parket = make_user(Role.PARKET_USER, "PARKET")
    assert client.get("/api/indicators/2025-2026", headers=parket).status_code == 403
    years = client.get("/api/indicators/years", headers=own).json()
    assert [y["school_year"] for y in years] == ["2024-2025", "2025-2026"] and years[1]["start"] is None
    t = client.get("/api/indicators/2025-2026/timeliness", headers=cell).json()
    assert t["stages"][0]["stage"] == "residual" and t["stages"][0]["entered"] == 3
    assert client.get("/api/indicators/2025-2026/timeliness", headers=other).json()["parket"] is None
    svg = client.get("/api/indicators/2025-2026/charts/gemeenten.svg", headers=cell)
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert client.get("/api/indicators/2025-2026/report.pdf", headers=own).status_code == 403
