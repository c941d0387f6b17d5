"""`GET /media/proxy/{token}`: a picture from elsewhere, through this node's media proxy.

The answer is the picture's bytes with the type sniffed from them, `nosniff` and a sandboxing
policy (nothing served here ever runs, whatever it is), and a day's Cache-Control; a token no
post shown here names is 404, a picture its server would not give (or that is no picture)
is 502, each with a sentence, never a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from fedcop.media.proxy_cache import ProxyCache
from fedcop.services.media.proxy import MediaProxy, ProxyRefusal

CHUNK_BYTES = 64 * 1024
PICTURE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=86400",
    "Content-Disposition": "inline",
    # Web apps on other origins show these pictures (the client API names the proxy).
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
}
REFUSAL_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def media_proxy_of(request: Request) -> MediaProxy:
    """The process's one proxy (its fetches in flight are shared by every request)."""
    state = request.app.state
    proxy: MediaProxy | None = getattr(state, "media_proxy", None)
    if proxy is None:
        config = state.config
        cache = ProxyCache(
            config.data_dir / "media-proxy",
            max_bytes=config.media.proxy_cache_bytes,
            max_age_seconds=config.media.proxy_cache_days * 86400.0,
        )
        proxy = MediaProxy(state.pool, state.network, cache, max_bytes=config.media.proxy_max_bytes)
        state.media_proxy = proxy
    return proxy


async def proxied_picture(request: Request) -> Response:
    try:
        handle, picture = await media_proxy_of(request).picture(request.path_params["token"])
    except ProxyRefusal as refusal:
        return PlainTextResponse(str(refusal), status_code=refusal.status, headers=REFUSAL_HEADERS)
    headers = {**PICTURE_HEADERS, "Content-Length": str(picture.size)}
    if request.method == "HEAD":
        handle.close()
        return Response(media_type=picture.media_type, headers=headers)
    return StreamingResponse(_chunks(handle), media_type=picture.media_type, headers=headers)


async def _chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()


routes = [Route("/media/proxy/{token}", proxied_picture, methods=["GET", "HEAD"])]
