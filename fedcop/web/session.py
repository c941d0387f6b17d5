"""Who is looking at a page, and the guard on every form.

cookie "fedcop_session" = signed {"u": account id, "v": session version, "c": CSRF token}
    signed with the node's secret (itsdangerous), HttpOnly, SameSite=Lax, Secure under https,
    kept 30 days; an account whose session version moved on (password changed, suspended)
    is signed out
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

from fedcop.services import signin
from fedcop.store.users import User

COOKIE = "fedcop_session"
MAX_AGE_SECONDS = 30 * 24 * 3600
MAX_FORM_BYTES = 256 * 1024


@dataclass
class Viewer:
    """The person behind a request: an account, or nobody signed in."""

    user: User | None
    csrf: str
    changed: bool = False  # the cookie must be (re)written

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
    if isinstance(data.get("u"), int) and isinstance(data.get("v"), int):
        user = await signin.signed_in(request.app.state.pool, data["u"], data["v"])
    csrf = data.get("c") if isinstance(data.get("c"), str) else None
    found = Viewer(user=user, csrf=csrf or secrets.token_urlsafe(24), changed=csrf is None)
    request.state.viewer = found
    return found


def sign_in_as(request: Request, user: User) -> None:
    """From now on this browser is `user`; a fresh CSRF token goes with the new session."""
    request.state.viewer = Viewer(user=user, csrf=secrets.token_urlsafe(24), changed=True)


def sign_out(request: Request) -> None:
    request.state.viewer = Viewer(user=None, csrf=secrets.token_urlsafe(24), changed=True)


def cookie_header(state: Any, current: Viewer, secure: bool) -> str | None:
    """The Set-Cookie value for a viewer whose session changed (None if it did not)."""
    if not current.changed:
        return None
    data: dict[str, Any] = {"c": current.csrf}
    if current.user is not None:
        data.update(u=current.user.actor.id, v=current.user.session_version)
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
        raise FormRefused("the form is too large")
    form = await request.form(max_files=0, max_fields=100)
    sent = form.get("csrf")
    expected = (await viewer(request)).csrf
    if not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise FormRefused(
            "this form has expired or did not come from this site: reload the page and try again"
        )
    return form
