"""What a 'page_changed' notification is about, for the web's notifications and the client
API: the page, the version the change made, its community, where to read it here. Only what
the reader may still read (a members-only community's pages are its members')."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.services.knowledge import access
from fedcop.services.knowledge.pages import page_path
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version


@dataclass(frozen=True)
class PageNotice:
    page: Page
    version: Version
    community: Actor
    path: str  # the page's address here


async def notices(
    pool: Any, changes: list[tuple[int, int]], reader_id: int
) -> dict[tuple[int, int], PageNotice]:
    """(page id, version) -> what the reader is told of it, for those they may read."""
    found: dict[tuple[int, int], PageNotice] = {}
    async with pool.acquire() as conn:
        for page_id, number in set(changes):
            page = await page_store.find(conn, page_id)
            version = await version_store.find(conn, page_id, number)
            if page is None or version is None:
                continue
            community = await actor_store.find_by_id(conn, page.community_actor_id)
            if community is None or not await access.may_read(conn, community, reader_id):
                continue
            found[(page_id, number)] = PageNotice(
                page, version, community, page_path(community, page.slug)
            )
    return found
