"""Direct messages from other servers (Mastodon's `direct` statuses and answers to ours).

    Create{Note}, the author's own (not announced by a community)
      addressed to Public (to/cc), to a followers collection, or with an `audience`?
                                                     -> not direct: services.posts goes on
      addressed to a community (a Group)?            yes -> not direct: the community's
      names (to / cc) a person here?                 no  -> not direct (nobody here to read it)
      -> kept as a post outside communities, visibility 'direct'; its recipients are the
         people it names in to / cc / Mention tags whom this node knows (only they and its
         author may read it here); threaded under the direct message it answers, if any
      -> each local recipient's conversation shows it, and they get a 'mention' notification

Mastodon's shape: `to` names only the mentioned people, `cc` is empty, every one of them is a
`Mention` tag. Nothing is relayed, nothing is delivered onwards.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import post_fields, remote_actors
from fedcop.services.post_marks import mentioned_in_tags
from fedcop.store import actors as actor_store
from fedcop.store import notifications as notification_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.messages import conversations as conversation_store
from fedcop.store.messages import recipients as recipient_store
from fedcop.store.posts import Post
from federation.vocab import PUBLIC_ALIASES, ids_of

PEOPLE = frozenset({"Person", "Service", "Organization", "Application"})
MAX_RECIPIENTS = 100


def addressed(note: dict[str, Any], create: dict[str, Any]) -> list[str]:
    """Everyone the note and its Create address (to / cc), each once."""
    return list(
        dict.fromkeys(
            [
                *ids_of(note.get("to")),
                *ids_of(note.get("cc")),
                *ids_of(create.get("to")),
                *ids_of(create.get("cc")),
            ]
        )
    )


def may_be_direct(note: dict[str, Any], create: dict[str, Any]) -> bool:
    """Whether the shape alone allows a direct message: nothing public, no `audience`, no
    collection that looks like followers (the author's own collection is checked later)."""
    if note.get("audience") is not None or create.get("audience") is not None:
        return False
    for address in addressed(note, create):
        if address in PUBLIC_ALIASES or address.rstrip("/").endswith("/followers"):
            return False
    return bool(addressed(note, create))


async def local_people_named(
    conn: asyncpg.Connection, config: Config, note: dict[str, Any], create: dict[str, Any]
) -> list[Actor]:
    """The people here the post is addressed to; none when it is addressed to a community
    (here or elsewhere): a post to a community is the community's (services.posts), even one
    Mastodon calls direct, which is how its users write into a members-only community."""
    prefix = f"{config.base_url}/u/"
    found: list[Actor] = []
    for uri in addressed(note, create)[:MAX_RECIPIENTS]:
        actor = await actor_store.find_by_uri(conn, uri)
        if actor is not None and actor.actor_type == "Group":
            return []
        local = uri.startswith(prefix) and actor is not None and actor.is_local
        if local and actor is not None and actor.actor_type == "Person":
            found.append(actor)
    return found


async def receive(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    author_uri: str,
) -> Post | None:
    """Keep `note` as a direct message if it is one for someone here; None if it is not a
    direct message at all (the caller goes on with it as a post)."""
    if not may_be_direct(note, create):
        return None
    async with pool.acquire() as conn:
        local = await local_people_named(conn, config, note, create)
        existing = await post_store.find_by_uri(conn, str(note["id"]))
    if not local:
        return None
    if existing is not None:
        return existing
    author = await remote_actors.get_actor(pool, network, author_uri)
    followers = author.followers_url
    if followers and followers in addressed(note, create):
        return None  # followers-only: not a direct message
    async with pool.acquire() as conn, conn.transaction():
        people = await _recipients(conn, note, create, author)
        parent, root_id = await _answered(conn, note, author)
        row = post_fields.new_post(
            note, create, community=None, author=author, parent=parent, thread_id=root_id
        )
        stored = await post_store.insert(conn, dataclasses.replace(row, visibility="direct"))
        if stored is None:  # arrived twice at once
            return await post_store.find_by_uri(conn, str(note["id"]))
        await recipient_store.add(conn, stored.id, [actor.id for actor in people])
        local_ids = [actor.id for actor in people if actor.is_local]
        await conversation_store.touch(conn, local_ids, root_id or stored.id, stored.id, author.id)
        await notification_store.add_many(conn, local_ids, "mention", author.id, stored.id)
        return stored


async def _recipients(
    conn: asyncpg.Connection, note: dict[str, Any], create: dict[str, Any], author: Actor
) -> list[Actor]:
    """The people the message names whom this node knows (never its author)."""
    named = [*addressed(note, create), *mentioned_in_tags(note.get("tag"))]
    people: dict[int, Actor] = {}
    for uri in list(dict.fromkeys(named))[:MAX_RECIPIENTS]:
        actor = await actor_store.find_by_uri(conn, uri)
        if actor is not None and actor.actor_type in PEOPLE and actor.id != author.id:
            people.setdefault(actor.id, actor)
    return list(people.values())


async def _answered(
    conn: asyncpg.Connection, note: dict[str, Any], author: Actor
) -> tuple[Post | None, int | None]:
    """The direct message this one answers (and its conversation), when it is kept here and
    its author may read it; otherwise it stands alone."""
    in_reply_to = post_fields.in_reply_to_of(note)
    if in_reply_to is None:
        return None, None
    parent = await post_store.find_by_uri(conn, in_reply_to)
    if parent is None or parent.visibility != "direct":
        return None, None
    if author.uri not in await recipient_store.participant_uris(conn, parent.id):
        return None, None
    return parent, parent.thread_id or parent.id
