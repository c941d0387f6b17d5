"""Keys refused when they were fetched (too small, too large, not RSA), remembered for a while so
that requests signed with them are refused without queueing them or fetching the key again."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

# How long a refusal stands: the actor may change its key, and is fetched again after this.
MEMORY = timedelta(days=1)


async def remember(conn: asyncpg.Connection, key_id: str, reason: str) -> None:
    await conn.execute(
        """
        INSERT INTO refused_keys (key_id, reason) VALUES ($1, $2)
        ON CONFLICT (key_id) DO UPDATE SET reason = excluded.reason, refused_at = now()
        """,
        key_id,
        reason[:2000],
    )
    await conn.execute("DELETE FROM refused_keys WHERE refused_at < now() - interval '7 days'")


async def recent_reason(
    conn: asyncpg.Connection, key_id: str, within: timedelta = MEMORY
) -> str | None:
    """Why `key_id` was refused, if it was within `within`."""
    reason: str | None = await conn.fetchval(
        "SELECT reason FROM refused_keys WHERE key_id = $1 AND refused_at > now() - $2::interval",
        key_id,
        within,
    )
    return reason


async def forget(conn: asyncpg.Connection, key_id: str) -> None:
    await conn.execute("DELETE FROM refused_keys WHERE key_id = $1", key_id)
