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
    # Set while the delivery circuit breaker holds the host off (store/host_breaker.py).
    suspended_until: datetime | None = None


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
               CASE WHEN h.suspended_until > now() THEN h.suspended_until END AS suspended_until,
               (SELECT count(*) FROM deliveries d WHERE d.host = h.host AND d.state = 'pending')
                   AS pending_deliveries
        FROM hosts h
        ORDER BY h.blocked DESC, h.unavailable DESC, h.suspended_until > now() DESC NULLS LAST,
                 h.failure_days DESC, h.host
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


@dataclass(frozen=True)
class IgnoredActivity:
    activity_type: str
    actor_uri: str
    reason: str
    finished_at: datetime


async def recently_ignored(conn: asyncpg.Connection, limit: int = 30) -> list[IgnoredActivity]:
    """The latest activities that needed nothing done here, each with why."""
    rows = await conn.fetch(
        """
        SELECT activity_type, actor_uri, coalesce(reason, 'no reason recorded') AS reason,
               finished_at
        FROM inbound_activities
        WHERE state = 'ignored' AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT $1
        """,
        limit,
    )
    return [IgnoredActivity(**dict(row)) for row in rows]


# -- what an operator does from the command line ---------------------------------------------


async def set_admin(conn: asyncpg.Connection, actor_id: int, is_admin: bool) -> None:
    # The session version moves too: pages cached in a signed-in session see the new role.
    await conn.execute(
        "UPDATE users SET is_admin = $2, session_version = session_version + 1 WHERE actor_id = $1",
        actor_id,
        is_admin,
    )


async def revoke_tokens_of(conn: asyncpg.Connection, actor_id: int) -> int:
    """Revoke every live API token of a user; how many there were."""
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        actor_id,
    )
    return int(status.split()[-1])


async def blocked_hosts(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch("SELECT host FROM hosts WHERE blocked ORDER BY host")
    return [row["host"] for row in rows]


@dataclass(frozen=True)
class QueueCounts:
    """One queue at a glance: rows by state, and how late its oldest due row is."""

    by_state: dict[str, int]
    oldest_due_seconds: float | None


@dataclass(frozen=True)
class StuckItem:
    """A row left for an operator: a failed inbound activity or a given-up delivery."""

    id: int
    what: str  # the activity type and actor (inbound), or the activity and inbox (delivery)
    state: str
    attempts: int
    last_error: str | None
    finished_at: datetime | None


async def inbound_counts(conn: asyncpg.Connection) -> QueueCounts:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM inbound_activities GROUP BY state")
    oldest = await conn.fetchval(
        """
        SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 FROM inbound_activities
        WHERE state IN ('unverified', 'pending') AND next_attempt_at <= now()
        """
    )
    return QueueCounts({row["state"]: row["n"] for row in rows}, oldest)


async def delivery_counts(conn: asyncpg.Connection) -> QueueCounts:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM deliveries GROUP BY state")
    oldest = await conn.fetchval(
        """
        SELECT extract(epoch FROM now() - min(next_attempt_at))::float8 FROM deliveries
        WHERE state = 'pending' AND next_attempt_at <= now()
        """
    )
    return QueueCounts({row["state"]: row["n"] for row in rows}, oldest)


async def failed_inbound(conn: asyncpg.Connection, limit: int) -> list[StuckItem]:
    rows = await conn.fetch(
        """
        SELECT id, activity_type || ' ' || activity_id || ' from ' || actor_uri AS what,
               state, attempts, last_error, finished_at
        FROM inbound_activities WHERE state = 'failed'
        ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT $1
        """,
        limit,
    )
    return [StuckItem(**dict(row)) for row in rows]


async def given_up_deliveries(conn: asyncpg.Connection, limit: int) -> list[StuckItem]:
    rows = await conn.fetch(
        """
        SELECT d.id, o.uri || ' to ' || d.inbox_url AS what, d.state, d.attempts,
               coalesce(d.last_error, 'HTTP ' || d.last_status) AS last_error, d.finished_at
        FROM deliveries d JOIN outbound_activities o ON o.id = d.activity_id
        WHERE d.state = 'given_up'
        ORDER BY d.finished_at DESC NULLS LAST, d.id DESC LIMIT $1
        """,
        limit,
    )
    return [StuckItem(**dict(row)) for row in rows]


async def retry_inbound(conn: asyncpg.Connection, ids: list[int] | None) -> list[int]:
    """Failed inbound rows (those with these ids, or all when None) due again now; the ids
    that were. A row never verified goes back to 'unverified' (its signature is checked
    first), any other to 'pending'. The attempt count starts over."""
    rows = await conn.fetch(
        """
        UPDATE inbound_activities
        SET state = CASE WHEN signed_request IS NULL THEN 'pending' ELSE 'unverified' END,
            attempts = 0, next_attempt_at = now(), finished_at = NULL
        WHERE state = 'failed' AND ($1::bigint[] IS NULL OR id = ANY($1))
        RETURNING id
        """,
        ids,
    )
    return sorted(row["id"] for row in rows)


async def retry_deliveries(conn: asyncpg.Connection, ids: list[int] | None) -> list[int]:
    """Given-up deliveries back to pending, due now (see retry_inbound)."""
    rows = await conn.fetch(
        """
        UPDATE deliveries
        SET state = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
        WHERE state = 'given_up' AND ($1::bigint[] IS NULL OR id = ANY($1))
        RETURNING id
        """,
        ids,
    )
    return sorted(row["id"] for row in rows)
