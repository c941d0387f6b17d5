"""A user mutes a conversation: from then on nothing in that thread notifies them (replies,
mentions, favourites, boosts), as Mastodon's muted conversations. The thread is still shown;
`muted` in its statuses says so. Notifications already received stay.

The check itself is where notifications are made (store.notifications), inside the transaction
of the event, so a muted thread costs one index lookup per notification and no network.
"""

from __future__ import annotations

from typing import Any

from fedcop.services.statuses import visible
from fedcop.store import muted_conversations as store
from fedcop.store.posts import Post
from fedcop.store.users import User


def conversation_id(post: Post) -> int:
    """A conversation is a thread: its first post's id."""
    return post.thread_id if post.thread_id is not None else post.id


async def mute(pool: Any, user: User, post_id: int, *, muted: bool) -> Post:
    """Mute (or unmute) the conversation of a post the user may read; the post."""
    post = await visible(pool, user, post_id)
    async with pool.acquire() as conn:
        if muted:
            await store.mute(conn, user.actor.id, conversation_id(post))
        else:
            await store.unmute(conn, user.actor.id, conversation_id(post))
    return post
