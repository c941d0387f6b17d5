"""Atom feeds: a community's newest threads, and a thread's replies (public ones only)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import node as node_service
from fedcop.services import reading
from fedcop.web import addresses
from fedcop.web.render import render_xml

ATOM = "application/atom+xml; charset=utf-8"
FEED_SIZE = 30


def _feed(request: Request, title: str, page: str, entries: list[reading.PostView]) -> Response:
    base = request.app.state.config.base_url
    newest = max((e.post.updated or e.post.published for e in entries), default=None)
    body = render_xml(
        "feed.atom.xml",
        feed_id=base + request.url.path,
        title=title,
        page=page,
        base=base,
        updated=(newest or datetime.now(UTC)).isoformat(),
        entries=entries,
    )
    # An untitled thread's feed is named in the reader's language: caches keep one per language
    return Response(body, media_type=ATOM, headers={"Vary": "Accept-Language"})


async def community_feed(request: Request) -> Response:
    pool = request.app.state.pool
    local = await node_service.find_local_of_type(pool, request.path_params["name"], "Group")
    if local is None or local.private:
        return Response("no such community", 404, media_type="text/plain")
    threads = await reading.threads(pool, local.actor.id, None, FEED_SIZE)
    return _feed(request, local.actor.display_name, local.actor.uri, threads)


async def thread_feed(request: Request) -> Response:
    pool = request.app.state.pool
    found = await reading.post_by_id(pool, request.path_params["id"])
    if found is None or found.post.removed_at or not await reading.may_read(pool, found, None):
        return Response("no such thread", 404, media_type="text/plain")
    replies = [r for r in await reading.thread(pool, found.post.id) if not r.post.is_gone]
    page = request.app.state.config.base_url + addresses.thread_path(found.post)
    return _feed(request, found.post.title or _("Thread"), page, [found, *replies][-FEED_SIZE:])


routes = [
    Route("/c/{name}/feed.atom", community_feed),
    Route("/t/{id:id}/feed.atom", thread_feed),
]
