"""503 with Retry-After, never 500, while the database is away.

    request -> ... -> route -> asyncpg: connection refused / closed / server restarting
                   <- DatabaseUnavailable: 503, Retry-After: RETRY_AFTER_SECONDS,
                      a page for browsers, {"error": ...} for everything else

Every door goes through here (pages, client API, inboxes, ActivityPub GETs, WebFinger): a
sender's inbox delivery is retried later rather than counted as our failure, a browser shows
"try again shortly", and nothing is half done since nothing reached the database. Other errors
pass through untouched; so does an outage that strikes after the response has begun.
"""

from __future__ import annotations

import logging
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedcop.db.outage import (
    RETRY_AFTER_SECONDS,
    database_unavailable,
    discard_pooled_connections,
)
from fedcop.i18n.current import N_, _, language
from fedcop.routes.responses import json_response

log = logging.getLogger(__name__)

MESSAGE = N_("the node's database is unavailable for a moment: try again shortly")


def _page() -> str:
    """The whole page, without templates or anything else that could need the database, in
    the language the request asked for (its words are the catalogue's, escaped)."""
    title = escape(_("Back shortly"))
    text = escape(
        _("This node cannot reach its database for a moment. Try again in a few seconds.")
    )
    return (
        f"<!doctype html><html lang={language()}><meta charset=utf-8><title>{title}</title>"
        f"<h1>{title}</h1><p>{text}</p></html>"
    )


def unavailable_response(request: Request) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    accept = request.headers.get("accept", "").lower()
    if "text/html" in accept:
        return HTMLResponse(_page(), 503, headers)
    return json_response({"error": _(MESSAGE)}, 503, headers=headers)


class DatabaseUnavailable:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            if started or not database_unavailable(error):
                raise
            log.warning(
                "%s %s: database unavailable (%s), answered 503",
                scope.get("method"),
                scope.get("path"),
                type(error).__name__,
            )
            pool = getattr(scope["app"].state, "pool", None)
            if pool is not None:
                await discard_pooled_connections(pool, error)
            await unavailable_response(Request(scope))(scope, receive, send)
