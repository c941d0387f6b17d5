"""Copies of the pages of communities elsewhere that members here belong to.

    Announce{actor: Group, object: Create|Update{actor: Group, object: Article}}
      -> the Group has a member here; the activity is the Group's own, the Article on its
         host and attributed to it (documents.knowledge.read_page)
      -> version N newer than the copy's? kept as version N, with its editor; the copy shows
         it (a version already kept, or older, changes nothing: deliveries may repeat or
         cross); versions the copy missed in between are read from the page's history
         collection, at most a few pages of it
      -> people here who watch the page are told, as for a change here

The Markdown is rendered here (services.markdown), as for a page written here: the HTML that
came with it is not shown. The community's answer to an edit made here (an Accept or Reject,
services.knowledge.remote_edits) brings the page as it then is, and is kept the same way.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents import knowledge as wire
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import markdown as markdown_service
from fedcop.services import remote_actors
from fedcop.services.errors import Ignored, Refused
from fedcop.services.knowledge.commits import MAX_MARKDOWN, MAX_TITLE, checked_text
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import copies as copy_store
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import watches as watch_store
from fedcop.store.knowledge.pages import Page
from federation.fetch_errors import FetchError
from federation.vocab import first_type, id_of

log = logging.getLogger(__name__)

# Versions missed in between are read from the history collection: at most this many pages
# of it (20 versions a page), then the copy goes on with what it has.
MAX_HISTORY_PAGES = 5


def read(document: dict[str, Any], community: Actor) -> wire.ReceivedVersion:
    """The page a community sent, or Refused saying why fedcop will not keep it."""
    try:
        return wire.read_page(
            document, community.uri, max_markdown=MAX_MARKDOWN, max_title=MAX_TITLE
        )
    except wire.WireError as error:
        raise Refused(_("the page is refused: %(error)s", error=error)) from None


async def receive_announced(
    pool: Any, config: Config, network: Network, group: Actor, inner: dict[str, Any]
) -> bool:
    """A remote community announced a Create or Update of one of its pages. Refused when it
    is not the community's own page; False when the copy has that version already."""
    if id_of(inner.get("actor")) != group.uri:
        raise Refused(
            _(
                "%(community)s announced a page change by %(actor)s: a community's pages "
                "change only by its own Create or Update",
                community=group.uri,
                actor=id_of(inner.get("actor")),
            )
        )
    document = inner.get("object")
    if not isinstance(document, dict):
        raise Refused(_("a page's Create or Update carries the page"))
    received = read(document, group)
    async with pool.acquire() as conn:
        if not await follow_store.has_local_follower(conn, group.id):
            raise Ignored(f"nobody here is a member of {group.uri}, which announced the page")
    activity_uri = inner.get("id") if isinstance(inner.get("id"), str) else None
    return await keep(pool, config, network, group, received, activity_uri=activity_uri)


async def keep(
    pool: Any,
    config: Config,
    network: Network,
    community: Actor,
    received: wire.ReceivedVersion,
    *,
    activity_uri: str | None = None,
) -> bool:
    """Keep `received` (a version the community itself sent) in the copy of its page; fill in
    the versions missed in between from the page's history. False if it was kept already."""
    async with pool.acquire() as conn:
        page = await page_store.find_by_ap_id(conn, received.page_uri)
    if page is not None and page.community_actor_id != community.id:
        raise Refused(_("%(page)s is a page of another community here", page=received.page_uri))
    known = page.current_version if page is not None else 0
    number = received.version.number
    if number <= known:
        return False
    missed: list[wire.VersionFacts] = []
    if number > known + 1:
        missed = await _missed_versions(network, received, after=known)
    versions = [*missed, received.version]
    editors = {v.editor_uri: await _editor(pool, network, v.editor_uri) for v in versions}
    async with pool.acquire() as conn, conn.transaction():
        page = await _page_row(conn, community, received)
        locked = await page_store.lock(conn, page.id)
        assert locked is not None
        kept = False
        for version in versions:
            kept |= await _keep_version(
                conn,
                locked,
                version,
                editors[version.editor_uri],
                activity_uri if version is received.version else None,
            )
        if not kept:
            return False
        await copy_store.set_current(conn, locked.id, number, received.version.saved_at)
        await watch_store.tell_watchers(
            conn, locked.id, number, editors[received.version.editor_uri].id
        )
        return True


