"""A page's history (who changed what and when) and the difference between two versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.services.knowledge import access
from fedcop.services.knowledge.diff import Diff, line_diff
from fedcop.services.knowledge.pages import find_page, page_path
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version


@dataclass(frozen=True)
class Change:
    """One version in a page's history, with its editor."""

    version: Version
    editor: Actor


@dataclass(frozen=True)
class History:
    community: Actor
    page: Page
    path: str
    changes: list[Change]  # newest first
    may_edit: bool


async def _editors(conn: Any, versions: list[Version]) -> dict[int, Actor]:
    found = {}
    for actor_id in {v.editor_actor_id for v in versions}:
        actor = await actor_store.find_by_id(conn, actor_id)
        if actor is not None:
            found[actor_id] = actor
    return found


async def history(
    pool: Any, config: Config, community: str, slug: str, viewer_id: int | None
) -> History:
    async with pool.acquire() as conn, conn.transaction():
        group, page = await find_page(conn, config, community, slug, viewer_id)
        versions = await version_store.history(conn, page.id)
        editors = await _editors(conn, versions)
        return History(
            community=group,
            page=page,
            path=page_path(group, page.slug),
            changes=[Change(v, editors[v.editor_actor_id]) for v in versions],
            may_edit=await access.may_edit(conn, group, viewer_id),
        )


@dataclass(frozen=True)
class Comparison:
    community: Actor
    page: Page
    path: str
    old: Change
    new: Change
    diff: Diff  # of the Markdown, line by line

    @property
    def title_changed(self) -> bool:
        return self.old.version.title != self.new.version.title


async def compare(
    pool: Any,
    config: Config,
    community: str,
    slug: str,
    viewer_id: int | None,
    *,
    old: int,
    new: int,
) -> Comparison:
    """Any two versions of a page, in either order (`old` is shown as the removed side)."""
    async with pool.acquire() as conn:
        group, page = await find_page(conn, config, community, slug, viewer_id)
        older = await version_store.find(conn, page.id, old)
        newer = await version_store.find(conn, page.id, new)
        if older is None or newer is None:
            raise NotFound(_("this page has versions 1 to %(last)s", last=page.current_version))
        editors = await _editors(conn, [older, newer])
    return Comparison(
        community=group,
        page=page,
        path=page_path(group, page.slug),
        old=Change(older, editors[older.editor_actor_id]),
        new=Change(newer, editors[newer.editor_actor_id]),
        diff=line_diff(older.markdown, newer.markdown),
    )


async def version(
    pool: Any, config: Config, community: str, slug: str, viewer_id: int | None, number: int
) -> Change:
    """One old version of a page, as it was."""
    async with pool.acquire() as conn:
        _group, page = await find_page(conn, config, community, slug, viewer_id)
        found = await version_store.find(conn, page.id, number)
        if found is None:
            raise NotFound(_("this page has versions 1 to %(last)s", last=page.current_version))
        editors = await _editors(conn, [found])
    return Change(found, editors[found.editor_actor_id])
