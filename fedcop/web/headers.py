"""Headers on every page: the session cookie when it changed, and a strict security policy.

Pages load nothing but their own stylesheet (and images over https): no script runs, no frame
embeds them, forms post only here.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedcop.web.session import Viewer, cookie_header

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class PageHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    # A page that set its own policy keeps it (the OAuth page widens form-action).
                    for name, value in PAGE_HEADERS.items():
                        headers.setdefault(name, value)
                viewer = scope.get("state", {}).get("viewer")
                if isinstance(viewer, Viewer):
                    state = scope["app"].state
                    secure = state.config.scheme == "https"
                    cookie = cookie_header(state, viewer, secure)
                    if cookie is not None:
                        headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, sending)
