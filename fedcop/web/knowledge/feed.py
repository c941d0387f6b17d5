"""The knowledge base's Atom feed: its latest changes (a new page, an edit, a restore), newest
first, each linking to the diff it made. A members-only community's feed is its members'
(a reader signed in here; feed readers without a session get 404, as for its threads)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from fedcop.services.errors import NotFound
from fedcop.services.knowledge import feed as kb_feed
from fedcop.web.feeds import ATOM
from fedcop.web.render import render_xml
from fedcop.web.session import viewer


async def changes_feed(request: Request) -> Response:
    name = request.path_params["name"]
    current = await viewer(request)
    config = request.app.state.config
    try:
        changes = await kb_feed.recent_changes(
            request.app.state.pool, config, name, current.user.actor.id if current.user else None
        )
    except NotFound:
        return Response("no such knowledge base", 404, media_type="text/plain")
    newest = max((entry.version.created_at for entry in changes.entries), default=None)
    body = render_xml(
        "knowledge/feed.atom.xml",
        feed_id=config.base_url + request.url.path,
        title=f"{changes.community.display_name}: knowledge base",
        page=f"{config.base_url}/c/{name}/kb",
        base=config.base_url,
        updated=(newest or datetime.now(UTC)).isoformat(),
        changes=changes,
    )
    return Response(body, media_type=ATOM)
