"""Password checks that failed (or are still running), counted by throttle key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg


@dataclass(frozen=True)
class FailureCount:
    count: int  # failures within the window
    seconds_since_last: float  # since the latest of them (0 when there is none)


async def lock_keys(conn: asyncpg.Connection, keys: list[str]) -> None:
    """Serialise attempts on the same keys until the transaction ends (check, then record)."""
    for key in sorted(keys):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('login:' || $1))", key)


async def count(conn: asyncpg.Connection, key: str, window: timedelta) -> FailureCount:
    row = await conn.fetchrow(
        """
        SELECT count(*) AS failures,
               coalesce(extract(epoch FROM now() - max(failed_at)), 0)::float8 AS since
        FROM login_failures
        WHERE key = $1 AND failed_at > now() - $2::interval
        """,
        key,
        window,
    )
    assert row is not None
    return FailureCount(int(row["failures"]), float(row["since"]))


async def record(conn: asyncpg.Connection, keys: list[str]) -> datetime:
    """One failure for each key, stamped now; the stamp (to take them back if the password
    matched). Rows older than a day are let go."""
    stamp: datetime = await conn.fetchval("SELECT now()")
    await conn.executemany(
        "INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)", [(k, stamp) for k in keys]
    )
    await conn.execute("DELETE FROM login_failures WHERE failed_at < now() - interval '1 day'")
    return stamp


async def take_back(conn: asyncpg.Connection, keys: list[str], stamp: datetime) -> None:
    """Remove the rows `record` wrote at `stamp` for these keys."""
    await conn.execute(
        "DELETE FROM login_failures WHERE key = ANY($1::text[]) AND failed_at = $2", keys, stamp
    )


async def forget(conn: asyncpg.Connection, key: str) -> None:
    """Every failure under `key` (a pair whose owner just signed in)."""
    await conn.execute("DELETE FROM login_failures WHERE key = $1", key)
