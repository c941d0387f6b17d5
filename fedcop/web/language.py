"""The language each page is written in (fedcop.i18n), chosen per request.

The middleware starts every request in the browser's language (Accept-Language, English when
it names none we speak); once the viewer is known (web.session.viewer), a member's own choice
on /settings replaces it. Pages say which they chose in `<html lang>` and vary on
Accept-Language, so a shared cache never hands a French page to an English reader.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from fedcop.i18n import current
from fedcop.i18n.languages import negotiate
from fedcop.services import member_language


class PageLanguage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            current.use(negotiate(Headers(scope=scope).get("accept-language")))
        await self.app(scope, receive, send)


async def settle(request: Request, actor_id: int) -> None:
    """The signed-in member's chosen language, if they chose one, for the rest of the request."""
    pool = request.app.state.pool
    await member_language.speak_to(pool, actor_id, request.headers.get("accept-language"))
