"""What operators watch, read straight from the tables: queue depths, host health, migrations."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

# How many of the worst-failing hosts /metrics names (a label per host must stay bounded).
WORST_HOSTS = 20


@dataclass(frozen=True)
class QueueStats:
    name: str
    depth: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class HostHealth:
    failing: int
    unavailable: int
    blocked: int
    worst: list[tuple[str, int]]


async def queue_stats(conn: asyncpg.Connection) -> list[QueueStats]:
    """Waiting rows per queue and the age of the oldest. Both counts walk the queues' partial
    indexes (only waiting rows are in them), so a scrape stays cheap while the queues are."""
    rows = await conn.fetch(
        """
        SELECT 'inbound_activities' AS name, count(*) AS depth,
               coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8 AS age
        FROM inbound_activities WHERE state IN ('unverified', 'pending')
        UNION ALL
        SELECT 'deliveries', count(*),
               coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
        FROM deliveries WHERE state = 'pending'
        """
    )
    return [QueueStats(row["name"], row["depth"], max(0.0, row["age"])) for row in rows]


async def host_health(conn: asyncpg.Connection) -> HostHealth:
    counts = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE failure_days > 0) AS failing,
               count(*) FILTER (WHERE unavailable) AS unavailable,
               count(*) FILTER (WHERE blocked) AS blocked
        FROM hosts
        """
    )
    worst = await conn.fetch(
        """
        SELECT host, failure_days FROM hosts WHERE failure_days > 0
        ORDER BY failure_days DESC, host LIMIT $1
        """,
        WORST_HOSTS,
    )
    return HostHealth(
        failing=counts["failing"],
        unavailable=counts["unavailable"],
        blocked=counts["blocked"],
        worst=[(row["host"], row["failure_days"]) for row in worst],
    )


async def applied_migrations(conn: asyncpg.Connection) -> set[int]:
    rows = await conn.fetch("SELECT version FROM schema_migrations")
    return {row["version"] for row in rows}


async def ping(conn: asyncpg.Connection) -> None:
    """The cheapest query: the database answers (/healthz)."""
    await conn.fetchval("SELECT 1")
