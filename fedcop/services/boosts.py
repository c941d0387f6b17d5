"""Boosts: a person shares a post with their followers (Announce of the post's id).

boost here    -> Announce{object: post id} from the person, to their followers' servers, the
                 post's author and its community (when they live elsewhere); author told
unboost here  -> Undo(Announce) to the same servers
Announce in   -> from a person (a community's Announce is a relay: handlers.posts): recorded if
                 we keep the post; its author told
Undo in       -> the boost is forgotten
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.context import PUBLIC
from fedcop.i18n.current import _
from fedcop.services import lifecycle, notifications, outbox
from fedcop.services.errors import InvalidInput, NotFound, Refused
from fedcop.services.statuses import visible
from fedcop.store import actors as actor_store
from fedcop.store import boosts as store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.boosts import Boost
from fedcop.store.posts import Post
from fedcop.store.users import User
from federation.vocab import id_of


async def boost(pool: Any, config: Config, user: User, post_id: int) -> tuple[Boost, Post]:
    """A local user boosts a post they may read; boosting twice keeps the first boost."""
    post = await visible(pool, user, post_id)
    async with pool.acquire() as conn, conn.transaction():
        author, community = await _author_and_community(conn, post)
        # A boost is public: it would publish a members-only post (whatever its own visibility
        # says, a private community's posts are its members').
        if post.visibility in ("followers", "direct") or (
            community is not None and community.members_only
        ):
            raise InvalidInput(_("Posts for members only cannot be boosted"))
        if community is not None:
            # A Closed community's posts are archived: read, linked to, never put about again.
            lifecycle.ensure_open(community)
        existing = await store.find(conn, user.actor.id, post.id)
        if existing is not None:
            return existing, post
        announce = await outbox.publish(
            conn,
            config,
            user.actor,
            {
                "type": "Announce",
                "object": post.uri,
                "to": [PUBLIC],
                "cc": _boost_cc(user.actor, author, community),
            },
            await _inboxes(conn, user.actor, author, community),
        )
        made = await store.add(conn, user.actor.id, post.id, str(announce["id"]))
        assert made is not None
        await notifications.reblogged(conn, post, user.actor.id)
        return made, post


async def unboost(pool: Any, config: Config, user: User, post_id: int) -> Post:
    """A local user takes their boost back (nothing happens if there was none)."""
    post = await visible(pool, user, post_id)
    async with pool.acquire() as conn, conn.transaction():
        existing = await store.find(conn, user.actor.id, post.id)
        if existing is None:
            return post
        author, community = await _author_and_community(conn, post)
        announce = {
            "id": existing.activity_uri,
            "type": "Announce",
            "actor": user.actor.uri,
            "object": post.uri,
        }
        await outbox.publish(
            conn,
            config,
            user.actor,
            {
                "type": "Undo",
                "object": announce,
                "to": [PUBLIC],
                "cc": _boost_cc(user.actor, author, community),
            },
            await _inboxes(conn, user.actor, author, community),
        )
        await store.remove(conn, existing.id)
        return post


def _followers(actor: Actor) -> str:
    return actor.followers_url or f"{actor.uri}/followers"


async def _author_and_community(conn: asyncpg.Connection, post: Post) -> tuple[Actor, Actor | None]:
    """The post's author and community (None for a followed person's post outside them)."""
    author = await actor_store.find_by_id(conn, post.author_id)
    if author is None:
        raise NotFound(_("Record not found"))
    if post.community_id is None:
        return author, None
    community = await actor_store.find_by_id(conn, post.community_id)
    if community is None:
        raise NotFound(_("Record not found"))
    return author, community


def _boost_cc(booster: Actor, author: Actor, community: Actor | None) -> list[str]:
    cc = [_followers(booster), author.uri]
    return cc if community is None else [*cc, community.uri]


async def _inboxes(
    conn: asyncpg.Connection, booster: Actor, author: Actor, community: Actor | None
) -> list[str]:
    """The booster's followers' servers, and the author's and community's when elsewhere."""
    inboxes = await follow_store.follower_inboxes(conn, booster.id)
    for actor in (author, community):
        if actor is not None and not actor.is_local:
            inboxes += outbox.inbox_of(actor)
    return list(dict.fromkeys(inboxes))


# -- arriving from other servers -------------------------------------------------------------


async def receive_announce(pool: Any, booster: Actor, announce: dict[str, Any]) -> bool:
    """A person elsewhere boosted a post; recorded if we keep it."""
    target = id_of(announce.get("object"))
    activity_id = announce.get("id")
    if target is None or not isinstance(activity_id, str):
        return False
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.find_by_uri(conn, target)
        if post is None or post.is_gone or post.visibility in ("followers", "direct"):
            return False
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post.community_id is not None
            else None
        )
        if community is not None and community.is_local and community.is_closed:
            raise Refused(lifecycle.closed_sentence(community))
        if await store.add(conn, booster.id, post.id, activity_id) is None:
            return False
        await notifications.reblogged(conn, post, booster.id)
        return True


async def receive_undo(pool: Any, booster: Actor, undo: dict[str, Any]) -> bool:
    """A boost taken back: found by the id of the Announce the Undo names, else by its meaning
    (the booster and the post), when the Undo carries the Announce with another id. The
    handler checked that the booster is the actor of both."""
    inner = undo.get("object")
    announce_id = id_of(inner)
    if announce_id is None:
        return False
    async with pool.acquire() as conn, conn.transaction():
        if await store.remove_by_activity(conn, announce_id, booster.id):
            return True
        target = id_of(inner.get("object")) if isinstance(inner, dict) else None
        post = await post_store.find_by_uri(conn, target) if target is not None else None
        boost = await store.find(conn, booster.id, post.id) if post is not None else None
        if boost is None:
            return False
        await store.remove(conn, boost.id)
        return True
