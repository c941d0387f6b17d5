"""Writing a direct message here, and taking it back.

    write(author, recipients, text)         (the web's Messages form, a check-in, a welcome,
                                             an app's `visibility: direct`)
      -> a post outside communities, visibility 'direct', its recipients in direct_recipients
      -> each local participant's conversation shows it; local recipients get a 'mention'
         notification (as Mastodon tells of a direct message)
      -> a Create of the Note (documents.direct_messages) to each remote recipient's own inbox,
         and to nobody else: no followers, no community, no relay
    reply(author, parent, text)            -> the same people as the message it answers
    withdraw(writer, post)                 -> a Tombstone here, a Delete to the same inboxes

The Create and Delete are recorded as carrying the message (store.messages.recipients.carry),
so GET /activities/N serves them to its participants only.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.direct_messages import direct_note
from fedcop.i18n.current import _, written_number
from fedcop.services import addressees, markdown, outbox
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.mail import addresses as mail_addresses
from fedcop.store import actors as actor_store
from fedcop.store import ids
from fedcop.store import notifications as notification_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.messages import conversations as conversation_store
from fedcop.store.messages import recipients as recipient_store
from fedcop.store.posts import NewPost, Post
from federation.html import escape

MAX_CONTENT = 20_000
MAX_SUMMARY = 1000
MAX_RECIPIENTS = addressees.MAX_ADDRESSEES
PEOPLE = addressees.PEOPLE


async def write(
    pool: Any,
    config: Config,
    *,
    author: str,
    recipients: list[Actor],
    text: str,
    in_reply_to: Post | None = None,
    summary: str = "",
    sensitive: bool = False,
) -> Post:
    """`author` (a local person) writes `text` (Markdown) privately to `recipients`; with
    `in_reply_to` (a direct message they may read) also to everyone in that conversation."""
    _check_text(text, summary)
    async with pool.acquire() as conn, conn.transaction():
        writer = await actor_store.find_local(conn, author)
        if writer is None or writer.actor.actor_type != "Person":
            raise NotFound(_("there is no user '%(name)s' on this node", name=author))
        await mail_addresses.check_may_post(conn, writer.actor.id)
        return await write_in(
            conn,
            config,
            writer.actor,
            recipients,
            text,
            in_reply_to=in_reply_to,
            summary=summary,
            sensitive=sensitive,
        )


async def write_in(
    conn: asyncpg.Connection,
    config: Config,
    writer: Actor,
    recipients: list[Actor],
    text: str,
    *,
    in_reply_to: Post | None = None,
    summary: str = "",
    sensitive: bool = False,
) -> Post:
    """`write` inside the caller's transaction (a welcome is sent in the join's)."""
    _check_text(text, summary)
    everyone = list(recipients)
    root_id: int | None = None
    if in_reply_to is not None:
        if in_reply_to.visibility != "direct":
            raise InvalidInput(_("only a direct message is answered privately"))
        conversation = await participants(conn, in_reply_to)
        if writer.id not in {actor.id for actor in conversation}:
            # Only someone in a conversation answers in it (and so learns who is in it).
            raise NotFound(_("there is no such message to answer"))
        everyone = [*conversation, *everyone]
        root_id = in_reply_to.thread_id or in_reply_to.id
    people = [actor for actor in everyone if actor.actor_type in PEOPLE and actor.id != writer.id]
    people = list({actor.id: actor for actor in people}.values())[:MAX_RECIPIENTS]
    if not people:
        raise InvalidInput(_("name who the message is for: @name, or @name@server for elsewhere"))
    post_id = await ids.next_id(conn)
    stored = await post_store.insert(
        conn,
        NewPost(
            uri=f"{config.base_url}/p/{post_id}",
            community_id=None,
            author_id=writer.id,
            thread_id=root_id,
            parent_id=in_reply_to.id if in_reply_to is not None else None,
            in_reply_to_uri=in_reply_to.uri if in_reply_to is not None else None,
            object_type="Note",
            title=None,
            content=addressees.link_mentions(markdown.render(text), people, config),
            summary=escape(summary.strip()),
            url=None,
            attachments=[],
            sensitive=sensitive or bool(summary.strip()),
            visibility="direct",
            create_uri=None,
            published=None,
            source=text,
        ),
        post_id,
    )
    assert stored is not None  # a fresh id
    await recipient_store.add(conn, stored.id, [actor.id for actor in people])
    local = [actor.id for actor in people if actor.is_local]
    await conversation_store.touch(
        conn, [writer.id, *local], root_id or stored.id, stored.id, writer.id
    )
    if local:
        await notification_store.add_many(conn, local, "mention", writer.id, stored.id)
    document = direct_note(stored, writer, people, config)
    create = await outbox.publish(
        conn,
        config,
        writer,
        {
            "type": "Create",
            "object": {key: value for key, value in document.items() if key != "@context"},
            "to": document["to"],
            "cc": [],
        },
        inboxes_of(people),
    )
    await recipient_store.carry(conn, create["id"], stored.id)
    await post_store.set_create_uri(conn, stored.id, create["id"])
    found = await post_store.find(conn, stored.id)
    assert found is not None
    return found


async def withdraw(conn: asyncpg.Connection, config: Config, writer: Actor, post: Post) -> None:
    """The writer deletes their message: a Tombstone here, a Delete to the same inboxes."""
    people = await recipient_store.of_post(conn, post.id)
    await post_store.mark_deleted(conn, post.id)
    deletion = await outbox.publish(
        conn,
        config,
        writer,
        {"type": "Delete", "object": post.uri, "to": [actor.uri for actor in people], "cc": []},
        inboxes_of(people),
    )
    await recipient_store.carry(conn, deletion["id"], post.id)


async def participants(conn: asyncpg.Connection, post: Post) -> list[Actor]:
    """Everyone in the conversation of a direct message: its author and its recipients."""
    author = await actor_store.find_by_id(conn, post.author_id)
    assert author is not None  # posts.author_id references actors
    return [author, *await recipient_store.of_post(conn, post.id)]


def inboxes_of(people: list[Actor]) -> list[str]:
    """Each remote recipient's own inbox (its shared inbox only when it has no other), once:
    the message goes to the people it is for, never to a server's followers' fan-out."""
    inboxes: list[str] = []
    for actor in people:
        if actor.is_local:
            continue
        inbox = actor.inbox_url or actor.shared_inbox_url
        if inbox and inbox not in inboxes:
            inboxes.append(inbox)
    return inboxes


def _check_text(text: str, summary: str) -> None:
    if not text.strip():
        raise InvalidInput(_("the message is empty: write something"))
    if len(text) > MAX_CONTENT:
        raise InvalidInput(
            _(
                "the message is too long: at most %(number)s characters",
                number=written_number(MAX_CONTENT),
            )
        )
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            _(
                "the content warning is too long: at most %(number)s characters",
                number=written_number(MAX_SUMMARY),
            )
        )
