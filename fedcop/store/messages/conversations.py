"""Each local person's conversations: one row per thread of direct messages they take part in."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Conversation:
    actor_id: int
    root_id: int
    last_post_id: int
    unread: bool


async def touch(
    conn: asyncpg.Connection, actor_ids: list[int], root_id: int, post_id: int, author_id: int
) -> None:
    """A new message `post_id` in the thread `root_id`: each local participant's conversation
    shows it (and comes back if they had removed it); it is unread for all but its author."""
    await conn.executemany(
        """
        INSERT INTO direct_conversations (actor_id, root_id, last_post_id, unread)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (actor_id, root_id) DO UPDATE
        SET last_post_id = greatest(direct_conversations.last_post_id, EXCLUDED.last_post_id),
            unread = direct_conversations.unread OR EXCLUDED.unread,
            hidden = false
        """,
        [(actor_id, root_id, post_id, actor_id != author_id) for actor_id in actor_ids],
    )


async def page(
    conn: asyncpg.Connection,
    actor_id: int,
    *,
    before: int | None,
    after: int | None,
    limit: int,
) -> list[Conversation]:
    """A person's conversations, the one with the newest message first (paged on that
    message's id, as Mastodon pages them)."""
    rows = await conn.fetch(
        """
        SELECT c.actor_id, c.root_id, c.last_post_id, c.unread
        FROM direct_conversations c JOIN posts p ON p.id = c.last_post_id
        WHERE c.actor_id = $1 AND NOT c.hidden
          AND ($2::bigint IS NULL OR c.last_post_id < $2)
          AND ($3::bigint IS NULL OR c.last_post_id > $3)
        ORDER BY c.last_post_id DESC LIMIT $4
        """,
        actor_id,
        before,
        after,
        limit,
    )
    return [Conversation(**dict(row)) for row in rows]


async def find(conn: asyncpg.Connection, actor_id: int, root_id: int) -> Conversation | None:
    row = await conn.fetchrow(
        """
        SELECT actor_id, root_id, last_post_id, unread FROM direct_conversations
        WHERE actor_id = $1 AND root_id = $2 AND NOT hidden
        """,
        actor_id,
        root_id,
    )
    return Conversation(**dict(row)) if row is not None else None


async def mark_read(conn: asyncpg.Connection, actor_id: int, root_id: int) -> bool:
    status = await conn.execute(
        "UPDATE direct_conversations SET unread = false WHERE actor_id = $1 AND root_id = $2",
        actor_id,
        root_id,
    )
    return bool(status != "UPDATE 0")


async def hide(conn: asyncpg.Connection, actor_id: int, root_id: int) -> bool:
    status = await conn.execute(
        """
        UPDATE direct_conversations SET hidden = true, unread = false
        WHERE actor_id = $1 AND root_id = $2 AND NOT hidden
        """,
        actor_id,
        root_id,
    )
    return bool(status != "UPDATE 0")


async def unread_count(conn: asyncpg.Connection, actor_id: int) -> int:
    value = await conn.fetchval(
        "SELECT count(*) FROM direct_conversations WHERE actor_id = $1 AND unread AND NOT hidden",
        actor_id,
    )
    return int(value or 0)
