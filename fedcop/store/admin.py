"""What the admin page shows of the node's federation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


@dataclass(frozen=True)
class HostState:
    host: str
    blocked: bool
    unavailable: bool
    failure_days: int
    last_failure_on: date | None
    last_success_at: datetime | None
    pending_deliveries: int


@dataclass(frozen=True)
class InboundError:
    activity_type: str
    actor_uri: str
    state: str
    last_error: str
    received_at: datetime


async def hosts(conn: asyncpg.Connection, limit: int = 200) -> list[HostState]:
    rows = await conn.fetch(
        """
        SELECT h.host, h.blocked, h.unavailable, h.failure_days, h.last_failure_on,
               h.last_success_at,
               (SELECT count(*) FROM deliveries d WHERE d.host = h.host AND d.state = 'pending')
                   AS pending_deliveries
        FROM hosts h
        ORDER BY h.blocked DESC, h.unavailable DESC, h.failure_days DESC, h.host
        LIMIT $1
        """,
        limit,
    )
    return [HostState(**dict(row)) for row in rows]


async def recent_inbound_errors(conn: asyncpg.Connection, limit: int = 50) -> list[InboundError]:
    rows = await conn.fetch(
        """
        SELECT activity_type, actor_uri, state, last_error, received_at FROM inbound_activities
        WHERE last_error IS NOT NULL AND state IN ('rejected', 'failed', 'pending', 'unverified')
        ORDER BY received_at DESC LIMIT $1
        """,
        limit,
    )
    return [InboundError(**dict(row)) for row in rows]
