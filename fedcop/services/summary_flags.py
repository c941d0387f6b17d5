"""Which replies are facilitators' summaries: the one rule every path follows.

    written here      the writer facilitates the community (or, for a community here, is an
                      admin of this node): the reply is flagged before its Create is sent
    received          (a Create, an Update, or what a community announced, read from its
                      origin) the reply says `fedcop:facilitatorSummary: true` AND its author
                      facilitates the community as this node knows it (services.
                      remote_facilitators for a community elsewhere): flagged; otherwise an
                      ordinary reply (a member's reply that claims to be a summary is kept,
                      and shown, as what it is)

The flag lives on the reply's row, so a summary stays an ordinary post for everything else
(edits, deletion, moderation, search, the client API, turning it into a page).
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from fedcop.documents.summaries import says_summary
from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store import summaries as store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post

log = logging.getLogger(__name__)


async def may_summarise(conn: asyncpg.Connection, community: Actor, actor_id: int) -> bool:
    """Whether `actor_id` may write the summaries of the community's threads."""
    return await mod_store.is_facilitator(conn, community.id, actor_id) or (
        community.is_local and await mod_store.is_node_admin(conn, actor_id)
    )


async def flag_written(
    conn: asyncpg.Connection, writer: Actor, community: Actor, replies: list[Post]
) -> list[Post]:
    """Replies written here as summaries, flagged before their Create is sent (which then says
    so). Only a facilitator writes one, and only as a reply to the thread itself."""
    if not await may_summarise(conn, community, writer.id):
        raise InvalidInput(
            _(
                "only facilitators of %(community)s write the summaries of its threads",
                community=community.display_name,
            )
        )
    flagged = []
    for reply in replies:
        if reply.is_thread or reply.parent_id != reply.thread_id:
            raise InvalidInput(_("a summary answers the thread itself, not one of its replies"))
        await store.set_flag(conn, reply.id, True)
        found = await post_store.find(conn, reply.id)
        assert found is not None
        flagged.append(found)
    return flagged


async def apply_received(conn: asyncpg.Connection, post: Post, note: dict[str, Any]) -> Post:
    """A reply received, or its edit: flagged as a summary only if it says so and its author
    facilitates its community here; an edit that no longer says so unflags it."""
    if post.is_thread or post.community_id is None:
        return post
    flag = says_summary(note)
    if flag and not await mod_store.is_facilitator(conn, post.community_id, post.author_id):
        log.info("%s says it is a summary, but its author facilitates no community here", post.uri)
        flag = False
    if not await store.set_flag(conn, post.id, flag):
        return post
    found = await post_store.find(conn, post.id)
    assert found is not None
    return found
