"""Per request: an id, one access-log line, and the HTTP metrics.

    X-Request-Id from a trusted proxy (fedcop.observability.proxies), if it looks like an id,
      else a new one -> in every log line written while the request is handled (logs.request_id)
                     -> echoed in the response's X-Request-Id header
    after the answer: fedcop.access logs "METHOD PATH STATUS" with route, client, duration
                      (the path only: a query string can carry a token or an OAuth code; no
                      header is ever logged) and the metrics count it under the route's template

Health probes and scrapes are logged at DEBUG, so that a probe every few seconds does not fill
the log.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fedcop.observability import metrics
from fedcop.observability.logs import request_id
from fedcop.observability.proxies import TRUSTED_FLAG

access_log = logging.getLogger("fedcop.access")
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "(unmatched)"


def route_template(scope: Scope) -> str:
    """The matched route's path template: bounded, unlike the raw path."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return route.path + "/{path}"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def _incoming_id(scope: Scope) -> str | None:
    if not scope.get(TRUSTED_FLAG):
        return None
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _ACCEPTABLE_ID.match(text) else None
    return None


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # unless an answer starts: an exception escaped every handler

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = scope.get("method", "GET")
            metrics.HTTP_REQUESTS.labels(metrics.method_label(method), route, str(status)).inc()
            metrics.HTTP_DURATION.labels(route).observe(elapsed)
            path = scope.get("path", "")
            client = scope.get("client")
            access_log.log(
                logging.DEBUG if path in _QUIET_PATHS else logging.INFO,
                "%s %s %d",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": client[0] if client else None,
                    "scheme": scope.get("scheme"),
                },
            )
            request_id.reset(token)
