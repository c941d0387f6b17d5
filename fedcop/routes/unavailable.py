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

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedcop.db.outage import (
    RETRY_AFTER_SECONDS,
    database_unavailable,
    discard_pooled_connections,
)
from fedcop.routes.responses import json_response

log = logging.getLogger(__name__)

MESSAGE = "the node's database is unavailable for a moment: try again shortly"
_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Back shortly</title>"
    "<h1>Back shortly</h1><p>This node cannot reach its database for a moment. "
    "Try again in a few seconds.</p></html>"
)


def unavailable_response(request: Request) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    accept = request.headers.get("accept", "").lower()
    if "text/html" in accept:
        return HTMLResponse(_PAGE, 503, headers)
    return json_response({"error": MESSAGE}, 503, headers=headers)


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
