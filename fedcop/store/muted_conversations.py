"""Conversations (threads) a user muted: nothing in them notifies the user. A conversation is
named by its first post's id (a post's `thread_id`, or its own id for the first post); the
notifications and the status facts check it in their own queries."""

from __future__ import annotations

import asyncpg


async def mute(conn: asyncpg.Connection, actor_id: int, thread_id: int) -> None:
    await conn.execute(
        """
        INSERT INTO muted_conversations (actor_id, thread_id) VALUES ($1, $2)
        ON CONFLICT DO NOTHING
        """,
        actor_id,
        thread_id,
    )


async def unmute(conn: asyncpg.Connection, actor_id: int, thread_id: int) -> None:
    await conn.execute(
        "DELETE FROM muted_conversations WHERE actor_id = $1 AND thread_id = $2",
        actor_id,
        thread_id,
    )
