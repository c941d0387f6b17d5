"""The interface language each member chose (member_languages)."""

from __future__ import annotations

import asyncpg


async def chosen(conn: asyncpg.Connection | asyncpg.Pool, actor_id: int) -> str | None:
    """The member's language, or None when they left it to their browser."""
    value = await conn.fetchval(
        "SELECT language FROM member_languages WHERE actor_id = $1", actor_id
    )
    return str(value) if value is not None else None


async def choose(conn: asyncpg.Connection | asyncpg.Pool, actor_id: int, language: str) -> None:
    await conn.execute(
        """
        INSERT INTO member_languages (actor_id, language) VALUES ($1, $2)
        ON CONFLICT (actor_id) DO UPDATE SET language = excluded.language
        """,
        actor_id,
        language,
    )


async def forget(conn: asyncpg.Connection | asyncpg.Pool, actor_id: int) -> None:
    await conn.execute("DELETE FROM member_languages WHERE actor_id = $1", actor_id)
