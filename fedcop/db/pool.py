"""The asyncpg connection pool, set up the same way everywhere (server, CLI, tests)."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, through orjson (several times faster than json).
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: orjson.dumps(value).decode(),
        decoder=orjson.loads,
        schema="pg_catalog",
    )


async def _no_reset(conn: asyncpg.Connection) -> None:
    # asyncpg's default reset on release (UNLISTEN, RESET ALL, ...) costs a round trip each time
    # and halves read throughput; fedcop leaves no session state behind, so it is skipped.
    return None


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> Any:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_no_reset
    )
