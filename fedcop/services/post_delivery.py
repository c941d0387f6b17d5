"""Sending a post written here, in the form each receiver shows best (documents.posts).

    Create / Update of a reply   -> one activity, the Note:
                                    community's inbox (if elsewhere) + the inboxes of the
                                    people it answers or names (services.addressees)
    Create / Update of a thread  -> the Page form to the community's inbox (if elsewhere);
                                    the community relays it (Announce(activity)) to the
                                    threadiverse and announces the thread's id to microblog
                                    servers, which fetch the Note form from its id
                                 -> the Note form, in an activity of its own, to the people
                                    it names (their servers are microblog servers as often
                                    as not, and show a Note in full)
    Delete                       -> the community's inbox + the people's inboxes

Each inbox receives an activity once (shared inboxes first).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import FETCHED, THREADIVERSE, post_object
from fedcop.services import addressees, outbox
from fedcop.services.polls import wire as poll_wire
from fedcop.store import addressees as addressee_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post


async def extras(
    conn: asyncpg.Connection, post: Post
) -> tuple[list[Actor], list[tuple[str, Actor]]]:
    """(the people a post written here is addressed to, the other threads of its
    cross-post as (id, community))."""
    mentioned = await addressee_store.mentions_of(conn, post.id)
    others = await addressee_store.crossposts_of(conn, post.id) if post.is_thread else []
    return mentioned, [(other.uri, other.community) for other in others]


async def served(
    pool: Any, config: Config, post: Post, author: Actor, community: Actor
) -> dict[str, Any]:
    """The document served at a local post's id (the fetched form)."""
    async with pool.acquire() as conn:
        return await served_in(conn, config, post, author, community)


async def served_in(
    conn: asyncpg.Connection, config: Config, post: Post, author: Actor, community: Actor
) -> dict[str, Any]:
    """`served`, on a connection the caller holds."""
    mentioned, also_in = await extras(conn, post)
    document = post_object(post, author, community, config, mentioned=mentioned, also_in=also_in)
    await poll_wire.add_poll(conn, post, document)
    return document


def _bare(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "@context"}


async def publish(
    conn: asyncpg.Connection,
    config: Config,
    kind: str,
    post: Post,
    writer: Actor,
    community: Actor,
) -> dict[str, Any]:
    """Publish the Create or Update of a post written here; the activity its community
    relays (the one carrying the threadiverse form)."""
    mentioned, also_in = await extras(conn, post)
    community_inboxes = [] if community.is_local else outbox.inbox_of(community)
    people_inboxes = addressees.inboxes_of(mentioned, community_inboxes)
    one_form = not (post.is_thread and post.title is not None)
    forms: list[tuple[dict[str, Any], list[str]]] = []
    threadiverse = post_object(
        post, writer, community, config, mentioned=mentioned, also_in=also_in, form=THREADIVERSE
    )
    await poll_wire.add_poll(conn, post, threadiverse)
    forms.append((threadiverse, community_inboxes + (people_inboxes if one_form else [])))
    if not one_form and people_inboxes:
        fetched = post_object(
            post, writer, community, config, mentioned=mentioned, also_in=also_in, form=FETCHED
        )
        await poll_wire.add_poll(conn, post, fetched)
        forms.append((fetched, people_inboxes))
    published: list[dict[str, Any]] = []
    for document, inboxes in forms:
        activity = {
            "type": kind,
            "object": _bare(document),
            "to": document["to"],
            "cc": document["cc"],
            "audience": community.uri,
        }
        if post.is_thread or post.facilitator_summary:
            # Its fedcop: properties need the prefix where the object is read, in the activity.
            activity["@context"] = document["@context"]
        published.append(
            await outbox.publish(
                conn, config, writer, activity, inboxes, members_of=outbox.readers(community)
            )
        )
    return published[0]


async def publish_delete(
    conn: asyncpg.Connection, config: Config, post: Post, writer: Actor, community: Actor
) -> dict[str, Any]:
    """The Delete of a post written here (`post` as it was before), to its community and the
    people it addressed."""
    mentioned, _ = await extras(conn, post)
    community_inboxes = [] if community.is_local else outbox.inbox_of(community)
    live = post_object(post, writer, community, config, mentioned=mentioned)
    return await outbox.publish(
        conn,
        config,
        writer,
        {
            "type": "Delete",
            "object": post.uri,
            "to": live["to"],
            "cc": live["cc"],
            "audience": community.uri,
        },
        community_inboxes + addressees.inboxes_of(mentioned, community_inboxes),
        members_of=outbox.readers(community),
    )
