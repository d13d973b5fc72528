"""Login, the current user, and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.auth import service
from service.auth.admin_views import router as admin_router
from service.auth.deps import allow, current_actor, db_session
from service.auth.models import Role
from service.auth.service import Actor

router = APIRouter(prefix="/api", tags=["auth"])


class LoginIn(BaseModel):
    username: str
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    role: Role
    organisation: str | None
    community: str | None
    nis_code: str | None


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    organisation: str
    active: bool
    language: str = "nl"


class UserCreatedOut(BaseModel):
    id: int
    username: str


class UserIn(BaseModel):
    username: str
    role: Role
    organisation: str
    password: str | None = None
    full_name: str = ""
    language: str = Field("nl", pattern="^(nl|fr)$")


@router.post("/auth/token", response_model=TokenOut)
def login(body: LoginIn, request: Request, session: Session = db_session) -> TokenOut:
    """A 12-hour token. Throttled per user name and per client address: 429 with Retry-After."""
    address = request.client.host if request.client else "unknown"
    return TokenOut(access_token=service.login(session, body.username, body.password, address=address))


@router.get("/me", response_model=MeOut)
def me(actor: Actor = Depends(current_actor)) -> MeOut:
    return MeOut(
        username=actor.name,
        role=actor.role,
        organisation=actor.organisation_code,
        community=actor.community,
        nis_code=actor.nis_code,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(actor: Actor = Depends(allow("users:admin")), session: Session = db_session) -> list[UserOut]:
    return [
        UserOut(
            id=u.id,
            username=u.username,
            role=u.role,
            organisation=u.organisation.code,
            active=u.active,
            language=u.language,
        )
        for u in service.list_accounts(session)
    ]


@router.post("/users", status_code=201, response_model=UserCreatedOut)
def create_user(
    body: UserIn,
    actor: Actor = Depends(allow("users:admin")),
    session: Session = db_session,
) -> UserCreatedOut:
    user = service.create_account(
        session,
        username=body.username,
        role=body.role,
        organisation=body.organisation,
        language=body.language,
        password=body.password,
        full_name=body.full_name,
    )
    return UserCreatedOut(id=user.id, username=user.username)


router.include_router(admin_router)
