"""What a person's outbox lists: the posts they wrote here that anyone may read (public and
unlisted; never members-only, deleted or removed ones), newest first, with their communities."""

from __future__ import annotations

from typing import Any

from fedcop.services.reading import PostView
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor


async def count(pool: Any, person: Actor) -> int:
    async with pool.acquire() as conn:
        return await post_store.count_public_posts_by(conn, person.id)


async def page(pool: Any, person: Actor, before_id: int | None, limit: int) -> list[PostView]:
    """Up to `limit` posts with ids below `before_id` (the newest when None)."""
    async with pool.acquire() as conn:
        found = await post_store.public_posts_by(conn, person.id, before_id=before_id, limit=limit)
        communities: dict[int, Actor] = {}
        for post in found:
            if post.community_id is not None and post.community_id not in communities:
                community = await actor_store.find_by_id(conn, post.community_id)
                assert community is not None  # posts.community_id references actors
                communities[post.community_id] = community
    return [
        PostView(
            post,
            person,
            communities[post.community_id] if post.community_id is not None else None,
        )
        for post in found
    ]
