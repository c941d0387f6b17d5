"""A person pins their own posts on their profile, as on Mastodon (at most MAX_PINS).

    pin     own, public or unlisted post -> profile_pins row; Add{object: post, target: the
            person's featured collection} to their followers' servers
    unpin   -> row removed; Remove{...} to the same servers

Not a community's pinned threads: facilitators pin those (services.moderation), and they show
as the community's `featured` collection and as its account's pinned statuses. A person's pins
are theirs alone: they show on their profile (`GET /api/v1/accounts/:id/statuses?pinned=true`,
`featured` of their actor document).
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.documents.context import PUBLIC
from fedcop.services import outbox
from fedcop.services.errors import InvalidInput
from fedcop.services.statuses import visible
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import profile_pins as store
from fedcop.store.posts import Post
from fedcop.store.users import User
from fedcop.urls import Urls

MAX_PINS = 5  # Mastodon's limit, which apps read as max_pinned_statuses
NOT_OWN = "Validation failed: Someone else's post cannot be pinned"
NOT_PUBLIC = "Validation failed: Non-public toot cannot be pinned"
TOO_MANY = "Validation failed: You have already pinned the maximum number of posts"


async def pin(pool: Any, config: Config, user: User, post_id: int) -> Post:
    """Pin one of the user's own posts that anyone may read; pinning it again changes nothing."""
    post = await visible(pool, user, post_id)
    if post.author_id != user.actor.id:
        raise InvalidInput(NOT_OWN)
    async with pool.acquire() as conn, conn.transaction():
        # (A reply to a followed person's post, in no community, is not pinned here.)
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post.community_id is not None
            else None
        )
        if post.visibility == "followers" or community is None or community.members_only:
            raise InvalidInput(NOT_PUBLIC)
        await store.lock_pins_of(conn, user.actor.id)
        if await store.is_pinned(conn, user.actor.id, post.id):
            return post
        if await store.count(conn, user.actor.id) >= MAX_PINS:
            raise InvalidInput(TOO_MANY)
        await store.pin(conn, user.actor.id, post.id)
        await _tell_followers(conn, config, user, "Add", post)
    return post


async def unpin(pool: Any, config: Config, user: User, post_id: int) -> Post:
    """Take a post off the user's profile (nothing happens if it was not pinned)."""
    post = await visible(pool, user, post_id)
    async with pool.acquire() as conn, conn.transaction():
        if await store.unpin(conn, user.actor.id, post.id):
            await _tell_followers(conn, config, user, "Remove", post)
    return post


async def pinned_uris(pool: Any, actor_id: int) -> list[str]:
    """The `featured` collection of a person here."""
    async with pool.acquire() as conn:
        return await store.pinned_uris(conn, actor_id)


async def _tell_followers(conn: Any, config: Config, user: User, kind: str, post: Post) -> None:
    """Add or Remove the post to the person's `featured` collection, as Mastodon sends it."""
    actor = user.actor
    await outbox.publish(
        conn,
        config,
        actor,
        {
            "type": kind,
            "object": post.uri,
            "target": Urls(config).collection(actor.uri, "featured"),
            "to": [PUBLIC],
            "cc": [actor.followers_url or f"{actor.uri}/followers"],
        },
        await follow_store.follower_inboxes(conn, actor.id),
    )
