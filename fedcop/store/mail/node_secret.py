"""The node's signing secret, read for tokens carried in mail links."""

from __future__ import annotations

import asyncpg


async def signing_secret(conn: asyncpg.Connection) -> str | None:
    value = await conn.fetchval("SELECT session_secret FROM node")
    return str(value) if value else None
