"""The web interface's own routes: sign-in, sign-out, the language switch, the landing page, its
assets, and the error pages. The screens live beside it (`service/web/cell_*.py`, ...) and are
mounted by `install`.
"""

from __future__ import annotations

import importlib
import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.auth import service as auth
from service.auth.deps import db_session
from service.core.errors import TandemError, Unauthenticated
from service.core.settings import get_settings
from service.web.i18n import LANGUAGES, catalogues
from service.web.linkage_texts import check_levels_catalogue
from service.web.pages import (
    HOMES,
    LANG_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    Page,
    PageRefused,
    anonymous_language,
    form_for,
    open_page,
    render,
    safe_next,
    set_cookie,
)
from service.web.workflow_forms import check_catalogue

STATIC = Path(__file__).with_name("static")
LOGIN_CSRF_COOKIE = "tandem_login_csrf"
# Areas of the interface whose `router` is mounted (each a module of service.web).
AREAS: list[str] = [
    "service.web.cell_today",
    "service.web.cell_cases",
    "service.web.cell_case",
    "service.web.cell_lists",
    "service.web.cell_jobs",
    "service.web.cell_review",
    "service.web.cell_letters",
    "service.web.cell_replies",
    "service.web.cell_runs",
    "service.web.cell_gemeenten",
]
# the gemeente, parket, auditor and administrator views (issue 14)
AREAS += ["service.web.gemeente", "service.web.parket", "service.web.auditor", "service.web.admin"]

router = APIRouter(include_in_schema=False)


def is_page_request(request: Request) -> bool:
    """A request for the web interface (not the JSON API, not the API's own docs)."""
    path = request.url.path
    return not (path.startswith("/api") or path in {"/docs", "/redoc", "/openapi.json"})


def _login_form(
    request: Request, *, lang: str, next_url: str, status: int = 200, failed: bool = False
) -> Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status,
        lang=lang,
        next_url=next_url,
        login_csrf=csrf,
        failed=failed,
        idle_minutes=get_settings().web_idle_minutes,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, csrf)
    if request.query_params.get("lang") in LANGUAGES:
        set_cookie(response, request, LANG_COOKIE, lang, max_age=365 * 24 * 3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", session: Session = db_session) -> Response:
    if open_page(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, lang=anonymous_language(request), next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
    session: Session = db_session,
) -> Response:
    lang = anonymous_language(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token, expected):
        return _login_form(request, lang=lang, next_url=safe_next(next), status=403, failed=True)
    try:
        address = request.client.host if request.client else "unknown"
        user = auth.authenticate(session, username.strip(), password, address)
    except Unauthenticated:
        return _login_form(request, lang=lang, next_url=safe_next(next), status=401, failed=True)
    token = auth.start_session(session, user)
    session.commit()  # before the browser follows the redirect (see Page.redirect)
    home = HOMES.get(user.role, "/")  # type: ignore[call-overload]
    response = RedirectResponse(safe_next(next, home) if next != "/" else home, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, page: Page = Depends(form_for("reference:read"))) -> Response:
    auth.end_session(page.db, page.token)
    response = page.redirect(f"/login?lang={page.lang}")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def switch_language(page: Page = Depends(form_for("reference:read"))) -> Response:
    """The switch on every page: the choice is kept on the user record."""
    lang = str(page.form.get("lang", ""))
    if lang in LANGUAGES:
        auth.set_language(page.db, page.actor.user_id or 0, lang)
    return page.redirect(safe_next(str(page.form.get("next", "/"))))


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = db_session) -> Response:
    page = open_page(request, session)
    if page is None:
        return RedirectResponse("/login", status_code=303)
    target = HOMES.get(page.actor.role)
    if target and target != "/":
        return RedirectResponse(target, status_code=303)
    return page.render("home.html")


def _error_page(request: Request, status: int, message_key: str, detail: str = "") -> Response:
    """A bilingual error page (no session is needed to read it, so both languages are shown)."""
    cats = catalogues()
    texts = {lang: cats.text(lang, message_key) for lang in LANGUAGES}
    return render(
        request, "error.html", status=status, lang=anonymous_language(request), texts=texts, detail=detail
    )


def _message_key(status: int) -> str:
    return {403: "error.forbidden", 404: "error.not_found", 409: "error.conflict"}.get(
        status, "error.bad_request" if status < 500 else "error.internal"
    )


def install(app: FastAPI) -> None:
    """Mount the interface's routes and assets and its error pages on the application; the
    message catalogues are checked first (a missing translation stops start-up)."""
    check_catalogue(catalogues())
    check_levels_catalogue(catalogues())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    for area in AREAS:
        app.include_router(importlib.import_module(area).router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={_quote(exc.next_url)}", status_code=303)

    @app.exception_handler(PageRefused)
    async def refused(request: Request, exc: PageRefused) -> Response:
        return exc.page.render("error.html", status=403, texts={exc.page.lang: exc.page.t(exc.message_key)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_page_request(request):
            return await http_exception_handler(request, exc)
        return _error_page(request, exc.status_code, _message_key(exc.status_code))


def page_error(request: Request, exc: TandemError | RequestValidationError) -> Response:
    """The page answer to an error the API would answer in JSON (called by the app's handlers)."""
    status = exc.status if isinstance(exc, TandemError) else 422
    detail = str(exc) if isinstance(exc, TandemError) else ""
    return _error_page(request, status, _message_key(status), detail)


def _quote(url: str) -> str:
    return quote(url, safe="/")
