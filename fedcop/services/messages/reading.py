"""Reading direct messages: a person's conversations, one conversation's messages, and what
the ActivityPub GETs need to know (who takes part, the Note served to them).

Every read goes through the one privacy rule (store.timelines.readable_by): a message is shown
to its author and its recipients, and to nobody else, on every door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents.direct_messages import direct_note
from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import timelines as timeline_store
from fedcop.store.actors import Actor
from fedcop.store.messages import conversations as conversation_store
from fedcop.store.messages import recipients as recipient_store
from fedcop.store.posts import Post

MAX_PAGE = 40


@dataclass(frozen=True)
class Conversation:
    """One of a person's conversations, as they see it."""

    root_id: int
    unread: bool
    # Everyone in it but the person reading, in a stable order.
    others: list[Actor]
    last: Post
    last_author: Actor


@dataclass(frozen=True)
class Message:
    post: Post
    author: Actor


async def takes_part(pool: Any, post_id: int, actor_uri: str) -> bool:
    async with pool.acquire() as conn:
        return actor_uri in await recipient_store.participant_uris(conn, post_id)


async def carried_by(pool: Any, activity_uri: str) -> int | None:
    async with pool.acquire() as conn:
        return await recipient_store.carried_by(conn, activity_uri)


async def document(pool: Any, config: Config, post: Post) -> dict[str, Any]:
    """The Note served at a direct message's id (to its participants only)."""
    async with pool.acquire() as conn:
        writer = await actor_store.find_by_id(conn, post.author_id)
        people = await recipient_store.of_post(conn, post.id)
    assert writer is not None  # posts.author_id references actors
    return direct_note(post, writer, people, config)


async def conversations(
    pool: Any, viewer_id: int, *, before: int | None, after: int | None, limit: int
) -> list[Conversation]:
    """The viewer's conversations, the most recent first."""
    found: list[Conversation] = []
    async with pool.acquire() as conn:
        rows = await conversation_store.page(
            conn, viewer_id, before=before, after=after, limit=min(limit, MAX_PAGE)
        )
        for row in rows:
            shown = await _shown(conn, row, viewer_id)
            if shown is not None:
                found.append(shown)
    return found


async def conversation(pool: Any, viewer_id: int, root_id: int) -> Conversation:
    """One of the viewer's conversations (NotFound if it is not theirs)."""
    async with pool.acquire() as conn:
        row = await conversation_store.find(conn, viewer_id, root_id)
        shown = await _shown(conn, row, viewer_id) if row is not None else None
    if shown is None:
        raise NotFound(_("Record not found"))
    return shown


async def _shown(
    conn: Any, row: conversation_store.Conversation, viewer_id: int
) -> Conversation | None:
    last = await timeline_store.visible_post(conn, row.last_post_id, viewer_id)
    if last is None:  # deleted since: the newest message still there
        thread = await _thread(conn, row.root_id, viewer_id)
        if not thread:
            return None
        last = thread[-1]
    root = await timeline_store.visible_post(conn, row.root_id, viewer_id) or last
    # Everyone the conversation began with, and whoever its newest message reaches.
    everyone = {actor.id: actor for actor in await _participants(conn, root)}
    everyone.update({actor.id: actor for actor in await _participants(conn, last)})
    last_author = everyone.get(last.author_id) or await actor_store.find_by_id(conn, last.author_id)
    assert last_author is not None
    others = [actor for actor_id, actor in sorted(everyone.items()) if actor_id != viewer_id]
    return Conversation(row.root_id, row.unread, others, last, last_author)


async def _participants(conn: Any, post: Post) -> list[Actor]:
    author = await actor_store.find_by_id(conn, post.author_id)
    assert author is not None
    return [author, *await recipient_store.of_post(conn, post.id)]


async def _thread(conn: Any, root_id: int, viewer_id: int) -> list[Post]:
    root = await timeline_store.visible_post(conn, root_id, viewer_id)
    if root is None:
        return []
    return [root, *await timeline_store.descendants(conn, root, viewer_id)]


async def messages(pool: Any, viewer_id: int, root_id: int) -> list[Message]:
    """A conversation's messages the viewer may read, oldest first (NotFound if none)."""
    async with pool.acquire() as conn:
        thread = await _thread(conn, root_id, viewer_id)
        posts = [post for post in thread if post.visibility == "direct" and not post.is_gone]
        authors: dict[int, Actor] = {}
        for post in posts:
            if post.author_id not in authors:
                author = await actor_store.find_by_id(conn, post.author_id)
                assert author is not None
                authors[post.author_id] = author
    if not posts:
        raise NotFound(_("there is no such conversation"))
    return [Message(post, authors[post.author_id]) for post in posts]


async def mark_read(pool: Any, viewer_id: int, root_id: int) -> None:
    async with pool.acquire() as conn:
        await conversation_store.mark_read(conn, viewer_id, root_id)


async def hide(pool: Any, viewer_id: int, root_id: int) -> bool:
    async with pool.acquire() as conn:
        return await conversation_store.hide(conn, viewer_id, root_id)


async def unread_count(pool: Any, viewer_id: int) -> int:
    async with pool.acquire() as conn:
        return await conversation_store.unread_count(conn, viewer_id)


async def readable_message(pool: Any, viewer_id: int | None, post_id: int) -> Post | None:
    """A direct message the viewer may read, or None."""
    if viewer_id is None:
        return None
    async with pool.acquire() as conn:
        post = await timeline_store.visible_post(conn, post_id, viewer_id)
    return post if post is not None and post.visibility == "direct" else None
