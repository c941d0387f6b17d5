"""A new version of a page, however it came (written here, restored, made from a post, or an
edit received from a member elsewhere): the one place every change goes through.

    commit(conn, ...)  -> kb_versions row N+1, kb_pages.current_version = N+1
                       -> the editor (a user here) watches the page from now on
                       -> every other watcher who may read it is told ('page_changed')
                       -> page_committed(conn, config, change)   the federation's hook

It runs inside the caller's transaction, which has locked the page (store.knowledge.pages.lock)
or just created it, so version numbers never collide and nothing waits on the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import markdown as markdown_service
from fedcop.services.errors import InvalidInput
from fedcop.services.knowledge import federation
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge import watches as watch_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version

MAX_TITLE = 200
MAX_MARKDOWN = 100_000
MAX_NOTE = 500


@dataclass(frozen=True)
class PageChange:
    """A version just committed, with what a listener needs to act on it."""

    page: Page  # as it is now (current_version == version.version)
    version: Version
    community: Actor
    editor: Actor
    # True for the page's first version (a new page), False for an edit or a restore.
    created: bool

    @property
    def restored(self) -> bool:
        return self.version.restored_from is not None


def checked_text(title: str, markdown: str, note: str) -> tuple[str, str, str]:
    """The title, Markdown and note as kept (line ends as LF), or InvalidInput saying what to
    change."""
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(_("a page needs a title of 1 to %(most)s characters", most=MAX_TITLE))
    markdown = markdown.replace("\r\n", "\n").replace("\r", "\n")
    if len(markdown) > MAX_MARKDOWN:
        raise InvalidInput(
            _("a page has at most %(most)s characters: split it in two", most=MAX_MARKDOWN)
        )
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("the note on a change has at most %(most)s characters", most=MAX_NOTE))
    return title, markdown, note


async def commit(
    conn: asyncpg.Connection,
    config: Config,
    page: Page,
    community: Actor,
    editor: Actor,
    *,
    title: str,
    markdown: str,
    note: str = "",
    restored_from: int | None = None,
    activity_uri: str | None = None,
    first: bool = False,
) -> PageChange:
    """Write the page's next version (its first when `first`: the page row was just made at
    version 1). The text is checked here; who may do it is the caller's to check."""
    title, markdown, note = checked_text(title, markdown, note)
    number = 1 if first else page.current_version + 1
    version = await version_store.insert(
        conn,
        page_id=page.id,
        version=number,
        title=title,
        markdown=markdown,
        html=markdown_service.render(markdown),
        editor_actor_id=editor.id,
        note=note,
        restored_from=restored_from,
        activity_uri=activity_uri,
    )
    if not first:
        await page_store.set_current(conn, page.id, number)
    now = await page_store.find(conn, page.id)
    assert now is not None
    await watch_store.add(conn, page.id, editor.id)  # a no-op unless the editor is a user here
    await watch_store.tell_watchers(conn, page.id, number, editor.id)
    change = PageChange(now, version, community, editor, created=first)
    await page_committed(conn, config, change)
    return change


async def page_committed(conn: asyncpg.Connection, config: Config, change: PageChange) -> None:
    """Called in the transaction of every version committed here, after it is stored and the
    watchers are told. The federation of pages sends from here: for a page of a community
    here, the community's Create (first version) or Update of the Article to its members'
    servers, and the post that Mastodon followers see (services.knowledge.federation)."""
    await federation.announce_version(conn, config, change.page, change.version, change.community)
