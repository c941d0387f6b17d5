"""Stored files whose row is gone (`media_files_to_delete`, filled by a trigger, migration 0044)."""

from __future__ import annotations

import asyncpg


async def claim(conn: asyncpg.Connection, limit: int) -> list[str]:
    """Up to `limit` keys waiting, locked until the transaction ends (SKIP LOCKED: workers
    share the queue). Delete the bytes, then `remove` the keys, in that transaction."""
    rows = await conn.fetch(
        """
        SELECT storage_key FROM media_files_to_delete ORDER BY queued_at
        LIMIT $1 FOR UPDATE SKIP LOCKED
        """,
        limit,
    )
    return [row["storage_key"] for row in rows]


async def remove(conn: asyncpg.Connection, keys: list[str]) -> None:
    """The files under `keys` are gone from the storage: they leave the queue. (No row can name
    a key again: every key holds its row's unguessable token.)"""
    await conn.execute(
        "DELETE FROM media_files_to_delete WHERE storage_key = ANY($1::text[])", keys
    )


async def queue(conn: asyncpg.Connection, keys: list[str]) -> None:
    """Queue stored files no row names (a processing that finished after its row was deleted)."""
    await conn.execute(
        """
        INSERT INTO media_files_to_delete (storage_key) SELECT unnest($1::text[])
        ON CONFLICT DO NOTHING
        """,
        keys,
    )
