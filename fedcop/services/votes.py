"""Votes on posts: Like counts, Dislike is accepted and counted apart, Undo takes either back.

One vote per person per post: a new vote replaces the earlier one. Votes on a local community's
posts are relayed to its members' servers like everything else it accepts.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import lifecycle, notifications, outbox, relay
from fedcop.services.errors import InvalidInput, NotFound, Refused
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.vocab import first_type, id_of

KINDS = {"Like": "like", "Dislike": "dislike"}


async def vote(pool: Any, config: Config, *, voter: str, post_uri: str, kind: str = "Like") -> None:
    """A local user likes (or dislikes) a post."""
    if kind not in KINDS:
        raise InvalidInput(_("a vote is a Like or a Dislike"))
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, voter)
        post = await post_store.find_by_uri(conn, post_uri)
        if local is None or post is None or post.is_gone:
            raise NotFound(_("there is no post %(post_uri)s", post_uri=post_uri))
        community = await _community_of(conn, post)
        if community is not None:
            lifecycle.ensure_open(community)
        if community is None:
            # A followed person's post outside communities: the Like goes to its author alone.
            author = await _author_of(conn, post)
            activity = await outbox.publish(
                conn,
                config,
                local.actor,
                {"type": kind, "object": post.uri, "to": [author.uri]},
                [] if author.is_local else outbox.inbox_of(author),
            )
        else:
            activity = await outbox.publish(
                conn,
                config,
                local.actor,
                {
                    "type": kind,
                    "object": post.uri,
                    "audience": community.uri,
                    "to": [community.uri],
                },
                [] if community.is_local else outbox.inbox_of(community),
                members_of=outbox.readers(community),
            )
        if await post_store.set_vote(conn, post.id, local.actor.id, KINDS[kind], activity["id"]):
            if kind == "Like":
                await notifications.favourited(conn, post, local.actor.id)
            await _relay_if_local(conn, config, community, activity)


async def unvote(pool: Any, config: Config, *, voter: str, post_uri: str) -> bool:
    """A local user takes their vote back: Undo of the vote they cast."""
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, voter)
        post = await post_store.find_by_uri(conn, post_uri)
        if local is None or post is None:
            raise NotFound(_("there is no post %(post_uri)s", post_uri=post_uri))
        cast = await post_store.vote_by(conn, post.id, local.actor.id)
        if cast is None:
            return False
        activity_uri, kind = cast
        await post_store.remove_vote(conn, activity_uri, local.actor.id)
        community = await _community_of(conn, post)
        vote_activity = {
            "id": activity_uri,
            "type": "Like" if kind == "like" else "Dislike",
            "actor": local.actor.uri,
            "object": post.uri,
        }
        if community is None:
            author = await _author_of(conn, post)
            undo = await outbox.publish(
                conn,
                config,
                local.actor,
                {"type": "Undo", "object": vote_activity, "to": [author.uri]},
                [] if author.is_local else outbox.inbox_of(author),
            )
        else:
            undo = await outbox.publish(
                conn,
                config,
                local.actor,
                {"type": "Undo", "object": vote_activity, "audience": community.uri},
                [] if community.is_local else outbox.inbox_of(community),
                members_of=outbox.readers(community),
            )
        await _relay_if_local(conn, config, community, undo)
        return True


async def receive_vote(pool: Any, config: Config, activity: dict[str, Any], voter: Actor) -> bool:
    kind = KINDS.get(first_type(activity) or "")
    target = id_of(activity.get("object"))
    if kind is None or target is None:
        return False
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.find_by_uri(conn, target)
        if post is None or post.is_gone:
            return False
        if post.community_id is not None and await mod_store.is_banned(
            conn, post.community_id, voter.id
        ):
            raise Refused(_("%(voter)s is banned from this community", voter=voter.uri))
        community = await _community_of(conn, post)
        if community is not None and community.is_local and community.is_closed:
            raise Refused(lifecycle.closed_sentence(community))
        changed = await post_store.set_vote(conn, post.id, voter.id, kind, str(activity["id"]))
        if changed:
            if kind == "like":
                await notifications.favourited(conn, post, voter.id)
            await _relay_if_local(conn, config, await _community_of(conn, post), activity)
        return changed


async def receive_undo_vote(pool: Any, config: Config, undo: dict[str, Any], voter: Actor) -> bool:
    """A vote taken back: found by the id of the vote the Undo names, else by its meaning (the
    voter, Like or Dislike, the post), since Lemmy and PieFed send the Undo with a fresh id for
    the vote it withdraws. The handler checked that the voter is the actor of both."""
    inner = undo.get("object")
    vote_uri = id_of(inner)
    if vote_uri is None:
        return False
    async with pool.acquire() as conn, conn.transaction():
        found = await post_store.vote_of(conn, vote_uri)
        if found is None and isinstance(inner, dict):
            vote_uri, found = await _vote_by_meaning(conn, inner, voter)
        if found is None or found[1] != voter.id:
            return False
        await post_store.remove_vote(conn, vote_uri, voter.id)
        post = await post_store.find(conn, found[0])
        assert post is not None
        await _relay_if_local(conn, config, await _community_of(conn, post), undo)
        return True


async def _community_of(conn: asyncpg.Connection, post: Post) -> Actor | None:
    """The post's community; None for a followed person's post outside communities."""
    if post.community_id is None:
        return None
    community = await actor_store.find_by_id(conn, post.community_id)
    assert community is not None  # posts.community_id references actors
    return community


async def _author_of(conn: asyncpg.Connection, post: Post) -> Actor:
    author = await actor_store.find_by_id(conn, post.author_id)
    assert author is not None  # posts.author_id references actors
    return author


async def _vote_by_meaning(
    conn: asyncpg.Connection, vote: dict[str, Any], voter: Actor
) -> tuple[str, tuple[int, int, str] | None]:
    """(the stored vote's activity id, (post, voter, kind)) of `voter`'s vote of the kind `vote`
    is (Like, Dislike) on the post it names; (its own id, None) when there is none."""
    own_id = str(id_of(vote))
    kind = KINDS.get(first_type(vote) or "")
    target = id_of(vote.get("object"))
    if kind is None or target is None:
        return own_id, None
    post = await post_store.find_by_uri(conn, target)
    if post is None:
        return own_id, None
    cast = await post_store.vote_by(conn, post.id, voter.id)
    if cast is None or cast[1] != kind:
        return own_id, None
    return cast[0], (post.id, voter.id, kind)


async def _relay_if_local(
    conn: asyncpg.Connection, config: Config, community: Actor | None, activity: dict[str, Any]
) -> None:
    if community is not None and community.is_local:
        await relay.relay(conn, config, community, activity)
