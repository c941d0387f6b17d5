"""Who may read and who may edit a community's knowledge base.

Reading follows the community's threads: a members-only community's pages are its members'
and facilitators' (others get "no such page"). Editing: facilitators always (and this node's
admins for communities here); members too when the community's setting is 'members' (the
default), nobody else. A Closed community (services.lifecycle) is an archive: its pages stay
readable and take no edits. A banned member edits nothing.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound, ServiceError
from fedcop.services.lifecycle import ensure_open
from fedcop.store import actors as actor_store
from fedcop.store import browsing as browse_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import settings as settings_store

EDITORS = settings_store.EDITORS


class NotAllowed(ServiceError):
    """The person may not write or edit this community's pages."""


async def community_named(conn: asyncpg.Connection, name: str) -> Actor:
    """The community of a knowledge base's address: `name` here, or `name@domain` elsewhere
    (as this node knows it)."""
    if "@" in name:
        username, _at, domain = name.partition("@")
        uri = await browse_store.remote_actor_uri(conn, username, domain, "Group")
        community = await actor_store.find_by_uri(conn, uri) if uri else None
    else:
        local = await actor_store.find_local(conn, name)
        community = local.actor if local else None
    if community is None or community.actor_type != "Group":
        raise NotFound(_("there is no community %(name)s here", name=repr(name)))
    return community


def handle_of(community: Actor) -> str:
    """What follows /c/ in the addresses of the community's pages here."""
    return community.username if community.is_local else f"{community.username}@{community.domain}"


async def is_facilitator(conn: asyncpg.Connection, community: Actor, actor_id: int) -> bool:
    if await mod_store.is_facilitator(conn, community.id, actor_id):
        return True
    return community.is_local and await mod_store.is_node_admin(conn, actor_id)


async def is_member(conn: asyncpg.Connection, community: Actor, actor_id: int) -> bool:
    return await follow_store.is_accepted_follower(conn, actor_id, community.id)


async def may_read(conn: asyncpg.Connection, community: Actor, viewer_id: int | None) -> bool:
    if not community.members_only:
        return True
    if viewer_id is None:
        return False
    return await is_member(conn, community, viewer_id) or await is_facilitator(
        conn, community, viewer_id
    )


async def ensure_may_read(
    conn: asyncpg.Connection, community: Actor, viewer_id: int | None
) -> None:
    """Refuse, as if nothing were there, a reader who may not read the pages."""
    if not await may_read(conn, community, viewer_id):
        raise NotFound(_("there is no community %(name)s here", name=repr(handle_of(community))))


async def ensure_may_edit(conn: asyncpg.Connection, community: Actor, editor: Actor) -> None:
    """Refuse an edit (or a new page) by `editor`, a person here or elsewhere, with a sentence
    that says why."""
    ensure_open(community)
    if await mod_store.is_banned(conn, community.id, editor.id):
        raise NotAllowed(_("you are banned from %(community)s", community=community.display_name))
    if await is_facilitator(conn, community, editor.id):
        return
    if await settings_store.editors(conn, community.id) == "facilitators":
        raise NotAllowed(
            _(
                "only the facilitators of %(community)s write and edit its pages",
                community=community.display_name,
            )
        )
    if not await is_member(conn, community, editor.id):
        raise NotAllowed(
            _("join %(community)s to write and edit its pages", community=community.display_name)
        )


async def may_edit(conn: asyncpg.Connection, community: Actor, editor_id: int | None) -> bool:
    """Whether pages offer the viewer their Edit and New page buttons."""
    if editor_id is None:
        return False
    editor = await actor_store.find_by_id(conn, editor_id)
    if editor is None:
        return False
    try:
        await ensure_may_edit(conn, community, editor)
    except ServiceError:
        return False
    return True


async def editors_setting(pool: Any, name: str) -> str:
    """'members' or 'facilitators': who may edit the pages of the community `name` here."""
    async with pool.acquire() as conn:
        community = await community_named(conn, name)
        return await settings_store.editors(conn, community.id)
