"""Which members here follow an account that moves."""

from __future__ import annotations

import asyncpg


async def local_followers(conn: asyncpg.Connection, followed_id: int) -> list[str]:
    """The usernames of the people here following (or asking to follow) the account."""
    rows = await conn.fetch(
        """
        SELECT a.username FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND a.domain IS NULL AND a.actor_type = 'Person'
        ORDER BY a.username
        """,
        followed_id,
    )
    return [row["username"] for row in rows]
