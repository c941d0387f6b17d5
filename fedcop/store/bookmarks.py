"""Posts a user saved for later (only they see their bookmarks)."""

from __future__ import annotations

import asyncpg


async def add(conn: asyncpg.Connection, actor_id: int, post_id: int) -> None:
    await conn.execute(
        "INSERT INTO bookmarks (actor_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        actor_id,
        post_id,
    )


async def remove(conn: asyncpg.Connection, actor_id: int, post_id: int) -> None:
    await conn.execute(
        "DELETE FROM bookmarks WHERE actor_id = $1 AND post_id = $2", actor_id, post_id
    )
