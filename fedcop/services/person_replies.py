"""Replies written here to posts outside communities (the posts of people members follow).

reply here   -> stored in the thread of the post it answers (no community), a Note
                (documents.person_posts) published as a Create to the answered author's server
                and the writer's followers' servers; fetchable at its id
delete here  -> Delete to the same servers; a Tombstone is served afterwards

Posts written in communities are services.posts' (relayed by their community); these have no
community to relay them, so they go where Mastodon sends a reply: to the people in the
conversation and the writer's followers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.person_posts import person_reply_object
from fedcop.i18n.current import _
from fedcop.services import markdown, outbox, post_marks
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import ids
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost, Post
from federation.html import escape

MAX_CONTENT = 100_000
MAX_SUMMARY = 1000
VISIBILITIES = frozenset({"public", "unlisted"})


async def reply(
    pool: Any,
    config: Config,
    *,
    author: str,
    in_reply_to: str,
    content: str,
    summary: str = "",
    sensitive: bool = False,
    visibility: str = "public",
) -> Post:
    """A local user answers a post kept outside communities (Markdown `content`)."""
    if visibility not in VISIBILITIES:
        raise InvalidInput(_("a reply to a post outside communities is public or unlisted"))
    if len(content) > MAX_CONTENT:
        raise InvalidInput(
            _("the post is too long: at most %(max_content)s characters", max_content=MAX_CONTENT)
        )
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            _(
                "the content warning is too long: at most %(max_summary)s characters",
                max_summary=MAX_SUMMARY,
            )
        )
    if not content.strip():
        raise InvalidInput(_("the post is empty: write something"))
    async with pool.acquire() as conn, conn.transaction():
        writer = await actor_store.find_local(conn, author)
        if writer is None or writer.actor.actor_type != "Person":
            raise NotFound(_("there is no user %(author)s on this node", author=repr(author)))
        parent = await post_store.find_by_uri(conn, in_reply_to)
        if parent is None or parent.is_gone:
            raise NotFound(
                _("there is no post %(in_reply_to)s to reply to", in_reply_to=in_reply_to)
            )
        if parent.community_id is not None:
            raise InvalidInput(_("a reply in a community is written in the community"))
        answered = await _author_of(conn, parent)
        post_id = await ids.next_id(conn)
        stored = await post_store.insert(
            conn,
            NewPost(
                uri=f"{config.base_url}/p/{post_id}",
                community_id=None,
                author_id=writer.actor.id,
                thread_id=parent.thread_id or parent.id,
                parent_id=parent.id,
                in_reply_to_uri=parent.uri,
                object_type="Note",
                title=None,
                content=markdown.render(content),
                summary=escape(summary.strip()),
                url=None,
                attachments=[],
                sensitive=sensitive or bool(summary.strip()),
                visibility=visibility,
                create_uri=None,
                published=None,
            ),
            post_id,
        )
        assert stored is not None  # a fresh id
        tags = await post_marks.mark_written(conn, config, stored, content)
        document = person_reply_object(replace(stored, tags=tags), writer.actor, answered, config)
        create = await outbox.publish(
            conn,
            config,
            writer.actor,
            {
                "type": "Create",
                "object": {k: v for k, v in document.items() if k != "@context"},
                "to": document["to"],
                "cc": document["cc"],
            },
            await _inboxes(conn, writer.actor, answered),
        )
        await post_store.set_create_uri(conn, stored.id, create["id"])
        found = await post_store.find(conn, stored.id)
        assert found is not None
        return found


async def withdraw(conn: asyncpg.Connection, config: Config, writer: Actor, post: Post) -> None:
    """The writer deletes such a reply: a Tombstone here, a Delete to the same servers."""
    parent = await post_store.find(conn, post.parent_id) if post.parent_id else None
    answered = await _author_of(conn, parent) if parent is not None else None
    await post_store.mark_deleted(conn, post.id)
    to = [writer.followers_url or f"{writer.uri}/followers"]
    inboxes = await follow_store.follower_inboxes(conn, writer.id)
    if answered is not None:
        to.append(answered.uri)
        inboxes += await _inboxes(conn, writer, answered)
    await outbox.publish(
        conn,
        config,
        writer,
        {"type": "Delete", "object": post.uri, "to": to, "cc": []},
        list(dict.fromkeys(inboxes)),
    )


async def document(pool: Any, config: Config, post: Post, writer: Actor) -> dict[str, Any] | None:
    """What /p/{id} serves for such a reply; None if what it answered is gone altogether."""
    async with pool.acquire() as conn:
        parent = await post_store.find(conn, post.parent_id) if post.parent_id else None
        if parent is None:
            return None
        answered = await _author_of(conn, parent)
    return person_reply_object(post, writer, answered, config)


async def _author_of(conn: asyncpg.Connection, post: Post) -> Actor:
    author = await actor_store.find_by_id(conn, post.author_id)
    assert author is not None  # posts.author_id references actors
    return author


async def _inboxes(conn: asyncpg.Connection, writer: Actor, answered: Actor) -> list[str]:
    """The writer's followers' servers and the answered author's (when elsewhere)."""
    inboxes = await follow_store.follower_inboxes(conn, writer.id)
    if not answered.is_local:
        inboxes += outbox.inbox_of(answered)
    return list(dict.fromkeys(inboxes))
