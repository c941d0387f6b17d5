"""Posts in communities: written here, or arriving from any server.

write here  -> stored, Create published by the author (fetchable at its id)
               local community:  the community relays it (services.relay)
               remote community: the Create is delivered to the community's inbox
Create in   -> its fields read as Mastodon reads them (services.post_fields)
            -> which community?  audience / to / cc naming a local Group,
                                 else the inReplyTo chain reaching a stored post (fetched,
                                 when the reply is for someone here: services.placement),
                                 else a public post that mentions a local Group (a thread
                                 from a microblog server: title from its first line)
            -> checks (author is the actor; thread not locked; posting restricted to
               facilitators) -> stored -> relayed if the community is local
            no community, sent by its author's server: services.followed_posts (a followed
               person's public post, or a reply under one) -> stored without community,
               else ignored with the reason
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import POST_CONTEXT, addressing, post_object
from fedcop.network import Network
from fedcop.services import (
    followed_posts,
    markdown,
    outbox,
    placement,
    post_fields,
    post_marks,
    post_source,
    relay,
    remote_actors,
)
from fedcop.services.errors import Ignored, InvalidInput, NotFound, Refused

# Where they were defined before services.post_fields read inbound posts; still found here.
from fedcop.services.post_fields import MAX_TITLE as MAX_TITLE
from fedcop.services.post_fields import POST_TYPES as POST_TYPES
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import ids
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost, Post
from federation.html import escape
from federation.vocab import first_type, id_of, ids_of

log = logging.getLogger(__name__)

MAX_CONTENT = 100_000
MAX_SUMMARY = 1000  # a content warning is a line, not a post


class PostRefused(Refused):
    """An inbound post the community does not take; the message says why."""


def local_post_uri(config: Config, post_id: int) -> str:
    return f"{config.base_url}/p/{post_id}"


# A web address, for attached links.
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


MAX_LINKS = 10


def link_attachments(links: list[str]) -> list[dict[str, Any]]:
    """Web addresses attached to a post (a link post, resources, slides...)."""
    if len(links) > MAX_LINKS:
        raise InvalidInput(f"a post carries at most {MAX_LINKS} links")
    attached = []
    for link in links:
        if not _URL.fullmatch(link.strip()) or len(link) > 2048:
            raise InvalidInput(f"{link!r} is not a web address (http:// or https://)")
        attached.append({"type": "Link", "url": link.strip(), "mediaType": "", "name": ""})
    return attached


# -- written here ----------------------------------------------------------------------------


async def write(
    pool: Any,
    config: Config,
    network: Network,
    *,
    author: str,
    community_uri: str,
    content: str,
    title: str | None = None,
    in_reply_to: str | None = None,
    links: list[str] | None = None,
    summary: str = "",
    sensitive: bool = False,
) -> Post:
    """A local user posts a thread (with a title) or a reply (to a post's id), optionally with
    links attached and a content warning (`summary`, plain text)."""
    attachments = link_attachments(links or [])
    if in_reply_to is None and not (title and title.strip()):
        raise InvalidInput("a new thread needs a title")
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"the post is too long: at most {MAX_CONTENT} characters")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the content warning is too long: at most {MAX_SUMMARY} characters")
    if not content.strip():
        raise InvalidInput("the post is empty: write something")
    community = await remote_actors.get_actor(pool, network, community_uri)
    if community.actor_type != "Group":
        raise InvalidInput(f"{community_uri} is not a community")
    async with pool.acquire() as conn, conn.transaction():
        writer = await actor_store.find_local(conn, author)
        if writer is None or writer.actor.actor_type != "Person":
            raise NotFound(f"there is no user {author!r} on this node")
        parent = await _parent(conn, in_reply_to)
        if parent is not None and parent.community_id != community.id:
            raise InvalidInput("a reply belongs to the community of the post it answers")
        thread_id = None if parent is None else (parent.thread_id or parent.id)
        if thread_id is not None and await _locked(conn, thread_id):
            raise InvalidInput("this thread is locked: it takes no new replies")
        if parent is None and community.is_local:
            await _check_may_start_thread(conn, community, writer.actor)
        if await mod_store.is_banned(conn, community.id, writer.actor.id):
            raise InvalidInput(f"you are banned from {community.display_name}")
        post_id = await ids.next_id(conn)
        uri = local_post_uri(config, post_id)
        post = await post_store.insert(
            conn,
            NewPost(
                uri=uri,
                community_id=community.id,
                author_id=writer.actor.id,
                thread_id=thread_id,
                parent_id=parent.id if parent else None,
                in_reply_to_uri=in_reply_to,
                object_type="Article" if parent is None else "Note",
                title=title.strip()[:MAX_TITLE] if parent is None and title else None,
                content=markdown.render(post_source.written(content)),
                source=post_source.written(content),
                summary=escape(summary.strip()),
                url=None,
                attachments=attachments,
                sensitive=sensitive or bool(summary.strip()),
                visibility="followers" if community.members_only else "public",
                create_uri=None,
                published=None,
            ),
            post_id,
        )
        assert post is not None
        tags = await post_marks.mark_written(conn, config, post, f"{title or ''}\n{content}")
        document = post_object(replace(post, tags=tags), writer.actor, community, config)
        create = await outbox.publish(
            conn,
            config,
            writer.actor,
            {
                "type": "Create",
                "object": {k: v for k, v in document.items() if k != "@context"},
                "to": document["to"],
                "cc": document["cc"],
                "audience": community.uri,
            },
            [] if community.is_local else outbox.inbox_of(community),
            members_of=outbox.readers(community),
        )
        await post_store.set_create_uri(conn, post.id, create["id"])
        if community.is_local:
            await relay.relay(
                conn, config, community, create, new_thread_uri=uri if parent is None else None
            )
        found = await post_store.find(conn, post.id)
        assert found is not None
        return found


async def _parent(conn: asyncpg.Connection, in_reply_to: str | None) -> Post | None:
    if in_reply_to is None:
        return None
    parent = await post_store.find_by_uri(conn, in_reply_to)
    if parent is None or parent.is_gone:
        raise NotFound(f"there is no post {in_reply_to} to reply to")
    return parent


async def _locked(conn: asyncpg.Connection, thread_id: int) -> bool:
    thread = await post_store.find(conn, thread_id)
    return thread is not None and thread.locked


async def _check_may_start_thread(
    conn: asyncpg.Connection, community: Actor, author: Actor
) -> None:
    local = await actor_store.find_local(conn, community.username)
    if local is None or not local.posting_restricted_to_mods:
        return
    facilitators = {a.id for a in await actor_store.facilitators_of(conn, community.id)}
    if author.id not in facilitators:
        raise InvalidInput("only this community's facilitators may start threads here")


# -- arriving from other servers -------------------------------------------------------------


async def receive_create(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    *,
    via: Actor | None = None,
    backfill: bool = False,
) -> Post | None:
    """Take a Create from another server; the stored post. One that is not for us raises
    Ignored with why (recorded on the inbound row). Its fields are read by services.post_fields;
    where it goes (and the conversation above a reply, fetched) is services.placement's, or,
    in no community, services.followed_posts'.

    `via` is the remote community that announced it: its posts are stored as they arrive for
    the members here. The post itself is then fetched from its origin, never taken from the
    announcement, since the community is not its author.

    `backfill` (with `via`): the post was listed in the community's outbox after a member here
    joined it (services.backfill). It is kept only if it is that community's own, and nobody is
    told about it: it is old news, not something that just happened.
    """
    if via is not None:
        object_id = id_of(create.get("object"))
        if object_id is None:
            raise PostRefused("the announced Create carries no object")
        note = await network.fetch(object_id)
    else:
        note = await _object_of(network, create.get("object"))
    if first_type(note) not in POST_TYPES:
        raise PostRefused(f"a {first_type(note)} is not a post")
    author_uri = _author(note, create, via)
    async with pool.acquire() as conn:
        existing = await post_store.find_by_uri(conn, str(note["id"]))
    if existing is not None:
        return existing
    placed = await placement.place(pool, config, network, create, note, via)
    if isinstance(placed, str) and via is None:
        # No community here takes it: a followed person's post, or a reply under one.
        return await _keep_outside_communities(
            pool, config, network, create, note, author_uri, placed
        )
    if backfill and isinstance(placed, placement.Placement) and placed.community.id != _via_id(via):
        placed = "a backfilled post must belong to the community whose outbox listed it"
    if isinstance(placed, placement.Placement) and not _reaches_community(
        note, create, placed.community
    ):
        # A direct message, or a reply meant only for its parent's author: not the community's
        # to keep, and never relayed to its members.
        placed = f"it is neither public nor addressed to {placed.community.uri}"
    if isinstance(placed, str):
        log.info("post %s not kept: %s", note.get("id"), placed)
        raise Ignored(f"not kept: {placed}")
    community = placed.community
    author = await remote_actors.get_actor(pool, network, author_uri)
    async with pool.acquire() as conn, conn.transaction():
        if await mod_store.is_banned(conn, community.id, author.id):
            raise PostRefused(f"{author.uri} is banned from {community.uri}")
        if community.is_local and community.members_only:
            await _check_member(conn, community, author)
        parent, thread_id = placed.parent, placed.thread_id
        if thread_id is not None and await _locked(conn, thread_id):
            raise PostRefused("the thread is locked")
        if thread_id is None and community.is_local and not placed.ancestors:
            try:
                await _check_may_start_thread(conn, community, author)
            except InvalidInput as error:
                raise PostRefused(str(error)) from None
        for document, ancestor_author in placed.ancestors:
            parent = await _keep_ancestor(conn, document, community, ancestor_author, parent)
            thread_id = thread_id or parent.id
        post = await post_store.insert(
            conn,
            post_fields.new_post(
                note,
                create,
                community=community,
                author=author,
                parent=parent,
                thread_id=thread_id,
            ),
        )
        if post is None:  # arrived twice at once
            return await post_store.find_by_uri(conn, str(note["id"]))
        await post_marks.mark_received(conn, post, note, notify=not backfill)
        if community.is_local:
            await relay.relay(
                conn,
                config,
                community,
                create,
                new_thread_uri=post.uri if thread_id is None else None,
            )
        return post


async def _keep_outside_communities(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    author_uri: str,
    why_not_in_a_community: str,
) -> Post:
    """A person's post no community here takes: kept if someone here follows them or it names
    someone here, or if it answers a post kept that way (services.followed_posts decides, or
    says why not)."""
    try:
        placed = await followed_posts.place(pool, config, note, author_uri)
    except Ignored as outside:
        log.info("post %s not kept: %s; %s", note.get("id"), why_not_in_a_community, outside)
        raise Ignored(f"not kept: {why_not_in_a_community}; {outside}") from None
    author = await remote_actors.get_actor(pool, network, author_uri)
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.insert(
            conn,
            post_fields.new_post(
                note,
                create,
                community=None,
                author=author,
                parent=placed.parent,
                thread_id=placed.thread_id,
            ),
        )
        if post is None:  # arrived twice at once
            found = await post_store.find_by_uri(conn, str(note["id"]))
            assert found is not None
            return found
        await post_marks.mark_received(conn, post, note, notify=True)
        return post


def _via_id(via: Actor | None) -> int | None:
    return via.id if via is not None else None


def _author(note: dict[str, Any], create: dict[str, Any], via: Actor | None) -> str:
    """The post's author. A post announced by a community was fetched from its origin: its
    `attributedTo` is believed; a post sent by its author must name that author (or no one)."""
    sender = id_of(create.get("actor"))
    try:
        if via is not None and ids_of(note.get("attributedTo")):
            return post_fields.author_of(note, None)
        return post_fields.author_of(note, sender)
    except post_fields.FieldError as error:
        raise PostRefused(str(error)) from None


async def _object_of(network: Network, value: object) -> dict[str, Any]:
    """The post a Create carries. An embedded object by its own author is taken as sent (the
    inbox checked it is on the author's host); an id alone is fetched."""
    if isinstance(value, dict):
        return value
    object_id = id_of(value)
    if object_id is None:
        raise PostRefused("the Create carries no object")
    return await network.fetch(object_id)


async def _keep_ancestor(
    conn: asyncpg.Connection,
    document: dict[str, Any],
    community: Actor,
    author: Actor,
    parent: Post | None,
) -> Post:
    """A post fetched above a reply (services.placement), kept under `parent`, or as the
    thread at the top. Old news: nobody is notified, and nothing is relayed (its servers
    delivered it to whom it was for; members' servers fetch it as this node did)."""
    if await mod_store.is_banned(conn, community.id, author.id):
        raise PostRefused(f"it answers a post by {author.uri}, who is banned from {community.uri}")
    if parent is None and community.is_local:
        try:
            await _check_may_start_thread(conn, community, author)
        except InvalidInput as error:
            raise PostRefused(f"the conversation it belongs to may not be here: {error}") from None
    thread_id = None if parent is None else (parent.thread_id or parent.id)
    kept = await post_store.insert(
        conn,
        post_fields.new_post(
            document, {}, community=community, author=author, parent=parent, thread_id=thread_id
        ),
    )
    if kept is None:  # kept meanwhile by another worker
        found = await post_store.find_by_uri(conn, str(document["id"]))
        assert found is not None
        return found
    await post_marks.mark_received(conn, kept, document, notify=False)
    return kept


async def _check_member(conn: asyncpg.Connection, community: Actor, author: Actor) -> None:
    """Only members (and facilitators) post in a private community."""
    if await follow_store.is_accepted_follower(conn, author.id, community.id):
        return
    if await mod_store.is_facilitator(conn, community.id, author.id):
        return
    raise PostRefused(f"{author.uri} is not a member of the private community {community.uri}")


def received_title(note: dict[str, Any], content: str, community: Actor) -> tuple[str, bool]:
    """The title of a thread from another server, and whether it is the object's `summary`
    (services.post_fields.received_title)."""
    return post_fields.received_title(note, content, community.username)


def title_and_body(text: str, community: Actor) -> tuple[str, str]:
    """A microblog post as a thread: its first line without the mention of the community is the
    title; the lines after it are the body (the whole text when there are none)."""
    return post_fields.title_and_body(text, community.username)


def _reaches_community(note: dict[str, Any], create: dict[str, Any], community: Actor) -> bool:
    followers = community.followers_url or f"{community.uri}/followers"
    return post_fields.reaches_community(note, create, community.uri, followers)


__all__ = ["POST_CONTEXT", "PostRefused", "addressing", "receive_create", "write"]
