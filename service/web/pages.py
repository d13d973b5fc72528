"""The page layer every screen of the web interface is built with.

A page route declares who may open it with a dependency, exactly as an API route does, and renders
a template through the `Page` it receives:

    @router.get("/cases/{case_id}")
    def case_page(case_id: int, page: Page = Depends(page_for("web:cell"))) -> Response:
        case = cases.get_case(page.db, case_id, page.actor)       # scoping: service.auth.scope
        audit.record(page.db, page.actor, "read", "case", [case.id], "read case with timeline")
        return page.render("cell/case.html", case=case)

    @router.post("/cases/{case_id}/note")
    def note(case_id: int, page: Page = Depends(form_for("web:cell"))) -> Response:
        errors = FormErrors()                                      # service.web.forms
        if not page.form.get("text"):
            errors.add("text", "form.required")
        if errors:
            return page.render("cell/case.html", errors=errors, values=page.form, status=422)
        return page.redirect(f"/cases/{case_id}", flash="case.note_saved")

- `page_for(permission)` admits the roles `service.auth.policy` gives the permission (the same
  table as the API); a visitor without a live session is sent to the sign-in page, a signed-in user
  whose role lacks the permission gets a 403 page. Organisation scoping stays in the domain
  services (`service.auth.scope`): a page never filters by hand.
- `form_for(permission)` does the same for a POST and checks the form's CSRF token first
  (every form template includes `{{ ui.csrf() }}`); `page.form` is the parsed form.
- `page.render(template, **context)` gives the template `page`, `t` (the catalogue text in the
  user's language), `lbl` (names of gemeenten, states, closure reasons in that language), `ui`
  macros (templates `{% import "macros.html" as ui with context %}`) and security headers.
- `register_nav` and `register_home` let each area add its menu entries and the page a role lands
  on after signing in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.auth import service as auth
from service.auth.deps import db_session
from service.auth.policy import Role, roles_for
from service.auth.service import Actor
from service.core.settings import get_settings
from service.web.forms import field_id
from service.web.i18n import LANGUAGES, catalogues, other_language
from service.web.labels import LabelReader

TEMPLATES = Path(__file__).with_name("templates")
SESSION_COOKIE = "tandem_session"
LANG_COOKIE = "tandem_lang"
templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["LANGUAGES"] = LANGUAGES
templates.env.globals["field_id"] = field_id

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """No live session: the visitor is sent to the sign-in page, then back to `next`."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageRefused(Exception):
    """A signed-in user may not use this page (role) or this form (CSRF): a 403 page."""

    def __init__(self, page: Page, message_key: str) -> None:
        self.page = page
        self.message_key = message_key


@dataclass(frozen=True)
class NavItem:
    key: str  # catalogue key of the label
    href: str
    permission: str
    roles: frozenset[Role] | None = None  # narrower than the permission, when given


NAV: list[NavItem] = []
HOMES: dict[Role, str] = {}


def register_nav(key: str, href: str, permission: str, roles: frozenset[Role] | None = None) -> None:
    """Add a menu entry shown to the roles of `permission` (and of `roles`, when given)."""
    roles_for(permission)  # an unknown permission fails at import time
    if all(item.href != href for item in NAV):
        NAV.append(NavItem(key, href, permission, roles))


def register_home(role: Role, path: str) -> None:
    """The page `role` lands on after signing in (and at `/`)."""
    HOMES[role] = path


@dataclass
class Page:
    """One request of a signed-in user: who, in which language, with which CSRF token."""

    request: Request
    db: Session
    actor: Actor
    username: str
    full_name: str
    lang: str
    csrf: str
    token: str
    flash: str | None = None
    form: FormData = field(default_factory=FormData)

    def t(self, key: str, **values: Any) -> str:
        return catalogues().text(self.lang, key, **values)

    @property
    def other_lang(self) -> str:
        return other_language(self.lang)

    @property
    def labels(self) -> LabelReader:
        return LabelReader(self.lang)

    @property
    def here(self) -> str:
        """Where the language switch comes back to: this page, or after a form the page it was on."""
        if self.request.method == "GET":
            return _here(self.request)
        referer = urlsplit(self.request.headers.get("referer", ""))
        if referer.netloc and referer.netloc != self.request.url.netloc:
            return "/"
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))

    def nav(self) -> list[NavItem]:
        return [
            item
            for item in NAV
            if self.actor.role in roles_for(item.permission)
            and (item.roles is None or self.actor.role in item.roles)
        ]

    def may(self, permission: str) -> bool:
        return self.actor.role in roles_for(permission)

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status=status, page=self, lang=self.lang, **context)

    def redirect(self, url: str, *, flash: str | None = None) -> RedirectResponse:
        """After a successful POST: 303 to `url`, with a message (a catalogue key) shown there.

        The work is committed here, before the answer leaves: the browser follows the redirect at
        once, and the request session's own commit may come only after the response is sent."""
        if flash:
            auth.set_flash(self.db, self.token, flash)
        self.db.commit()
        return RedirectResponse(url, status_code=303)


def render(request: Request, template: str, *, status: int = 200, lang: str, **context: Any) -> HTMLResponse:
    """Render a template with the catalogue and labels of `lang`; the page layer's one renderer."""
    cats = catalogues()
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": lambda key, **values: cats.text(lang, key, **values),
            "lbl": LabelReader(lang),
            "lang": lang,
            **context,
        },
        status_code=status,
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def open_page(request: Request, db: Session) -> Page | None:
    """The signed-in user's page context, or None without a live session (no permission check)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    settings = get_settings()
    found = auth.session_for_token(
        db,
        token,
        idle=timedelta(minutes=settings.web_idle_minutes),
        max_age=timedelta(hours=settings.web_session_hours),
    )
    if found is None:
        return None
    user = found.user
    return Page(
        request=request,
        db=db,
        actor=Actor.from_user(user),
        username=user.username,
        full_name=user.full_name or user.username,
        lang=user.language if user.language in LANGUAGES else "nl",
        csrf=found.csrf_token,
        token=token,
        flash=found.flash,
    )


def page_for(permission: str) -> Callable[..., Page]:
    """Dependency of a page (GET) that the roles of `permission` may open."""
    roles = roles_for(permission)

    def check(request: Request, db: Session = db_session) -> Page:
        page = open_page(request, db)
        if page is None:
            raise LoginRequired(_here(request))
        if page.actor.role not in roles:
            raise PageRefused(page, "error.forbidden")
        return page

    check.permission = permission  # type: ignore[attr-defined]  # read by the route-matrix tests
    return check


def form_for(permission: str) -> Callable[..., Any]:
    """Dependency of a form's POST: `page_for(permission)`, then the form's CSRF token checked."""
    base = page_for(permission)

    async def check(request: Request, page: Page = Depends(base)) -> Page:
        form = await request.form()
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, page.csrf):
            raise PageRefused(page, "error.csrf")
        page.form = form
        return page

    check.permission = permission  # type: ignore[attr-defined]
    return check


def anonymous_language(request: Request) -> str:
    """The language of a visitor who is not signed in: their earlier choice, else their browser's."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    positions = {lang: accept.find(lang) for lang in LANGUAGES if lang in accept}
    return min(positions, key=positions.__getitem__) if positions else "nl"


def set_cookie(response: Response, request: Request, name: str, value: str, **extra: Any) -> None:
    """A cookie as the interface sets them all: HttpOnly, SameSite=Lax, Secure over TLS."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
        **extra,
    )


def safe_next(url: str | None, default: str = "/") -> str:
    """Only a path on this site may be a redirect target after signing in or switching language."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url
