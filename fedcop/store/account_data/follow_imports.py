"""The addresses of an imported follows CSV, waiting for the worker or done (migration 0053)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg


@dataclass(frozen=True)
class ImportedAddress:
    id: int
    actor_id: int
    address: str
    state: str
    reason: str | None


async def add(conn: asyncpg.Connection, actor_id: int, addresses: list[str]) -> int:
    """Queue the addresses for the worker (an address imported before is queued again);
    how many."""
    await conn.executemany(
        """
        INSERT INTO follow_imports (actor_id, address) VALUES ($1, $2)
        ON CONFLICT (actor_id, address) DO UPDATE
            SET state = 'pending', reason = NULL, attempts = 0, next_attempt_at = now(),
                finished_at = NULL, created_at = now()
        """,
        [(actor_id, address) for address in addresses],
    )
    return len(addresses)


async def claim(conn: asyncpg.Connection, limit: int, lease: timedelta) -> list[ImportedAddress]:
    """Take due addresses for one pass; another worker skips them until the lease ends."""
    rows = await conn.fetch(
        """
        UPDATE follow_imports SET attempts = attempts + 1, next_attempt_at = now() + $2::interval
        WHERE id IN (
            SELECT id FROM follow_imports
            WHERE state = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
        )
        RETURNING id, actor_id, address, state, reason
        """,
        limit,
        lease,
    )
    return [ImportedAddress(**dict(row)) for row in rows]


async def finish(conn: asyncpg.Connection, row_id: int, state: str, reason: str | None) -> None:
    await conn.execute(
        "UPDATE follow_imports SET state = $2, reason = $3, finished_at = now() WHERE id = $1",
        row_id,
        state,
        reason,
    )


async def retry_later(conn: asyncpg.Connection, row_id: int, delay: timedelta, why: str) -> None:
    await conn.execute(
        """
        UPDATE follow_imports SET next_attempt_at = now() + $2::interval, reason = $3
        WHERE id = $1
        """,
        row_id,
        delay,
        why,
    )


async def of(conn: asyncpg.Connection, actor_id: int) -> list[ImportedAddress]:
    """Everything the member imported, newest first (at most as many as one file holds)."""
    rows = await conn.fetch(
        """
        SELECT id, actor_id, address, state, reason FROM follow_imports
        WHERE actor_id = $1 ORDER BY created_at DESC, address LIMIT 2000
        """,
        actor_id,
    )
    return [ImportedAddress(**dict(row)) for row in rows]


async def attempts_of(conn: asyncpg.Connection, row_id: int) -> int:
    return int(await conn.fetchval("SELECT attempts FROM follow_imports WHERE id = $1", row_id))
