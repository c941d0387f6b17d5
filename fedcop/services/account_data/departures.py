"""An account on another server was deleted (its own `Delete` of itself, checked by the inbox
to be signed by it): as Mastodon and Lemmy do, its posts kept here are deleted (tombstones
stay, so replies to them keep their place) and its follows end, both ways."""

from __future__ import annotations

from typing import Any

from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.account_data import deletion as deletion_store


async def remote_account_deleted(pool: Any, actor_uri: str) -> bool:
    """Whether anything was kept here of the deleted remote account."""
    async with pool.acquire() as conn, conn.transaction():
        actor = await actor_store.find_by_uri(conn, actor_uri)
        if actor is None or actor.is_local:
            return False
        posts = await deletion_store.remote_posts_of(conn, actor_uri)
        for post_id in posts:
            await post_store.mark_deleted(conn, post_id)
        followed = await follow_store.remove_all_of(conn, actor.id)
    return followed or bool(posts)
