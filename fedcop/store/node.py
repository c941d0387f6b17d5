"""The node's own row: the base URL its ids were minted on."""

from __future__ import annotations

import asyncpg


async def recorded_base_url(conn: asyncpg.Connection) -> str | None:
    value = await conn.fetchval("SELECT base_url FROM node")
    return str(value) if value is not None else None


async def record_base_url(conn: asyncpg.Connection, base_url: str) -> str:
    """Record the base URL unless one is recorded already; return the one in force."""
    await conn.execute(
        "INSERT INTO node (base_url) VALUES ($1) ON CONFLICT (singleton) DO NOTHING", base_url
    )
    return str(await conn.fetchval("SELECT base_url FROM node"))
