"""Published activities and the delivery queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson


async def insert_activity(
    conn: asyncpg.Connection,
    uri: str,
    actor_id: int,
    document: dict[str, Any],
    members_of: int | None = None,
) -> int:
    return int(
        await conn.fetchval(
            """
            INSERT INTO outbound_activities (uri, actor_id, document, body, members_of)
            VALUES ($1, $2, $3, $4, $5)
            RETURNING id
            """,
            uri,
            actor_id,
            document,
            orjson.dumps(document).decode(),
            members_of,
        )
    )


async def sign_with_retired_key(conn: asyncpg.Connection, uri: str, retired_key: int) -> None:
    """Have the deliveries of an activity signed with a retired key (retired_keys.id) instead
    of its actor's current one; done in the transaction that publishes it, before any worker
    can claim them."""
    await conn.execute(
        "UPDATE outbound_activities SET signing_key = $2 WHERE uri = $1", uri, retired_key
    )


async def activity_document(conn: asyncpg.Connection, uri: str) -> dict[str, Any] | None:
    value = await conn.fetchval("SELECT document FROM outbound_activities WHERE uri = $1", uri)
    return dict(value) if value is not None else None


async def activity_body(conn: asyncpg.Connection, uri: str) -> tuple[bytes, int | None] | None:
    """(the activity as sent, the private community whose members alone may read it)."""
    row = await conn.fetchrow(
        """
        SELECT body, members_of FROM outbound_activities
        WHERE uri = $1
          AND document->>'type' <> 'Flag'  -- a report is for those it was sent to alone
        """,
        uri,
    )
    return (str(row["body"]).encode(), row["members_of"]) if row is not None else None


async def enqueue_deliveries(
    conn: asyncpg.Connection, activity_id: int, inbox_urls: Sequence[str]
) -> int:
    """One delivery row per distinct inbox; returns how many were queued."""
    unique = list(dict.fromkeys(inbox_urls))
    await conn.executemany(
        """
        INSERT INTO deliveries (activity_id, inbox_url, host) VALUES ($1, $2, $3)
        ON CONFLICT (activity_id, inbox_url) DO NOTHING
        """,
        [(activity_id, url, (urlsplit(url).hostname or "").lower()) for url in unique],
    )
    return len(unique)


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    inbox_url: str
    host: str
    attempts: int
    body: bytes
    actor_id: int
    key_id: str
    private_key_pem: str
    host_blocked: bool
    host_unavailable: bool
    # The host has not answered its last delivery attempts (hosts.consecutive_failures > 0) or
    # has never been delivered to: it gets the smaller share of the worker's slots.
    host_failing: bool
    # The signature scheme the host last accepted (hosts.signature_scheme), None if unknown.
    host_signature_scheme: str | None


async def claim_deliveries(
    conn: asyncpg.Connection,
    limit: int,
    lease: timedelta,
    *,
    per_host: int | None = None,
    horizon: int = 50,
    busy_hosts: Sequence[str] = (),
    failing_hosts: bool | None = None,
) -> list[ClaimedDelivery]:
    """Claim up to `limit` due deliveries, oldest first, at most `per_host` of any one host,
    skipping hosts the circuit breaker holds off (store/host_breaker.py).

    The per-host cap is a window over the first `limit * horizon` due rows: a host with a
    backlog of thousands takes `per_host` slots, and the rest of the claim goes to other hosts.
    `busy_hosts` (those the caller already has enough deliveries under way to) are skipped.
    Rows of hosts that answered last time come first, then of hosts never delivered to, then of
    hosts whose last attempts failed; `failing_hosts` True claims only rows of hosts not known
    to answer (the last two kinds), False only the others.
    """
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT d.id, d.next_attempt_at, d.failing,
                   row_number() OVER (PARTITION BY d.host ORDER BY d.next_attempt_at, d.id) AS nth
            FROM (
                SELECT d.id, d.host, d.next_attempt_at,
                       -- 0: answered last time, 1: never delivered to yet, 2: failing
                       CASE WHEN coalesce(h.consecutive_failures, 0) > 0 THEN 2
                            WHEN h.last_success_at IS NULL THEN 1
                            ELSE 0 END AS failing
                FROM deliveries d
                LEFT JOIN hosts h ON h.host = d.host
                WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                  AND NOT coalesce(h.suspended_until > now(), false)
                  AND d.host <> ALL($5::text[])
                  AND ($6::boolean IS NULL
                       OR (coalesce(h.consecutive_failures, 0) > 0
                           OR h.last_success_at IS NULL) = $6::boolean)
                ORDER BY d.next_attempt_at, d.id
                LIMIT $1::integer * $4::integer
            ) d
        ),
        picked AS (
            SELECT id FROM deliveries
            WHERE id IN (
                -- Hosts that answered last time, then new ones, then those failing.
                SELECT id FROM due WHERE nth <= $3::integer
                ORDER BY failing, next_attempt_at, id
                LIMIT $1
            )
              AND state = 'pending' AND next_attempt_at <= now()
            FOR UPDATE SKIP LOCKED
        ),
        claimed AS (
            UPDATE deliveries SET next_attempt_at = now() + $2, attempts = attempts + 1
            WHERE id IN (SELECT id FROM picked)
            RETURNING id, activity_id, inbox_url, host, attempts
        )
        SELECT c.id, c.inbox_url, c.host, c.attempts, o.body,
               a.id AS actor_id,
               coalesce(r.key_id, a.public_key_id) AS key_id,
               coalesce(r.private_key_pem, a.private_key_pem) AS private_key_pem,
               coalesce(h.blocked, false) AS host_blocked,
               coalesce(h.unavailable, false) AS host_unavailable,
               (coalesce(h.consecutive_failures, 0) > 0 OR h.last_success_at IS NULL)
                   AS host_failing,
               h.signature_scheme AS host_signature_scheme
        FROM claimed c
        JOIN outbound_activities o ON o.id = c.activity_id
        JOIN actors a ON a.id = o.actor_id
        -- An activity that must be signed with a retired key (the Update announcing a new one)
        LEFT JOIN retired_keys r ON r.id = o.signing_key
        LEFT JOIN hosts h ON h.host = c.host
        ORDER BY c.id
        """,
        limit,
        lease,
        per_host if per_host is not None else limit,
        horizon,
        list(busy_hosts),
        failing_hosts,
    )
    return [ClaimedDelivery(**{**dict(row), "body": row["body"].encode("utf-8")}) for row in rows]


