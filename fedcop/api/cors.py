"""Cross-origin access for browser apps (Elk, Phanpy run on their own origins).

The client API, the token endpoints and the discovery documents answer any origin: they are
read with bearer tokens, never with cookies, so a page elsewhere gains nothing it could not get
by asking directly. Preflight requests (OPTIONS with Access-Control-Request-Method) are answered
here, 204. The HTML pages and /oauth/authorize, which use the session cookie, get no CORS headers.

/static/ (the default avatar and header every Account entity points at, the stylesheet) is
public and the same for everyone: web apps that draw images on a canvas or fetch them (Elk,
Phanpy) need it readable from their origin too.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIXES = ("/api/", "/.well-known/", "/nodeinfo/", "/static/")
PATHS = frozenset({"/oauth/token", "/oauth/revoke", "/oauth/userinfo"})
ALLOW_ORIGIN = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **ALLOW_ORIGIN,
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Max-Age": "86400",
}
# Apps page through timelines with the Link header, which a browser hides unless exposed.
EXPOSED = {"Access-Control-Expose-Headers": "Link"}


def open_to_other_origins(path: str) -> bool:
    return path in PATHS or path.startswith(PREFIXES)


class ApiCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not open_to_other_origins(scope["path"]):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            headers = [(k.lower().encode(), v.encode()) for k, v in PREFLIGHT.items()]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(ALLOW_ORIGIN)
                headers.update(EXPOSED)
            await send(message)

        await self.app(scope, receive, sending)
