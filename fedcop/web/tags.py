"""/tags/{tag}: the public posts this node knows with a hashtag, newest first (the page hashtag
links in Mastodon apps open). Like Mastodon's tag timelines, it lists public posts only: a
members-only post is never listed, not even to members."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import status_views, timelines
from fedcop.store.timelines import Window
from fedcop.web.render import not_found, render
from fedcop.web.session import viewer

PAGE_SIZE = 30
MAX_TAG = 100


async def tag_page(request: Request) -> Response:
    tag = str(request.path_params["tag"]).strip().removeprefix("#").lower()
    if not tag or len(tag) > MAX_TAG or "\x00" in tag:
        return await not_found(request, _("There is no such hashtag."))
    before_text = request.query_params.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    pool = request.app.state.pool
    current = await viewer(request)
    found = await timelines.tagged(pool, current.user, tag, Window(before, None, PAGE_SIZE))
    shown = await status_views.views(pool, current.user.actor.id if current.user else None, found)
    older = found[-1].id if len(found) == PAGE_SIZE else None
    return await render(request, "tag.html", tag=tag, posts=shown, older=older)


routes = [Route("/tags/{tag}", tag_page, methods=["GET"])]