async def finish_delivery(
    conn: asyncpg.Connection, delivery_id: int, state: str, status: int | None, error: str | None
) -> None:
    await conn.execute(
        """
        UPDATE deliveries SET state = $2, last_status = $3, last_error = $4, finished_at = now()
        WHERE id = $1
        """,
        delivery_id,
        state,
        status,
        error,
    )


async def retry_delivery(
    conn: asyncpg.Connection,
    delivery_id: int,
    delay_seconds: float,
    status: int | None,
    error: str | None,
) -> None:
    await conn.execute(
        """
        UPDATE deliveries
        SET next_attempt_at = now() + make_interval(secs => $2), last_status = $3, last_error = $4
        WHERE id = $1
        """,
        delivery_id,
        delay_seconds,
        status,
        error,
    )


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one attempt leads to: a final state, or (retry_in set) pending again later."""

    id: int
    state: str  # 'done' or 'given_up'; ignored when retry_in is set
    status: int | None
    error: str | None
    retry_in: float | None = None  # seconds


async def record_outcomes(conn: asyncpg.Connection, outcomes: Sequence[DeliveryOutcome]) -> None:
    """The outcomes of one batch of attempts in (at most) two statements, not two per row."""
    finished = [o for o in outcomes if o.retry_in is None]
    retried = [o for o in outcomes if o.retry_in is not None]
    if finished:
        await conn.execute(
            """
            UPDATE deliveries AS d
            SET state = o.state, last_status = o.status, last_error = o.error, finished_at = now()
            FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[])
                 AS o(id, state, status, error)
            WHERE d.id = o.id
            """,
            [o.id for o in finished],
            [o.state for o in finished],
            [o.status for o in finished],
            [o.error for o in finished],
        )
    if retried:
        await conn.execute(
            """
            UPDATE deliveries AS d
            SET next_attempt_at = now() + make_interval(secs => o.delay),
                last_status = o.status, last_error = o.error
            FROM unnest($1::bigint[], $2::float8[], $3::integer[], $4::text[])
                 AS o(id, delay, status, error)
            WHERE d.id = o.id
            """,
            [o.id for o in retried],
            [o.retry_in for o in retried],
            [o.status for o in retried],
            [o.error for o in retried],
        )


async def delivery_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM deliveries GROUP BY state")
    return {row["state"]: row["n"] for row in rows}
