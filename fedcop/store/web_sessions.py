"""Browser sessions: one row per signed-in browser, keyed by the SHA-256 of its cookie's token."""

from __future__ import annotations

from datetime import timedelta

import asyncpg


async def open_session(
    conn: asyncpg.Connection, token_hash: bytes, actor_id: int, lifetime: timedelta
) -> None:
    """Keep a new session, and let go of every session older than `lifetime`."""
    await conn.execute(
        "INSERT INTO web_sessions (token_hash, actor_id) VALUES ($1, $2)", token_hash, actor_id
    )
    await conn.execute("DELETE FROM web_sessions WHERE created_at < now() - $1::interval", lifetime)


async def is_open(
    conn: asyncpg.Connection, token_hash: bytes, actor_id: int, lifetime: timedelta
) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM web_sessions
                WHERE token_hash = $1 AND actor_id = $2 AND created_at > now() - $3::interval
            )
            """,
            token_hash,
            actor_id,
            lifetime,
        )
    )


async def close_session(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM web_sessions WHERE token_hash = $1", token_hash)


async def close_all(conn: asyncpg.Connection, actor_id: int) -> int:
    """End every session of an account; how many there were."""
    result = await conn.execute("DELETE FROM web_sessions WHERE actor_id = $1", actor_id)
    return int(result.split()[-1])
