"""Where an inbound post goes: which community, under which post; or why it is not kept.

    a thread   -> the local community it is addressed to (audience, to, cc), or, if public,
                  mentions; announced by a followed remote community: that community
    a reply    -> under its parent, if kept here (no fetch)
               -> else, if it is for someone here (a community or a person here among its
                  recipients or mentions, or announced by a community a member here follows),
                  the conversation above it is fetched from its servers: one signed,
                  SSRF-guarded fetch per step (`Network.fetch`), at most MAX_DEPTH steps, until
                  a post kept here or the top of the conversation:
                     meets a kept post      -> the fetched posts are kept under it, then the reply
                     reaches the top        -> the conversation is kept in the community the
                                               reply (or its top post) is addressed to
                     deeper than MAX_DEPTH  -> not kept, with the reason
               -> else not kept, with the reason

A peer that is down makes a fetch fail: the inbox worker keeps the activity and tries again
later; an answer no retry cures (404, 410, refused) rejects it with that reason. All of this
runs in the inbox worker, never on the inbox's answer path. A reason is a sentence that
completes "not kept: ...".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import post_fields, remote_actors
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.vocab import (
    ADDRESSING_PROPERTIES,
    PUBLIC_ALIASES,
    as_list,
    first_type,
    ids_of,
    type_of,
)

MAX_DEPTH = 8
# Addresses of a post that look like a community here, looked up in the database: a cross-post
# names a few; a document naming a thousand gets the first ones read, not a thousand queries.
MAX_COMMUNITY_LOOKUPS = 30


@dataclass(frozen=True)
class Placement:
    """Where an inbound post goes: its community, the post it answers and its thread, and the
    posts above it fetched from their servers, to be kept first (the top one first), with
    their authors."""

    community: Actor
    parent: Post | None
    thread_id: int | None
    ancestors: list[tuple[dict[str, Any], Actor]] = field(default_factory=list)


async def place(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    via: Actor | None,
) -> Placement | str:
    """Where an inbound post goes, or why it is not kept."""
    in_reply_to = post_fields.in_reply_to_of(note)
    if via is not None and in_reply_to is None:
        # Announced by the community: its own post, or one addressed to it.
        audience = ids_of(note.get("audience")) + ids_of(note.get("to")) + ids_of(note.get("cc"))
        if via.uri in audience or via.uri in ids_of(note.get("attributedTo")):
            return Placement(via, None, None)
        return f"{via.uri} announced it, but it is neither addressed to that community nor its own"
    if in_reply_to is not None:
        return await _place_reply(pool, config, network, create, note, via, in_reply_to)
    named = await named_local_community(pool, config, create, note)
    if named is None:
        return "it is addressed to no community here, and mentions none in a public post"
    return Placement(named, None, None)


async def _place_reply(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    via: Actor | None,
    in_reply_to: str,
) -> Placement | str:
    parent = await _kept(pool, in_reply_to)
    if parent is not None and parent.community_id is None:
        # A followed person's thread: services.followed_posts threads it there.
        return f"it answers {in_reply_to}, a post outside communities"
    if parent is not None:
        return Placement(await _community_of(pool, parent), parent, parent.thread_id or parent.id)
    if via is None and not addressed_here(config, create, note):
        return f"it answers {in_reply_to}, which is not kept here, and is addressed to no one here"
    fetched, anchor = await _ancestry(pool, network, in_reply_to)
    if isinstance(fetched, str):
        return fetched
    if anchor is not None and anchor.community_id is None:
        return f"the conversation it belongs to ({anchor.uri}) is outside communities"
    if anchor is not None:
        community = await _community_of(pool, anchor)
    else:
        top = fetched[0]
        found = (
            via
            or await named_local_community(pool, config, create, note)
            or await named_local_community(pool, config, {}, top)
        )
        if found is None:
            started = top.get("id")
            return f"the conversation it belongs to (started by {started}) is in no community here"
        community = found
    ancestors: list[tuple[dict[str, Any], Actor]] = []
    for document in fetched:
        problem = _ancestor_problem(document, community)
        author: Actor | None = None
        if problem is None:
            try:
                author_uri = post_fields.author_of(document, None)
                author = await remote_actors.get_actor(pool, network, author_uri)
            except (post_fields.FieldError, remote_actors.ActorError) as error:
                problem = str(error)
        if problem is not None or author is None:
            if anchor is None:
                return f"the post above it, {document.get('id')}, cannot be kept: {problem}"
            # The conversation is here: the reply hangs under the nearest post kept here.
            return Placement(community, anchor, anchor.thread_id or anchor.id)
        ancestors.append((document, author))
    thread_id = None if anchor is None else (anchor.thread_id or anchor.id)
    return Placement(community, anchor, thread_id, ancestors)


async def _ancestry(
    pool: Any, network: Network, parent_uri: str
) -> tuple[list[dict[str, Any]] | str, Post | None]:
    """The posts fetched above a reply (the top one first) and the kept post they hang under
    (None when they reach the top of the conversation); or why they cannot be put together."""
    fetched: list[dict[str, Any]] = []
    uri: str | None = parent_uri
    seen: set[str] = set()
    while uri is not None:
        found = await _kept(pool, uri)
        if found is not None:
            return list(reversed(fetched)), found
        if len(fetched) >= MAX_DEPTH:
            return (
                f"the conversation above it is more than {MAX_DEPTH} posts deep and reaches no "
                "post kept here"
            ), None
        if uri in seen:
            return f"its inReplyTo chain loops back to {uri}", None
        seen.add(uri)
        document = await network.fetch(uri)  # failures: retried, or rejected with the reason
        if first_type(document) not in post_fields.POST_TYPES:
            return f"it answers {uri}, a {first_type(document)}, which is not a post", None
        fetched.append(document)
        uri = post_fields.in_reply_to_of(document)
    return list(reversed(fetched)), None


def _ancestor_problem(document: dict[str, Any], community: Actor) -> str | None:
    """Why a post fetched above a reply may not be kept in `community`, or None."""
    if community.is_local and community.members_only:
        return "the community is private: only what its members send is kept"
    followers = community.followers_url or f"{community.uri}/followers"
    if not post_fields.reaches_community(document, {}, community.uri, followers):
        return "it is neither public nor addressed to the community"
    return None


def addressed_here(config: Config, *documents: dict[str, Any]) -> bool:
    """Whether a community or a person of this node is among the recipients or the mentions."""
    prefixes = (f"{config.base_url}/c/", f"{config.base_url}/u/")
    for document in documents:
        recipients = [a for name in ADDRESSING_PROPERTIES for a in ids_of(document.get(name))]
        recipients += [
            href
            for tag in as_list(document.get("tag"))
            if type_of(tag) == "Mention" and isinstance(href := tag.get("href"), str)
        ]
        if any(address.startswith(prefixes) for address in recipients):
            return True
    return False


async def named_local_community(
    pool: Any, config: Config, create: dict[str, Any], note: dict[str, Any]
) -> Actor | None:
    """A local Group the post is addressed to (audience, to, cc) or, if public, mentions."""
    prefix = f"{config.base_url}/c/"
    candidates = [
        *ids_of(note.get("audience")),
        *ids_of(create.get("audience")),
        *ids_of(note.get("to")),
        *ids_of(note.get("cc")),
        *ids_of(create.get("to")),
        *ids_of(create.get("cc")),
    ]
    public = any(address in PUBLIC_ALIASES for address in candidates)
    if public:
        candidates += [
            str(tag.get("href"))
            for tag in as_list(note.get("tag"))
            if type_of(tag) == "Mention" and tag.get("href")
        ]
    local = [
        candidate
        for candidate in dict.fromkeys(candidates)
        if candidate.startswith(prefix) and "/" not in candidate[len(prefix) :]
    ]
    async with pool.acquire() as conn:
        for candidate in local[:MAX_COMMUNITY_LOOKUPS]:
            actor = await actor_store.find_by_uri(conn, candidate)
            if actor is not None and actor.actor_type == "Group":
                return actor
    return None


async def _kept(pool: Any, uri: str) -> Post | None:
    async with pool.acquire() as conn:
        return await post_store.find_by_uri(conn, uri)


async def _community_of(pool: Any, post: Post) -> Actor:
    """The community of a kept post in one (posts outside communities are turned away first)."""
    assert post.community_id is not None
    async with pool.acquire() as conn:
        community = await actor_store.find_by_id(conn, post.community_id)
    assert community is not None
    return community


__all__ = ["MAX_DEPTH", "Placement", "addressed_here", "named_local_community", "place"]
