"""The answer for a path no route serves: a page for browsers, `{"error": ...}` for the client
API (what Mastodon apps read), plain text for everything else."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from fedcop.i18n.current import _
from fedcop.routes.responses import json_response
from fedcop.web.render import not_found

_API_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/userinfo")


async def unmatched(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 404
    # 405 carries its Allow header.
    headers = dict(error.headers or {}) if isinstance(error, HTTPException) else None
    if request.url.path.startswith(_API_PREFIXES):
        message = "Record not found" if status == 404 else "Method not allowed"
        return json_response({"error": message}, status, headers=headers)
    if status == 404 and "text/html" in request.headers.get("accept", ""):
        return await not_found(request, _("There is no such page here."))
    text = "Not Found" if status == 404 else "Method Not Allowed"
    return PlainTextResponse(text, status, headers=headers)