async def _page_row(
    conn: asyncpg.Connection, community: Actor, received: wire.ReceivedVersion
) -> Page:
    """The copy of the page, made now (at the received version) if there is none yet."""
    page = await page_store.find_by_ap_id(conn, received.page_uri)
    if page is not None:
        return page
    made = await page_store.insert(
        conn,
        community_actor_id=community.id,
        slug=received.slug,
        ap_id=received.page_uri,
        is_charter=received.slug == "charter",
    )
    if made is None:
        # Made a moment ago by another worker (the same page, arriving twice at once), or the
        # community has another page under that slug here.
        again = await page_store.find_by_ap_id(conn, received.page_uri)
        if again is not None and again.community_actor_id == community.id:
            return again
        raise Refused(
            _(
                "another page of %(community)s is kept here as %(slug)s",
                community=community.uri,
                slug=received.slug,
            )
        )
    return made  # its versions follow, in this transaction


async def _keep_version(
    conn: asyncpg.Connection,
    page: Page,
    version: wire.VersionFacts,
    editor: Actor,
    activity_uri: str | None,
) -> bool:
    title, markdown, note = checked_text(version.title, version.markdown, version.note)
    return await copy_store.insert_version(
        conn,
        page_id=page.id,
        version=version.number,
        title=title,
        markdown=markdown,
        html=markdown_service.render(markdown),
        editor_actor_id=editor.id,
        note=note,
        restored_from=version.restored_from,
        saved_at=version.saved_at,
        activity_uri=activity_uri,
    )


async def _editor(pool: Any, network: Network, uri: str) -> Actor:
    """The actor who wrote a version (fetched when unknown here)."""
    try:
        return await remote_actors.get_actor(pool, network, uri)
    except remote_actors.ActorError as error:
        raise Refused(
            _("the page's editor %(uri)s cannot be known: %(error)s", uri=uri, error=error)
        ) from None


async def _missed_versions(
    network: Network, received: wire.ReceivedVersion, *, after: int
) -> list[wire.VersionFacts]:
    """Versions after `after` and before the received one, read from the page's history
    collection on its community's host, oldest first. What cannot be read is left out (the
    copy's history then has a gap, and says nothing false)."""
    wanted = range(after + 1, received.version.number)
    found: dict[int, wire.VersionFacts] = {}
    url: str | None = f"{wire.history_uri(received.page_uri)}?page=true"
    for _page_number in range(MAX_HISTORY_PAGES):
        if url is None or not url.startswith(received.page_uri + "/history"):
            break
        try:
            document = await network.fetch(url)
        except FetchError as error:
            log.info("the history of %s could not be read: %s", received.page_uri, error)
            break
        items = document.get("orderedItems")
        if first_type(document) != "OrderedCollectionPage" or not isinstance(items, list):
            break
        lowest = None
        for item in items:
            if not isinstance(item, dict):
                continue
            try:
                version = wire.read_version_item(
                    item, received.page_uri, max_markdown=MAX_MARKDOWN, max_title=MAX_TITLE
                )
            except wire.WireError as error:
                log.info("a version of %s is not kept: %s", received.page_uri, error)
                continue
            lowest = version.number if lowest is None else min(lowest, version.number)
            if version.number in wanted:
                found[version.number] = version
        if lowest is None or lowest <= after + 1:
            break
        next_url = document.get("next")
        url = next_url if isinstance(next_url, str) else None
    return [found[number] for number in sorted(found)]


async def community_of(conn: asyncpg.Connection, page: Page) -> Actor:
    community = await actor_store.find_by_id(conn, page.community_actor_id)
    assert community is not None  # a page keeps its community (a foreign key)
    return community
