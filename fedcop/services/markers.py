"""Read markers: where a user stopped reading their home timeline and their notifications,
shared between all their apps."""

from __future__ import annotations

from typing import Any

from fedcop.store import markers as store
from fedcop.store.markers import Marker

TIMELINES = ("home", "notifications")


async def of(pool: Any, actor_id: int, timelines: list[str]) -> list[Marker]:
    wanted = [name for name in timelines if name in TIMELINES]
    if not wanted:
        return []
    async with pool.acquire() as conn:
        return await store.of(conn, actor_id, wanted)


async def save(pool: Any, actor_id: int, positions: dict[str, int]) -> list[Marker]:
    """Set markers ({timeline: last read id}) together."""
    async with pool.acquire() as conn, conn.transaction():
        return [
            await store.save(conn, actor_id, timeline, last_read_id)
            for timeline, last_read_id in positions.items()
            if timeline in TIMELINES
        ]


async def last_read(pool: Any, actor_id: int, timeline: str) -> int | None:
    found = await of(pool, actor_id, [timeline])
    return found[0].last_read_id if found else None
