"""A member's aliases (alsoKnownAs) and the account they moved to (movedTo)."""

from __future__ import annotations

import asyncpg

# As many other accounts as anyone reasonably has.
MAX_ALIASES = 10


async def aliases_of(conn: asyncpg.Connection, actor_id: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT alias_uri FROM account_aliases WHERE actor_id = $1 ORDER BY created_at, alias_uri",
        actor_id,
    )
    return [row["alias_uri"] for row in rows]


async def add_alias(conn: asyncpg.Connection, actor_id: int, alias_uri: str) -> None:
    await conn.execute(
        """
        INSERT INTO account_aliases (actor_id, alias_uri) VALUES ($1, $2)
        ON CONFLICT DO NOTHING
        """,
        actor_id,
        alias_uri,
    )


async def remove_alias(conn: asyncpg.Connection, actor_id: int, alias_uri: str) -> bool:
    status = await conn.execute(
        "DELETE FROM account_aliases WHERE actor_id = $1 AND alias_uri = $2", actor_id, alias_uri
    )
    return bool(status.split()[-1] != "0")


async def moved_to(conn: asyncpg.Connection, actor_id: int) -> str | None:
    value = await conn.fetchval("SELECT moved_to FROM users WHERE actor_id = $1", actor_id)
    return str(value) if value is not None else None


async def set_moved_to(conn: asyncpg.Connection, actor_id: int, target_uri: str) -> None:
    await conn.execute("UPDATE users SET moved_to = $2 WHERE actor_id = $1", actor_id, target_uri)
