"""Conversations (threads) a user muted: nothing in them notifies the user."""

from __future__ import annotations

import asyncpg


def conversation_of(post: str) -> str:
    """SQL: the conversation (its first post's id) of the post `post` (an alias of posts)."""
    return f"coalesce({post}.thread_id, {post}.id)"


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
