"""Reference data: the 19 gemeenten, in both languages."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.deps import allow, get_session
from service.auth.service import Actor
from service.gemeenten.models import Gemeente

router = APIRouter(prefix="/api", tags=["gemeenten"])


@router.get("/gemeenten")
def list_gemeenten(
    actor: Actor = Depends(allow("reference:read")), session: Session = Depends(get_session)
) -> list[dict[str, str]]:
    return [
        {"nis_code": g.nis_code, "name_nl": g.name_nl, "name_fr": g.name_fr, "postcodes": g.postcodes}
        for g in session.scalars(select(Gemeente).order_by(Gemeente.nis_code))
    ]
