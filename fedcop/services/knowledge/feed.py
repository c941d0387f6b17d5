"""A community's knowledge base's recent changes, for its Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.services.knowledge import access
from fedcop.services.knowledge.pages import page_path
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version

FEED_SIZE = 30


@dataclass(frozen=True)
class FeedEntry:
    page: Page
    version: Version
    editor: Actor
    path: str  # the page's address here

    @property
    def entry_id(self) -> str:
        """Stable per version: the page's id and the version's number."""
        return f"{self.page.ap_id}/v/{self.version.version}"


@dataclass(frozen=True)
class RecentChanges:
    community: Actor
    entries: list[FeedEntry]


async def recent_changes(
    pool: Any, config: Config, community: str, viewer_id: int | None
) -> RecentChanges:
    async with pool.acquire() as conn:
        group = await access.community_named(conn, community)
        await access.ensure_may_read(conn, group, viewer_id)
        versions = await version_store.recent_in_community(conn, group.id, FEED_SIZE)
        entries = []
        for version in versions:
            page = await page_store.find(conn, version.page_id)
            editor = await actor_store.find_by_id(conn, version.editor_actor_id)
            if page is not None and editor is not None:
                entries.append(FeedEntry(page, version, editor, page_path(group, page.slug)))
    return RecentChanges(group, entries)
