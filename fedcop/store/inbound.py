"""The inbox queue: durable inserts (batched), claims, and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from fedcop.queues import InboundState


@dataclass(frozen=True)
class NewInbound:
    activity_id: str
    activity_type: str
    actor_uri: str
    document: dict[str, Any]
    state: InboundState
    signed_request: dict[str, Any] | None = None
    # Its turn among everyone's (see fedcop.inbox.fairness); None: now, at the commit.
    fair_at: datetime | None = None


@dataclass(frozen=True)
class ClaimedInbound:
    id: int
    activity_id: str
    activity_type: str
    actor_uri: str
    document: dict[str, Any]
    state: InboundState
    signed_request: dict[str, Any] | None
    attempts: int


async def insert_many(conn: asyncpg.Connection, rows: Sequence[NewInbound]) -> None:
    """Queue activities in one statement; an activity already queued is not queued again."""
    await conn.executemany(
        """
        INSERT INTO inbound_activities
            (activity_id, activity_type, actor_uri, document, state, signed_request, fair_at)
        VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))
        ON CONFLICT (activity_id) DO NOTHING
        """,
        [
            (
                r.activity_id,
                r.activity_type,
                r.actor_uri,
                r.document,
                r.state.value,
                r.signed_request,
                r.fair_at,
            )
            for r in rows
        ],
    )


async def claim(conn: asyncpg.Connection, limit: int, lease: timedelta) -> list[ClaimedInbound]:
    """Due rows in their fair order (fair_at: one actor's backlog waits behind everyone else's
    fresh work), leased. A leased or retried row has fair_at = next_attempt_at, so the index
    scan on fair_at meets few rows that are not due."""
    rows = await conn.fetch(
        """
        UPDATE inbound_activities
        SET next_attempt_at = now() + $2, fair_at = now() + $2, attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM inbound_activities
            WHERE state IN ('unverified', 'pending') AND next_attempt_at <= now()
            ORDER BY fair_at, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, activity_id, activity_type, actor_uri, document, state, signed_request,
                  attempts
        """,
        limit,
        lease,
    )
    claimed = [ClaimedInbound(**{**dict(row), "state": InboundState(row["state"])}) for row in rows]
    claimed.sort(key=lambda c: c.id)  # receive order within the batch
    return claimed


async def waiting_of(conn: asyncpg.Connection, actor_uri: str, at_most: int) -> int:
    """How many of the actor's verified activities wait to be handled, counted up to
    `at_most`. Unverified ones are not the actor's until their signature is checked: anyone
    can send them in its name."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM inbound_activities
                WHERE actor_uri = $1 AND state = 'pending'
                LIMIT $2
            ) AS waiting
            """,
            actor_uri,
            at_most,
        )
    )


async def waiting_of_host(conn: asyncpg.Connection, actor_uri: str, at_most: int) -> int:
    """How many verified activities from actors on `actor_uri`'s host (port aside) wait to be
    handled, counted up to `at_most` (the indexed `actor_host` column)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM inbound_activities
                WHERE actor_host = uri_host($1) AND state = 'pending'
                LIMIT $2
            ) AS waiting
            """,
            actor_uri,
            at_most,
        )
    )


async def mark_verified(conn: asyncpg.Connection, row_id: int) -> None:
    await conn.execute(
        """
        UPDATE inbound_activities SET state = 'pending', signed_request = NULL
        WHERE id = $1 AND state = 'unverified'
        """,
        row_id,
    )


async def finish(
    conn: asyncpg.Connection, row_id: int, state: InboundState, error: str | None = None
) -> None:
    """The row's final state. `error` is why: kept as `reason` for 'ignored' and 'rejected'
    rows, and as `last_error` for 'rejected' and 'failed' ones."""
    # A 'failed' row keeps its signature when it has one (it was never verified): an operator's
    # retry (`fedcop admin queue retry`) must verify it before anything acts on it.
    await conn.execute(
        """
        UPDATE inbound_activities
        SET state = $2, finished_at = now(),
            last_error = CASE WHEN $2 IN ('rejected', 'failed') THEN $3 END,
            reason = CASE WHEN $2 IN ('ignored', 'rejected') THEN $3 END,
            signed_request = CASE WHEN $2 = 'failed' THEN signed_request END
        WHERE id = $1
        """,
        row_id,
        state.value,
        error,
    )


async def retry_later(conn: asyncpg.Connection, row_id: int, delay: timedelta, error: str) -> None:
    await conn.execute(
        """
        UPDATE inbound_activities
        SET next_attempt_at = now() + $2, fair_at = now() + $2, last_error = $3
        WHERE id = $1
        """,
        row_id,
        delay,
        error,
    )


async def reason_of(conn: asyncpg.Connection, activity_id: str) -> str | None:
    """Why the activity was ignored or rejected (None if it was handled, or is not here)."""
    value = await conn.fetchval(
        "SELECT reason FROM inbound_activities WHERE activity_id = $1", activity_id
    )
    return str(value) if value is not None else None


async def state_of(conn: asyncpg.Connection, activity_id: str) -> str | None:
    value = await conn.fetchval(
        "SELECT state FROM inbound_activities WHERE activity_id = $1", activity_id
    )
    return str(value) if value is not None else None


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM inbound_activities GROUP BY state")
    return {row["state"]: row["n"] for row in rows}
