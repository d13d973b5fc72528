"""User administration routes (cell administrator only): accounts, leavers, passwords, API tokens.

Mounted by `service.auth.views`; every route declares `users:admin` (service.auth.policy).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.auth import service
from service.auth.deps import allow, db_session
from service.auth.models import ApiToken, Organisation, Role, User
from service.auth.service import Actor

router = APIRouter(tags=["auth"])  # mounted under /api by service.auth.views
ADMIN = allow("users:admin")


class AccountOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    organisation: str
    language: str
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, u: User) -> AccountOut:
        return cls(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            role=Role(u.role),
            organisation=u.organisation.code,
            language=u.language,
            active=u.active,
            created_at=u.created_at,
        )


class OrganisationOut(BaseModel):
    code: str
    kind: str
    name_nl: str
    name_fr: str

    @classmethod
    def of(cls, o: Organisation) -> OrganisationOut:
        return cls(code=o.code, kind=o.kind, name_nl=o.name_nl, name_fr=o.name_fr)


class EndedOut(BaseModel):
    username: str
    active: bool
    tokens_revoked: int
    sessions_ended: int


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=200)


class LanguageIn(BaseModel):
    language: str = Field(pattern="^(nl|fr)$")


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=80, description="What the token is for")
    days: int = Field(ge=1, le=service.MAX_TOKEN_DAYS, description="Validity in days")


class ApiTokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str

    @classmethod
    def of(cls, t: ApiToken) -> ApiTokenOut:
        return cls(
            id=t.id,
            name=t.name,
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            state=service.token_state(t),
        )


class IssuedTokenOut(ApiTokenOut):
    token: str = Field(description="The clear token: shown once, stored only as a hash")


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(actor: Actor = Depends(ADMIN), session: Session = db_session) -> list:
    return [OrganisationOut.of(o) for o in service.list_organisations(session)]


@router.get("/users/{user_id}", response_model=AccountOut)
def get_user(user_id: int, actor: Actor = Depends(ADMIN), session: Session = db_session) -> AccountOut:
    return AccountOut.of(service.user_by_id(session, user_id))


def _ended(user: User, ended: service.Ended) -> EndedOut:
    return EndedOut(
        username=user.username, active=user.active, tokens_revoked=ended.tokens, sessions_ended=ended.sessions
    )


@router.post("/users/{user_id}/disable", response_model=EndedOut)
def disable_user(user_id: int, actor: Actor = Depends(ADMIN), session: Session = db_session) -> EndedOut:
    """A leaver: sign-in refused, every API token revoked and every open session ended at once."""
    user = service.user_by_id(session, user_id)
    return _ended(user, service.disable_account(session, actor, username=user.username))


@router.post("/users/{user_id}/enable", response_model=AccountOut)
def enable_user(user_id: int, actor: Actor = Depends(ADMIN), session: Session = db_session) -> AccountOut:
    user = service.user_by_id(session, user_id)
    return AccountOut.of(service.enable_account(session, username=user.username))


@router.put("/users/{user_id}/password", response_model=EndedOut)
def reset_password(
    user_id: int,
    body: PasswordIn,
    actor: Actor = Depends(ADMIN),
    session: Session = db_session,
) -> EndedOut:
    """Set a new password; the user's sign-ins made with the old one end."""
    user = service.user_by_id(session, user_id)
    return _ended(user, service.reset_password(session, username=user.username, password=body.password))


@router.put("/users/{user_id}/language", response_model=AccountOut)
def set_language(
    user_id: int,
    body: LanguageIn,
    actor: Actor = Depends(ADMIN),
    session: Session = db_session,
) -> AccountOut:
    user = service.user_by_id(session, user_id)
    service.set_language(session, user.id, body.language)
    session.refresh(user)
    return AccountOut.of(user)


@router.get("/users/{user_id}/tokens", response_model=list[ApiTokenOut])
def list_tokens(user_id: int, actor: Actor = Depends(ADMIN), session: Session = db_session) -> list:
    user = service.user_by_id(session, user_id)
    return [ApiTokenOut.of(t) for t in service.list_api_tokens(session, username=user.username)]


@router.post("/users/{user_id}/tokens", status_code=201, response_model=IssuedTokenOut)
def issue_token(
    user_id: int,
    body: TokenIn,
    actor: Actor = Depends(ADMIN),
    session: Session = db_session,
) -> IssuedTokenOut:
    user = service.user_by_id(session, user_id)
    clear, row = service.issue_api_token(session, username=user.username, name=body.name, days=body.days)
    return IssuedTokenOut(**ApiTokenOut.of(row).model_dump(), token=clear)


@router.post("/users/{user_id}/tokens/{token_id}/revoke", response_model=ApiTokenOut)
def revoke_token(
    user_id: int,
    token_id: int,
    actor: Actor = Depends(ADMIN),
    session: Session = db_session,
) -> ApiTokenOut:
    user = service.user_by_id(session, user_id)
    return ApiTokenOut.of(service.revoke_api_token(session, token_id=token_id, username=user.username))
