"""The notice after an action ("Saved.", "You left the community."), shown once on the next page.

cookie "fedcop_notice" = the notice's text, signed with the node's secret (itsdangerous, its own
    salt so no other signed value passes for it), HttpOnly, SameSite=Lax, kept one minute: set
    by the redirect that ends a form (`done`), read and deleted by the next page rendered, which
    shows it in a `role="status"` region so screen readers announce it.
Why a cookie of its own and not the session's: the session cookie is written only when the
    session changes, and a notice must reach people not signed in (a sent reset link) too.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

COOKIE = "fedcop_notice"
LIFETIME_SECONDS = 60
MAX_NOTICE_CHARS = 300


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.session_secret, salt="fedcop-notice")


def _cookie(request: Request, value: str, max_age: int) -> str:
    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if request.app.state.config.scheme == "https":
        parts.append("Secure")
    return "; ".join(parts)


def done(request: Request, path: str, notice: str) -> Response:
    """After a form: see the result (303, so a reload does not post again), with `notice`
    shown once on it."""
    response = RedirectResponse(path, status_code=303)
    value = _serializer(request).dumps(notice[:MAX_NOTICE_CHARS])
    response.headers.append("Set-Cookie", _cookie(request, value, LIFETIME_SECONDS))
    return response


def pending(request: Request) -> str | None:
    """The notice waiting for this page, if a valid one came with the request."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        notice = _serializer(request).loads(raw, max_age=LIFETIME_SECONDS)
    except BadSignature:
        return None
    return notice if isinstance(notice, str) else None


def forget(request: Request, response: Response) -> None:
    """The page showed the notice (or it was not valid): the browser drops it."""
    if COOKIE in request.cookies:
        response.headers.append("Set-Cookie", _cookie(request, "", 0))
