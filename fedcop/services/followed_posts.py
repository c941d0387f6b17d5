"""Posts of people that members here follow, kept outside any community.

A person's Create that no community here takes (services.posts tries that first) is kept when:

    public or unlisted?                           no  -> ignored: followers-only and direct
                                                         posts of a person are not kept
    answers a post kept outside communities?      yes -> kept, threaded under it (any author:
                                                         the conversation stays whole)
    addressed to a community elsewhere that
    members here belong to?                       yes -> ignored: the community announces it
                                                         (FEP-1b12), and it is kept there
    someone here follows (or asked to follow)
    the author, or it names a person here
    (to / cc / a Mention)?                        yes -> kept, a thread of its own (a person
                                                         named is notified, as on Mastodon)
    else                                              -> ignored: for nobody here

Such a post has no community (posts.community_id is NULL): it is readable by its visibility
alone, so it is shown to anyone, as the author's server shows it. That is why followers-only
posts are not kept: a reader here could not be told from a follower of the author on every
path (web, client API, ActivityPub), and a post kept by mistake would leak. The home timeline
shows the kept posts to the followers (store.timelines.home: posts by the actors one follows),
and the person's profile lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.services import post_fields
from fedcop.services.errors import Ignored
from fedcop.services.post_marks import mentioned_in_tags
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.vocab import PUBLIC_ALIASES, ids_of

# The visibilities a post outside communities may have (posts.visibility).
KEPT_VISIBILITIES = frozenset({"public", "unlisted"})


@dataclass(frozen=True)
class Placement:
    """Where a person's post goes: under `parent` in the thread `thread_id`, or (both None) a
    thread of its own."""

    parent: Post | None
    thread_id: int | None


async def _names_someone_here(
    conn: asyncpg.Connection, config: Config, note: dict[str, Any]
) -> bool:
    """Whether the post is addressed to (to / cc) or mentions a person on this node."""
    prefix = f"{config.base_url}/u/"
    named = [*ids_of(note.get("to")), *ids_of(note.get("cc")), *mentioned_in_tags(note.get("tag"))]
    for uri in dict.fromkeys(named):
        if uri.startswith(prefix) and "/" not in uri[len(prefix) :]:
            person = await actor_store.find_by_uri(conn, uri)
            if person is not None and person.is_local and person.actor_type == "Person":
                return True
    return False


async def _joined_community_named(conn: asyncpg.Connection, note: dict[str, Any]) -> Actor | None:
    """A community elsewhere the post is addressed to (audience / to / cc / a Mention) that
    someone here belongs to (or asked to join): the post is that community's, and comes with
    its Announce. Kept outside communities too, the thread would be split in two here."""
    named = [
        *ids_of(note.get("audience")),
        *ids_of(note.get("to")),
        *ids_of(note.get("cc")),
        *mentioned_in_tags(note.get("tag")),
    ]
    for uri in dict.fromkeys(named):
        if uri in PUBLIC_ALIASES:
            continue
        actor = await actor_store.find_by_uri(conn, uri)
        if (
            actor is not None
            and actor.actor_type == "Group"
            and not actor.is_local
            and await follow_store.has_local_follower(conn, actor.id)
        ):
            return actor
    return None


async def place(pool: Any, config: Config, note: dict[str, Any], actor_uri: str) -> Placement:
    """Where the post of `actor_uri` is kept outside communities; raises Ignored (with the
    reason recorded on the inbound row) when it is not kept."""
    # 'followers' stands for followers-only and direct alike: neither is kept.
    if post_fields.visibility_of(note) not in KEPT_VISIBILITIES:
        raise Ignored(
            "a followers-only or direct post outside any community: fedcop keeps only the "
            "public and unlisted posts of the people its members follow"
        )
    in_reply_to = post_fields.in_reply_to_of(note)
    async with pool.acquire() as conn:
        parent = await post_store.find_by_uri(conn, in_reply_to) if in_reply_to else None
        if parent is not None and parent.community_id is None and parent.visibility != "direct":
            return Placement(parent, parent.thread_id or parent.id)
        community = await _joined_community_named(conn, note)
        if community is not None:
            raise Ignored(
                f"addressed to the community {community.uri}, which members here belong to: "
                "it is kept when the community announces it"
            )
        author = await actor_store.find_by_uri(conn, actor_uri)
        followed = author is not None and await follow_store.has_local_follower(conn, author.id)
        named = followed or await _names_someone_here(conn, config, note)
    if followed or named:
        # A reply to a post not kept here stands alone (its in_reply_to_uri is kept).
        return Placement(None, None)
    # (services.posts puts first why no community here takes it.)
    raise Ignored(f"nobody here follows {actor_uri}, and it names no one here")
