"""The uploaded pictures people and communities here show beside their names (actor_icons)."""

from __future__ import annotations

import asyncpg

from fedcop.store.media import Media
from fedcop.store.media import rows as media_rows


async def of(conn: asyncpg.Connection, actor_id: int) -> Media | None:
    """The actor's chosen picture, if it has one."""
    media_id = await conn.fetchval("SELECT media_id FROM actor_icons WHERE actor_id = $1", actor_id)
    return await media_rows.by_id(conn, media_id) if media_id is not None else None


async def choose(conn: asyncpg.Connection, actor_id: int, media_id: int) -> int | None:
    """Make `media_id` the actor's picture; the id of the one it replaces, if any."""
    previous = await conn.fetchval(
        "SELECT media_id FROM actor_icons WHERE actor_id = $1 FOR UPDATE", actor_id
    )
    await conn.execute(
        """
        INSERT INTO actor_icons (actor_id, media_id) VALUES ($1, $2)
        ON CONFLICT (actor_id) DO UPDATE SET media_id = excluded.media_id, chosen_at = now()
        """,
        actor_id,
        media_id,
    )
    await conn.execute(
        "UPDATE media SET attached_at = coalesce(attached_at, now()) WHERE id = $1", media_id
    )
    return int(previous) if previous is not None and previous != media_id else None


async def forget(conn: asyncpg.Connection, actor_id: int) -> int | None:
    """The actor goes back to a generated picture; the id of the upload it had."""
    media_id = await conn.fetchval(
        "DELETE FROM actor_icons WHERE actor_id = $1 RETURNING media_id", actor_id
    )
    return int(media_id) if media_id is not None else None
