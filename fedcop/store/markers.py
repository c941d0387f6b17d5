"""Where a user stopped reading their home timeline and their notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Marker:
    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


async def of(conn: asyncpg.Connection, actor_id: int, timelines: list[str]) -> list[Marker]:
    rows = await conn.fetch(
        """
        SELECT timeline, last_read_id, version, updated_at FROM markers
        WHERE actor_id = $1 AND timeline = ANY($2::text[])
        """,
        actor_id,
        timelines,
    )
    return [Marker(**dict(row)) for row in rows]


async def save(conn: asyncpg.Connection, actor_id: int, timeline: str, last_read_id: int) -> Marker:
    """Set a marker; every save counts up its version."""
    row = await conn.fetchrow(
        """
        INSERT INTO markers (actor_id, timeline, last_read_id) VALUES ($1, $2, $3)
        ON CONFLICT (actor_id, timeline) DO UPDATE
        SET last_read_id = excluded.last_read_id, version = markers.version + 1,
            updated_at = now()
        RETURNING timeline, last_read_id, version, updated_at
        """,
        actor_id,
        timeline,
        last_read_id,
    )
    return Marker(**dict(row))


async def advance(
    conn: asyncpg.Connection, actor_id: int, timeline: str, last_read_id: int
) -> None:
    """Move a marker forward to `last_read_id` (never back: an app may have read further)."""
    await conn.execute(
        """
        INSERT INTO markers (actor_id, timeline, last_read_id) VALUES ($1, $2, $3)
        ON CONFLICT (actor_id, timeline) DO UPDATE
        SET last_read_id = excluded.last_read_id, version = markers.version + 1,
            updated_at = now()
        WHERE markers.last_read_id < excluded.last_read_id
        """,
        actor_id,
        timeline,
        last_read_id,
    )
