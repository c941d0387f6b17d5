"""Editing a page, and restoring an old version, without ever losing anyone's words.

An edit names the version its editor started from (`base_version`). When that is still the
page's current version the edit becomes the next version. When someone else changed the page
in between, nothing is saved: EditConflict hands back both texts (the editor's, and the current
one with who changed it) so that the editor merges them and sends again from the current
version. The page row is locked while this is decided, so of two edits of the same version
exactly one is taken and the other is told.

A restore is an ordinary new version whose text is an old one's (`restored_from` says which):
history only grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput, NotFound, ServiceError
from fedcop.services.knowledge import access, page_files
from fedcop.services.knowledge.commits import PageChange, checked_text, commit
from fedcop.services.knowledge.pages import find_page, local_person
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version


class EditConflict(ServiceError):
    """The page changed since the editor started from `base`: nothing was saved."""

    def __init__(
        self,
        *,
        page: Page,
        base: Version,
        current: Version,
        current_editor: Actor,
        title: str,
        markdown: str,
        note: str,
    ) -> None:
        self.page = page
        self.base = base  # the version the editor started from
        self.current = current  # the version the page has now
        self.current_editor = current_editor  # who made it
        # What the editor sent, kept so that nothing they wrote is lost.
        self.title = title
        self.markdown = markdown
        self.note = note
        super().__init__(
            _(
                "%(editor)s changed this page (version %(current)s) after you started editing "
                "version %(base)s: your text was not saved. Merge your changes into the current "
                "text and save again.",
                editor=current_editor.display_name or current_editor.username,
                current=current.version,
                base=base.version,
            )
        )


async def apply_edit(
    conn: asyncpg.Connection,
    config: Config,
    page: Page,
    community: Actor,
    editor: Actor,
    *,
    base_version: int,
    title: str,
    markdown: str,
    note: str = "",
    activity_uri: str | None = None,
    restored_from: int | None = None,
) -> PageChange:
    """`editor` (a person here or elsewhere) changes `page` of `community`, starting from
    `base_version` (`restored_from`: the text is that old version's, a restore sent from
    another node). Raises EditConflict when that is no longer the current version, NotAllowed
    or ClosedCommunity when they may not edit it."""
    await access.ensure_may_edit(conn, community, editor)
    title, markdown, note = checked_text(title, markdown, note)
    locked = await page_store.lock(conn, page.id)
    if locked is None:
        raise NotFound(_("there is no such page in this knowledge base"))
    if base_version != locked.current_version:
        base = await version_store.find(conn, locked.id, base_version)
        if base is None:
            raise InvalidInput(_("this page has no version %(number)s", number=base_version))
        current = await version_store.find(conn, locked.id, locked.current_version)
        assert current is not None
        current_editor = await actor_store.find_by_id(conn, current.editor_actor_id)
        assert current_editor is not None
        raise EditConflict(
            page=locked, base=base, current=current, current_editor=current_editor,
            title=title, markdown=markdown, note=note,
        )  # fmt: skip
    return await commit(
        conn, config, locked, community, editor, title=title, markdown=markdown, note=note,
        activity_uri=activity_uri, restored_from=restored_from,
    )  # fmt: skip


async def edit(
    pool: Any,
    config: Config,
    *,
    community: str,
    slug: str,
    by: str,
    base_version: int,
    title: str,
    markdown: str,
    note: str = "",
    media_ids: Sequence[int] | None = None,
) -> PageChange:
    """A user here edits a page (see apply_edit). `media_ids`: the files the page carries
    from now on (services.knowledge.page_files); None leaves them as they are."""
    async with pool.acquire() as conn, conn.transaction():
        editor = await local_person(conn, by)
        group, page = await find_page(conn, config, community, slug, editor.id)
        if not group.is_local:
            raise InvalidInput(
                _("a page of a community on another node is edited on that node: open it there")
            )
        if media_ids is not None:
            # Before the version is committed, so that its Update carries them; undone with
            # the edit if it is refused (a conflict, no right to edit).
            await page_files.set_files(conn, config, page.id, editor.id, media_ids)
        return await apply_edit(
            conn, config, page, group, editor, base_version=base_version, title=title,
            markdown=markdown, note=note,
        )  # fmt: skip


async def apply_restore(
    conn: asyncpg.Connection,
    config: Config,
    page: Page,
    community: Actor,
    editor: Actor,
    *,
    version: int,
    note: str = "",
) -> PageChange:
    """The page's text and title become those of its old `version`, as a new version."""
    await access.ensure_may_edit(conn, community, editor)
    locked = await page_store.lock(conn, page.id)
    if locked is None:
        raise NotFound(_("there is no such page in this knowledge base"))
    old = await version_store.find(conn, locked.id, version)
    if old is None:
        raise NotFound(_("this page has no version %(number)s", number=version))
    if version == locked.current_version:
        raise InvalidInput(
            _("version %(number)s is the current text: there is nothing to restore", number=version)
        )
    # Without a note of theirs, the history says what they did, in the restorer's language:
    # a note is its editor's words (the page's text stays the community's).
    return await commit(
        conn, config, locked, community, editor, title=old.title, markdown=old.markdown,
        note=note or _("Restored version %(number)s", number=version), restored_from=version,
    )  # fmt: skip


async def restore(
    pool: Any, config: Config, *, community: str, slug: str, by: str, version: int, note: str = ""
) -> PageChange:
    async with pool.acquire() as conn, conn.transaction():
        editor = await local_person(conn, by)
        group, page = await find_page(conn, config, community, slug, editor.id)
        if not group.is_local:
            raise InvalidInput(
                _("a page of a community on another node is restored on that node: open it there")
            )
        return await apply_restore(conn, config, page, group, editor, version=version, note=note)
