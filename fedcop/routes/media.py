"""Serving uploaded files: GET/HEAD /media/{token}/{name} (and /media/{token}/thumbnail.webp).

    unknown token, not ready -> 404
    config.media.public_url  -> 302 to public_url/KEY (a CDN in front of the bucket)
    else                     -> the bytes, streamed from the storage in 64 KiB chunks:
                                one Range honoured (206 + Content-Range; 416 past the end),
                                Accept-Ranges, long-lived Cache-Control (a key's bytes never
                                change: processing writes new keys), an ETag from the key

Every answer keeps the file inert: `X-Content-Type-Options: nosniff` (the type is the one read
from its bytes), `Content-Security-Policy: default-src 'none'; sandbox` (an uploaded HTML or SVG
file never runs, even opened directly), and anything but a picture is a download
(`Content-Disposition: attachment; filename*=UTF-8''...`). The name in the address is only
for people: the token alone chooses the file.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from fedcop.media.ranges import Unsatisfiable, requested_range
from fedcop.media.storage import MediaStorage
from fedcop.services.media.serving import ServedFile, served_file

FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Accept-Ranges": "bytes",
    # Files are public to whoever has their address: apps on other origins may fetch them.
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
}
_TEXT_TYPES = ("text/", "image/svg+xml")
log = logging.getLogger(__name__)


class TokenConvertor(Convertor[str]):
    """A media token (32 URL-safe characters as made; at least 16 as the schema demands), so
    that other paths under /media/ (the proxy's /media/proxy/...) never match this route."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("media_token", TokenConvertor())


def _not_found() -> Response:
    return PlainTextResponse(
        "There is no such file here (it was deleted, or is still being processed).",
        404,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


def _content_type(media_type: str) -> str:
    if media_type.startswith(_TEXT_TYPES):
        return f"{media_type}; charset=utf-8"
    return media_type


def _headers(served: ServedFile) -> dict[str, str]:
    headers = dict(FILE_HEADERS)
    headers["Content-Type"] = _content_type(served.media_type)
    headers["ETag"] = '"' + served.key.replace('"', "") + '"'
    # Pictures are shown in place; anything else is only ever saved, never opened here.
    disposition = "inline" if served.is_picture else "attachment"
    ascii_name = served.file_name.encode("ascii", "replace").decode().replace('"', "_")
    headers["Content-Disposition"] = (
        f'{disposition}; filename="{ascii_name.replace("?", "_")}"; '
        f"filename*=UTF-8''{quote(served.file_name, safe='')}"
    )
    return headers


async def serve_media(request: Request) -> Response:
    served = await served_file(
        request.app.state.pool, request.path_params["token"], request.path_params["name"]
    )
    if served is None:
        return _not_found()
    storage: MediaStorage = request.app.state.media_storage
    public_url = request.app.state.config.media.public_url
    if public_url:
        return RedirectResponse(
            f"{public_url}/{served.key}",
            302,
            headers={"Cache-Control": "public, max-age=86400"},
        )
    try:
        size = await storage.size(served.key)
    except OSError as error:
        # The storage is down or refusing (not the file missing): say so, and when to retry.
        log.warning("media storage unavailable serving %s: %s", served.key, error)
        return PlainTextResponse(
            "The file store cannot be reached just now; try again in a minute.",
            503,
            headers={"Retry-After": "60", "Cache-Control": "no-store"},
        )
    if size is None:
        return _not_found()
    headers = _headers(served)
    if_range = request.headers.get("if-range")
    range_header = request.headers.get("range")
    if if_range is not None and if_range != headers["ETag"]:
        range_header = None  # the client's copy is another file's: send it whole
    try:
        wanted = requested_range(range_header, size)
    except Unsatisfiable:
        headers = {**headers, "Content-Range": f"bytes */{size}", "Content-Length": "0"}
        headers.pop("Content-Type")
        return Response(b"", 416, headers=headers)
    status, start, end = 200, 0, size - 1
    if wanted is not None:
        status, start, end = 206, wanted.start, wanted.end
        headers["Content-Range"] = wanted.content_range(size)
    headers["Content-Length"] = str(end - start + 1)
    if request.method == "HEAD":
        return Response(b"", status, headers=headers)
    if size == 0:
        return Response(b"", status, headers=headers)
    return StreamingResponse(storage.read(served.key, start, end), status, headers=headers)


routes = [
    Route("/media/{token:media_token}/{name}", serve_media, methods=["GET", "HEAD"]),
]
