"""What every mail of a community carries: its list identity, the reader's one-click
unsubscribe, and the reader's personal reply address for the thread."""

from __future__ import annotations

from email.message import EmailMessage

import asyncpg

from fedcop.config import Config
from fedcop.mail import reply_addresses
from fedcop.mail.compose import MailList
from fedcop.services.mail import links, outbox
from fedcop.store.actors import Actor


def mail_list(community: Actor) -> MailList:
    """A community as a mailing list; one elsewhere is named with its server (`name.server`)."""
    name = community.username if community.is_local else f"{community.username}.{community.domain}"
    return MailList(name=name, title=community.display_name or community.username)


def handle_of(actor: Actor) -> str:
    """`name` for someone here, `name@server` for someone elsewhere."""
    return actor.username if actor.is_local else f"{actor.username}@{actor.domain}"


async def unsubscribe_url(
    conn: asyncpg.Connection, config: Config, user_id: int, community_id: int
) -> str:
    return await links.unsubscribe_url(conn, config, user_id, community_id)


async def reply_to_for(
    conn: asyncpg.Connection, config: Config, user_id: int, thread_id: int
) -> str | None:
    """The member's personal, signed reply address for the thread.

    The one place every notification and list mail gets its Reply-To from: replying to it
    posts in the thread as the member (services.mail.inbound)."""
    secret = await links.mail_secret(conn)
    return reply_addresses.reply_address(secret, user_id, thread_id, config.reply_mail_domain)


async def hand_over(
    conn: asyncpg.Connection,
    config: Config,
    *,
    to: str,
    message: EmailMessage,
    user_id: int,
    community_id: int,
    thread_id: int | None,
) -> None:
    """Queue the message in the caller's transaction (nothing is sent if it rolls back)."""
    await outbox.enqueue(
        conn,
        config,
        to=to,
        message=message,
        user_id=user_id,
        community_id=community_id,
        thread_id=thread_id,
    )
