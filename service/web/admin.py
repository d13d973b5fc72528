"""The cell administrator's pages: users (create with role, organisation and language; disable a
leaver, whose tokens and open sessions stop at once; reset a password; API tokens with an expiry),
the organisations, and a gemeente's settings. Every rule is the auth service's, as for the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from service.auth import service as auth
from service.auth.policy import Role
from service.core.errors import TandemError
from service.web import gemeente_forms
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for, register_nav

router = APIRouter(include_in_schema=False)
ADMIN = "web:admin"
register_nav("admin.nav.users", "/admin/users", ADMIN)
register_nav("admin.nav.organisations", "/admin/organisations", ADMIN)
USER_FIELDS = ["username", "full_name", "role", "organisation", "language", "password"]


def _text(page: Page, name: str) -> str:
    return str(page.form.get(name, "")).strip()


def _org_choices(page: Page) -> list[tuple[str, str]]:
    return [
        (o.code, f"{o.code} · {o.name_fr if page.lang == 'fr' else o.name_nl}")
        for o in auth.list_organisations(page.db)
    ]


def _refusal(errors: FormErrors, fields: list[str], exc: TandemError) -> None:
    gemeente_forms.place_refusals(errors, fields, [str(exc)])


@router.get("/admin/users", response_class=HTMLResponse)
def users(page: Page = Depends(page_for(ADMIN))) -> Response:
    org = str(page.request.query_params.get("organisation", "")).strip() or None
    return page.render(
        "admin/users.html",
        users=auth.list_accounts(page.db, organisation=org),
        org_choices=_org_choices(page),
        chosen=org or "",
    )


def _new_form(page: Page, errors: FormErrors | None = None) -> Response:
    return page.render(
        "admin/new_user.html",
        org_choices=_org_choices(page),
        role_choices=[(r.value, page.t(f"roles.{r.value}")) for r in Role],
        errors=errors,
        values=page.form if errors else {"language": page.lang},
        status=422 if errors else 200,
    )


@router.get("/admin/users/new", response_class=HTMLResponse)
def new_user(page: Page = Depends(page_for(ADMIN))) -> Response:
    return _new_form(page)


@router.post("/admin/users/new", response_class=HTMLResponse)
def create_user(page: Page = Depends(form_for(ADMIN))) -> Response:
    errors = FormErrors()
    for name in ("username", "role", "organisation", "language", "password"):
        if not _text(page, name):
            errors.add(name, "form.required")
    if _text(page, "role") and _text(page, "role") not in {r.value for r in Role}:
        errors.add("role", "form.invalid_choice")
    if not errors:
        try:
            user = auth.create_account(
                page.db,
                username=_text(page, "username"),
                role=Role(_text(page, "role")),
                organisation=_text(page, "organisation"),
                language=_text(page, "language"),
                password=str(page.form.get("password", "")),
                full_name=_text(page, "full_name"),
            )
        except TandemError as exc:
            field = (
                "password"
                if "password" in str(exc)
                else "organisation"
                if "belong" in str(exc)
                else "username"
            )
            errors.add_refusal(field, str(exc))
    if errors:
        page.db.rollback()
        return _new_form(page, errors)
    return page.redirect(f"/admin/users/{user.id}", flash="admin.done.created")


def _user_page(
    page: Page, user_id: int, *, errors: FormErrors | None = None, issued: str | None = None
) -> Response:
    user = auth.user_by_id(page.db, user_id)
    tokens = auth.list_api_tokens(page.db, username=user.username)
    return page.render(
        "admin/user.html",
        user=user,
        tokens=[(t, auth.token_state(t)) for t in tokens],
        live_sessions=auth.live_sessions(page.db, user.id),
        issued=issued,
        errors=errors,
        values=page.form if errors else {"days": "90"},
        status=422 if errors else 200,
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(user_id: int, page: Page = Depends(page_for(ADMIN))) -> Response:
    return _user_page(page, user_id)


@router.post("/admin/users/{user_id}/disable")
def disable(user_id: int, page: Page = Depends(form_for(ADMIN))) -> Response:
    user = auth.user_by_id(page.db, user_id)
    try:
        auth.disable_account(page.db, page.actor, username=user.username)
    except TandemError as exc:
        errors = FormErrors()
        errors.add_refusal("disable", str(exc))
        return _user_page(page, user_id, errors=errors)
    return page.redirect(f"/admin/users/{user_id}", flash="admin.done.disabled")


@router.post("/admin/users/{user_id}/enable")
def enable(user_id: int, page: Page = Depends(form_for(ADMIN))) -> Response:
    auth.enable_account(page.db, username=auth.user_by_id(page.db, user_id).username)
    return page.redirect(f"/admin/users/{user_id}", flash="admin.done.enabled")


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(user_id: int, page: Page = Depends(form_for(ADMIN))) -> Response:
    user = auth.user_by_id(page.db, user_id)
    try:
        auth.reset_password(page.db, username=user.username, password=str(page.form.get("password", "")))
    except TandemError as exc:
        errors = FormErrors()
        errors.add_refusal("password", str(exc))
        page.db.rollback()
        return _user_page(page, user_id, errors=errors)
    return page.redirect(f"/admin/users/{user_id}", flash="admin.done.password")


@router.post("/admin/users/{user_id}/tokens", response_class=HTMLResponse)
def issue_token(user_id: int, page: Page = Depends(form_for(ADMIN))) -> Response:
    """The clear token is shown on this answer only (it is stored as a hash)."""
    user = auth.user_by_id(page.db, user_id)
    errors = FormErrors()
    days = _text(page, "days")
    if not days.lstrip("-").isdigit():
        errors.add("days", "admin.token.bad_days")
    else:
        try:
            clear, _row = auth.issue_api_token(
                page.db, username=user.username, name=_text(page, "name"), days=int(days)
            )
        except TandemError as exc:
            _refusal(errors, ["days", "name"], exc)
    if errors:
        page.db.rollback()
        return _user_page(page, user_id, errors=errors)
    return _user_page(page, user_id, issued=clear)


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke")
def revoke_token(user_id: int, token_id: int, page: Page = Depends(form_for(ADMIN))) -> Response:
    user = auth.user_by_id(page.db, user_id)
    auth.revoke_api_token(page.db, token_id=token_id, username=user.username)
    return page.redirect(f"/admin/users/{user_id}", flash="admin.done.revoked")


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisations(page: Page = Depends(page_for(ADMIN))) -> Response:
    return page.render("admin/organisations.html", organisations=auth.list_organisations(page.db))


@router.get("/admin/gemeenten/{nis_code}/settings", response_class=HTMLResponse)
def gemeente_settings(nis_code: str, page: Page = Depends(page_for(ADMIN))) -> Response:
    return gemeente_forms.settings_page(page, nis_code, f"/admin/gemeenten/{nis_code}/settings")


@router.post("/admin/gemeenten/{nis_code}/settings", response_class=HTMLResponse)
def save_gemeente_settings(nis_code: str, page: Page = Depends(form_for(ADMIN))) -> Response:
    return gemeente_forms.save_settings(page, nis_code, f"/admin/gemeenten/{nis_code}/settings")
