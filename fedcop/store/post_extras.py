"""What the client API adds to a post: its hashtags, and the Idempotency-Key it was written
with; and how the actors a post names are found."""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def set_tags(conn: asyncpg.Connection, post_id: int, tags: list[str]) -> None:
    # The tags in use (`hashtags`, for search) follow by trigger, from the old and new tags.
    await conn.execute("UPDATE posts SET tags = $2 WHERE id = $1", post_id, tags)


async def post_for_key(conn: asyncpg.Connection, actor_id: int, key: str) -> int | None:
    value = await conn.fetchval(
        "SELECT post_id FROM api_idempotency WHERE actor_id = $1 AND key = $2", actor_id, key
    )
    return int(value) if value is not None else None


async def remember_key(conn: asyncpg.Connection, actor_id: int, key: str, post_id: int) -> None:
    await conn.execute(
        """
        INSERT INTO api_idempotency (actor_id, key, post_id) VALUES ($1, $2, $3)
        ON CONFLICT DO NOTHING
        """,
        actor_id,
        key,
        post_id,
    )


async def actor_by_handle(
    conn: asyncpg.Connection, username: str, domain: str | None
) -> Actor | None:
    """An actor here (domain None) or a stored remote one, by its handle (case-insensitive)."""
    row = await conn.fetchrow(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM actors a
        WHERE lower(a.username) = lower($1)
          AND (($2::text IS NULL AND a.domain IS NULL) OR a.domain = lower($2))
        LIMIT 1
        """,
        username,
        domain,
    )
    return _actor(row) if row else None


async def local_users_by_uri(conn: asyncpg.Connection, uris: list[str]) -> list[int]:
    """The ids of the local users among these actor ids (URIs)."""
    rows = await conn.fetch(
        """
        SELECT a.id FROM actors a JOIN users u ON u.actor_id = a.id
        WHERE a.uri = ANY($1::text[])
        """,
        list(set(uris)),
    )
    return [row["id"] for row in rows]
