"""Security headers on every response.

The API and the web pages allow nothing from elsewhere (`default-src 'self'`), cannot be framed
(`frame-ancestors 'none'`), send no referrer, and are not to be cached (they carry personal data).
The interactive API documentation (`/docs`, `/redoc`) loads its scripts from a CDN and starts them
inline, so those two pages alone get a CSP that allows exactly that. HSTS is sent when the request
came over TLS (at the reverse proxy: run uvicorn with `--proxy-headers` so the scheme is known).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; style-src 'self' 'unsafe-inline' "
    f"{DOCS_CDN}; img-src 'self' data: https://fastapi.tiangolo.com; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(request: Request, response: Response) -> None:
    headers = response.headers
    docs = request.url.path.startswith(DOCS_PATHS)
    headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")
    if request.url.scheme == "https":
        headers.setdefault("Strict-Transport-Security", HSTS)


async def add_security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    security_headers(request, response)
    return response
