"""The knowledge base's Atom feed: its latest changes (a new page, an edit, a restore), newest
first, each linking to the diff it made. A members-only community's feed is its members'
(a reader signed in here; feed readers without a session get 404, as for its threads).

Its own words (the feed's title, "edited", "new page") are written in the reader's language,
as the pages are: a feed reader on someone's computer or phone asks in its person's language
(Accept-Language), and shows these titles among the rest of its interface, while a shared
aggregator that names no language gets English, as before. The response varies on
Accept-Language, so a cache never hands one reader's language to another; the pages' titles,
notes and text are the community's own words, in whatever language it writes (so the feed
names no xml:lang of its own).
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.services.knowledge import feed as kb_feed
from fedcop.services.knowledge.feed import FeedEntry
from fedcop.web.feeds import ATOM
from fedcop.web.render import render_xml
from fedcop.web.session import viewer


def entry_title(entry: FeedEntry) -> str:
    """What the change did to the page, in a whole sentence the reader's language can order."""
    version = entry.version
    if version.version == 1:
        return _("%(title)s: new page (version %(number)s)", title=version.title, number=1)
    if version.restored_from is not None:
        return _(
            "%(title)s: version %(restored)s restored (version %(number)s)",
            title=version.title,
            restored=version.restored_from,
            number=version.version,
        )
    return _("%(title)s: edited (version %(number)s)", title=version.title, number=version.version)


async def changes_feed(request: Request) -> Response:
    name = request.path_params["name"]
    current = await viewer(request)  # a member's own language, once known, from here on
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
        title=_("%(community)s: knowledge base", community=changes.community.display_name),
        page=f"{config.base_url}/c/{name}/kb",
        base=config.base_url,
        updated=(newest or datetime.now(UTC)).isoformat(),
        changes=changes,
        entry_titles=[entry_title(entry) for entry in changes.entries],
    )
    return Response(body, media_type=ATOM, headers={"Vary": "Accept-Language, Cookie"})
