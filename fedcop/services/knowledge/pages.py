"""Writing a new page, and reading a community's knowledge base: its index (the charter
first) and a page as people see it (its editors, its last change, whether they watch it).

The charter page. A community's charter is its first page: its purpose (the Group's summary)
and how it works together (`communities.charter`), both kept as HTML by the Facilitate page.
It is made when the knowledge base of a community here is first opened (its index or the
charter's address), from what the community says then, as a first version by the community
itself; from then on it is a page like the others, edited and versioned, and a purpose or
charter saved again on the Facilitate page becomes its next version. It is made on first
visit rather than by the migration because only HTML is kept of those two texts: turning it
back into Markdown (services.html_markdown) is Python's job, and communities made later get
theirs the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.html_markdown import to_markdown
from fedcop.services.knowledge import access, page_files, slugs
from fedcop.services.knowledge.commits import PageChange, checked_text, commit
from fedcop.store import actors as actor_store
from fedcop.store import facilitation as fac_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import settings as settings_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge import watches as watch_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version
from fedcop.store.media import Media
from fedcop.urls import Urls

CHARTER_TITLE = "Charter"


def page_path(community: Actor, slug: str) -> str:
    """The page's address on this node's web (a copy of a page elsewhere included)."""
    return f"/c/{access.handle_of(community)}/kb/{slug}"


def local_page_id(config: Config, community: Actor, slug: str) -> str:
    """The ActivityPub id of a page of a community here."""
    return f"{Urls(config).community(community.username)}/kb/{slug}"


# -- writing ----------------------------------------------------------------------------------


async def create_in(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    editor: Actor,
    *,
    title: str,
    markdown: str,
    note: str = "",
    from_post_id: int | None = None,
    media_ids: Sequence[int] = (),
) -> PageChange:
    """A new page of a community here, written by `editor` (a person here or elsewhere) after
    the permission check; its slug is made from the title. `media_ids`: the editor's uploads
    it carries (services.knowledge.page_files)."""
    if not community.is_local:
        raise InvalidInput(
            _(
                "a page of a community on another node is written on that node: open its "
                "knowledge base there"
            )
        )
    await access.ensure_may_edit(conn, community, editor)
    title, markdown, note = checked_text(title, markdown, note)
    slug = await slugs.free_slug(conn, community.id, title)
    page = await page_store.insert(
        conn,
        community_actor_id=community.id,
        slug=slug,
        ap_id=local_page_id(config, community, slug),
        from_post_id=from_post_id,
    )
    if page is None:  # another page took the slug a moment ago: the writer tries again
        raise InvalidInput(_("a page with that title was just written: send it again"))
    if media_ids:
        await page_files.set_files(conn, config, page.id, editor.id, media_ids)
    return await commit(
        conn, config, page, community, editor, title=title, markdown=markdown, note=note,
        first=True,
    )  # fmt: skip


async def create(
    pool: Any,
    config: Config,
    *,
    community: str,
    by: str,
    title: str,
    markdown: str,
    note: str = "",
    media_ids: Sequence[int] = (),
) -> PageChange:
    """A user here writes a new page in the knowledge base of the community `community`."""
    async with pool.acquire() as conn, conn.transaction():
        group = await access.community_named(conn, community)
        editor = await local_person(conn, by)
        return await create_in(
            conn, config, group, editor, title=title, markdown=markdown, note=note,
            media_ids=media_ids,
        )  # fmt: skip


async def local_person(conn: asyncpg.Connection, name: str) -> Actor:
    local = await actor_store.find_local(conn, name)
    if local is None or local.actor.actor_type != "Person":
        raise NotFound(_("there is no user %(name)s on this node", name=repr(name)))
    return local.actor


async def ensure_charter(conn: asyncpg.Connection, config: Config, community: Actor) -> None:
    """Make the charter page of a community here if it has none yet (see the module's note)."""
    if not community.is_local or await page_store.charter_of(conn, community.id) is not None:
        return
    page = await page_store.insert(
        conn,
        community_actor_id=community.id,
        slug=slugs.CHARTER,
        ap_id=local_page_id(config, community, slugs.CHARTER),
        is_charter=True,
    )
    if page is None:  # made by a concurrent visit
        return
    await commit(
        conn, config, page, community, community, title=CHARTER_TITLE,
        markdown=charter_markdown(community.summary, await fac_store.charter(conn, community.id)),
        note="The community's purpose and charter, from its settings", first=True,
    )  # fmt: skip


async def charter_settings_changed(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    editor: Actor,
    *,
    purpose_html: str,
    charter_html: str,
) -> PageChange | None:
    """A facilitator saved a new purpose or charter on the Facilitate page: the charter page,
    once made, takes them as its next version (by that facilitator; the earlier text stays in
    its history). None when it is not made yet: it will be, from these."""
    page = await page_store.charter_of(conn, community.id)
    locked = await page_store.lock(conn, page.id) if page is not None else None
    if locked is None:
        return None
    current = await version_store.find(conn, locked.id, locked.current_version)
    assert current is not None
    markdown = charter_markdown(purpose_html, charter_html)
    if markdown == current.markdown:
        return None
    return await commit(
        conn, config, locked, community, editor, title=current.title, markdown=markdown,
        note="The purpose and charter, as saved in the community's settings",
    )  # fmt: skip


def charter_markdown(purpose_html: str, charter_html: str) -> str:
    parts = []
    if purpose := to_markdown(purpose_html).strip():
        parts.append(f"## Purpose\n\n{purpose}")
    if charter := to_markdown(charter_html).strip():
        parts.append(f"## How we work together\n\n{charter}")
    return "\n\n".join(parts) or "## Purpose\n\nWhat this community is for, and how it works."


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageCard:
    """A page in the knowledge base's index."""

    page: Page
    current: Version
    path: str


@dataclass(frozen=True)
class KnowledgeBase:
    community: Actor
    handle: str  # what follows /c/ in its addresses
    pages: list[PageCard]  # the charter first
    may_edit: bool
    editors_setting: str  # 'members' or 'facilitators'


async def index(pool: Any, config: Config, community: str, viewer_id: int | None) -> KnowledgeBase:
    async with pool.acquire() as conn, conn.transaction():
        group = await access.community_named(conn, community)
        await access.ensure_may_read(conn, group, viewer_id)
        await ensure_charter(conn, config, group)
        pages = await page_store.of_community(conn, group.id)
        current = await version_store.current_of(conn, [page.id for page in pages])
        return KnowledgeBase(
            community=group,
            handle=access.handle_of(group),
            pages=[PageCard(p, current[p.id], page_path(group, p.slug)) for p in pages],
            may_edit=await access.may_edit(conn, group, viewer_id),
            editors_setting=await settings_store.editors(conn, group.id),
        )


@dataclass(frozen=True)
class PageView:
    community: Actor
    page: Page
    current: Version
    # Who changed it, most recent first (the last change's editor first).
    editors: list[Actor]
    last_editor: Actor
    path: str
    may_edit: bool
    watching: bool
    # The files it carries (services.knowledge.page_files), and their stored entries (the
    # shape of fedcop/media/__init__.py), which the page shows as a post's.
    files: list[Media] = field(default_factory=list)
    file_entries: list[dict[str, Any]] = field(default_factory=list)


async def find_page(
    conn: asyncpg.Connection, config: Config, community: str, slug: str, viewer_id: int | None
) -> tuple[Actor, Page]:
    """The page `slug` of the community `community` (here or `name@domain`), if the viewer may
    read it; NotFound otherwise, the same answer as for a page that does not exist."""
    group = await access.community_named(conn, community)
    await access.ensure_may_read(conn, group, viewer_id)
    if slug == slugs.CHARTER:
        await ensure_charter(conn, config, group)
    page = await page_store.find_by_slug(conn, group.id, slug)
    if page is None:
        raise NotFound(_("there is no such page in this knowledge base"))
    return group, page


async def view(
    pool: Any, config: Config, community: str, slug: str, viewer_id: int | None
) -> PageView:
    async with pool.acquire() as conn, conn.transaction():
        group, page = await find_page(conn, config, community, slug, viewer_id)
        current = await version_store.find(conn, page.id, page.current_version)
        assert current is not None
        files = await page_files.files_of(conn, page.id)
        editors = [
            actor
            for actor in [
                await actor_store.find_by_id(conn, actor_id)
                for actor_id in await version_store.editors(conn, page.id)
            ]
            if actor is not None
        ]
        return PageView(
            community=group,
            page=page,
            current=current,
            editors=editors,
            last_editor=editors[0],
            path=page_path(group, page.slug),
            may_edit=await access.may_edit(conn, group, viewer_id),
            watching=viewer_id is not None
            and await watch_store.is_watching(conn, page.id, viewer_id),
            files=files,
            file_entries=page_files.entries(config, files),
        )
