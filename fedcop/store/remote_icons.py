"""The icons actors elsewhere state, each with the media proxy token it is shown through."""

from __future__ import annotations

import asyncpg


async def keep(conn: asyncpg.Connection, actor_id: int, url: str | None, token: str) -> None:
    """Remember the actor's icon address (`token`, when it is new); None forgets it."""
    if url is None:
        await conn.execute("DELETE FROM remote_actor_icons WHERE actor_id = $1", actor_id)
        return
    await conn.execute(
        """
        INSERT INTO remote_actor_icons (actor_id, url, proxy) VALUES ($1, $2, $3)
        ON CONFLICT (actor_id) DO UPDATE SET url = excluded.url, proxy = excluded.proxy
        WHERE remote_actor_icons.url IS DISTINCT FROM excluded.url
        """,
        actor_id,
        url,
        token,
    )


async def token_of(conn: asyncpg.Connection, actor_id: int) -> str | None:
    token: str | None = await conn.fetchval(
        "SELECT proxy FROM remote_actor_icons WHERE actor_id = $1", actor_id
    )
    return token
