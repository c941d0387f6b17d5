"""Ids for new rows and published activities: time-sortable 64-bit numbers (migration 0001)."""

from __future__ import annotations

import asyncpg


async def next_id(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT fedcop_next_id()"))
