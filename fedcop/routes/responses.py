"""Response helpers: ActivityStreams JSON, JSON errors, and content negotiation."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
_AP_MEDIA_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: Request) -> bool:
    """True when the client asks for ActivityStreams rather than a page.

    ActivityPub clients send `application/activity+json` or `application/ld+json; profile=...`;
    browsers send text/html first. A bare `application/json` is treated as ActivityPub too.
    """
    accept = request.headers.get("accept", "").lower()
    if any(media in accept for media in _AP_MEDIA_TYPES):
        return True
    return "application/json" in accept and "text/html" not in accept


def activity_json(
    document: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    merged = {"Vary": "Accept", **(headers or {})}
    return Response(orjson.dumps(document), status_code, merged, media_type=ACTIVITY_JSON)


def json_response(
    document: Any,
    status_code: int = 200,
    media_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(orjson.dumps(document), status_code, headers, media_type=media_type)


def json_error(message: str, status_code: int) -> Response:
    return json_response({"error": message}, status_code)
