"""Who is looking at a page, and the guard on every form.

cookie "fedcop_session" = signed {"u": account id, "v": session version, "s": session token,
                                  "c": CSRF token}
    signed with the node's secret (itsdangerous), HttpOnly, SameSite=Lax, Secure under https,
    kept 30 days; the token's hash is a row in web_sessions (services.signin): signing out
    deletes it, so a copy of the cookie taken before opens nothing; an account whose session
    version moved on (password changed, suspended) has every session ended
every form carries the CSRF token as `csrf`; a POST without the session's token is refused
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request

from fedcop.i18n.current import _
from fedcop.services import signin
from fedcop.store.users import User
from fedcop.web import language

COOKIE = "fedcop_session"
MAX_AGE_SECONDS = int(signin.SESSION_LIFETIME.total_seconds())
MAX_FORM_BYTES = 256 * 1024


@dataclass
class Viewer:
    """The person behind a request: an account, or nobody signed in."""

    user: User | None
    csrf: str
    changed: bool = False  # the cookie must be (re)written
    session_token: str | None = None  # the open session's token, when someone is signed in

    @property
    def signed_in(self) -> bool:
        return self.user is not None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.session_secret, salt="fedcop-session")


async def viewer(request: Request) -> Viewer:
    """The viewer of this request (read from its cookie once, then remembered)."""
    cached: Viewer | None = getattr(request.state, "viewer", None)
    if cached is not None:
        return cached
    data: dict[str, Any] = {}
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            loaded = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
            data = loaded if isinstance(loaded, dict) else {}
        except BadSignature:
            data = {}
    user = None
    token = data.get("s") if isinstance(data.get("s"), str) else None
    if isinstance(data.get("u"), int) and isinstance(data.get("v"), int) and token:
        user = await signin.signed_in(request.app.state.pool, data["u"], data["v"], token)
    csrf = data.get("c") if isinstance(data.get("c"), str) else None
    found = Viewer(
        user=user,
        csrf=csrf or secrets.token_urlsafe(24),
        changed=csrf is None,
        session_token=token if user is not None else None,
    )
    request.state.viewer = found
    if user is not None:
        # Their own language, chosen on /settings, over their browser's (web.language).
        await language.settle(request, user.actor.id)
    return found


async def sign_in_as(request: Request, user: User) -> None:
    """From now on this browser is `user`, in a new session with a fresh CSRF token."""
    token = await signin.open_session(request.app.state.pool, user)
    request.state.viewer = Viewer(
        user=user, csrf=secrets.token_urlsafe(24), changed=True, session_token=token
    )
    await language.settle(request, user.actor.id)  # their own language from this page on


async def sign_out(request: Request, *, everywhere: bool = False) -> None:
    """End this browser's session on the server (with `everywhere`, every session of its
    account), and forget it here."""
    current = await viewer(request)
    if current.session_token is not None and current.user is not None:
        await signin.sign_out(
            request.app.state.pool,
            current.session_token,
            everywhere_for=current.user.actor.id if everywhere else None,
        )
    request.state.viewer = Viewer(user=None, csrf=secrets.token_urlsafe(24), changed=True)


def cookie_header(state: Any, current: Viewer, secure: bool) -> str | None:
    """The Set-Cookie value for a viewer whose session changed (None if it did not)."""
    if not current.changed:
        return None
    data: dict[str, Any] = {"c": current.csrf}
    if current.user is not None and current.session_token is not None:
        data.update(
            u=current.user.actor.id, v=current.user.session_version, s=current.session_token
        )
    value = URLSafeTimedSerializer(state.session_secret, salt="fedcop-session").dumps(data)
    parts = [
        f"{COOKIE}={value}",
        "Path=/",
        f"Max-Age={MAX_AGE_SECONDS}",
        "HttpOnly",
        "SameSite=Lax",
    ]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class FormRefused(Exception):
    """A form that cannot be taken (no valid CSRF token, too large)."""


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is the session's own."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormRefused(_("This form is too large."))
    form = await request.form(max_files=0, max_fields=100)
    sent = form.get("csrf")
    expected = (await viewer(request)).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise FormRefused(
            _(
                "This form has expired or did not come from this site: "
                "reload the page and try again."
            )
        )
    return form
