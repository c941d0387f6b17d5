"""The outbound mail queue (table mail_outbox): queue, claim, record the outcome, summarise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class QueuedMail:
    id: int
    recipient: str
    message: bytes
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class MailQueueSummary:
    waiting: int
    failing: int  # waiting after at least one failed attempt
    sent: int
    given_up: int


@dataclass(frozen=True)
class GivenUpMail:
    id: int
    recipient: str
    attempts: int
    last_error: str
    created_at: datetime


async def insert(
    conn: asyncpg.Connection,
    *,
    recipient: str,
    message: bytes,
    user_id: int | None,
    community_id: int | None,
    thread_id: int | None,
) -> int:
    return int(
        await conn.fetchval(
            """
            INSERT INTO mail_outbox (recipient, message, user_id, community_id, thread_id)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """,
            recipient,
            message,
            user_id,
            community_id,
            thread_id,
        )
    )


async def claim(conn: asyncpg.Connection, limit: int, lease_seconds: float) -> list[QueuedMail]:
    """Up to `limit` due messages, leased for `lease_seconds` (a dead worker's come back)."""
    rows = await conn.fetch(
        """
        UPDATE mail_outbox SET state = 'sending',
               next_attempt_at = now() + make_interval(secs => $2),
               attempts = attempts + 1
        WHERE id IN (
            SELECT id FROM mail_outbox
            WHERE state IN ('waiting', 'sending') AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
        )
        RETURNING id, recipient, message, attempts, created_at
        """,
        limit,
        lease_seconds,
    )
    return [
        QueuedMail(
            id=row["id"],
            recipient=row["recipient"],
            message=bytes(row["message"]),
            attempts=row["attempts"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def mark_sent(conn: asyncpg.Connection, mail_id: int) -> None:
    await conn.execute(
        "UPDATE mail_outbox SET state = 'sent', sent_at = now(), last_error = NULL WHERE id = $1",
        mail_id,
    )


async def mark_failed(
    conn: asyncpg.Connection, mail_id: int, error: str, retry_in_seconds: float | None
) -> None:
    """Back to waiting, due in `retry_in_seconds`; None: given up for good."""
    if retry_in_seconds is None:
        await conn.execute(
            "UPDATE mail_outbox SET state = 'given_up', last_error = $2 WHERE id = $1",
            mail_id,
            error,
        )
        return
    await conn.execute(
        """
        UPDATE mail_outbox SET state = 'waiting', last_error = $2,
               next_attempt_at = now() + make_interval(secs => $3)
        WHERE id = $1
        """,
        mail_id,
        error,
        retry_in_seconds,
    )


async def prune_sent(conn: asyncpg.Connection, older_than_seconds: float, limit: int) -> int:
    """Delete up to `limit` messages sent longer ago than `older_than_seconds`; how many."""
    result = await conn.execute(
        """
        DELETE FROM mail_outbox WHERE id IN (
            SELECT id FROM mail_outbox
            WHERE state = 'sent' AND sent_at < now() - make_interval(secs => $1)
            LIMIT $2
        )
        """,
        older_than_seconds,
        limit,
    )
    return int(result.split()[-1])


async def summary(conn: asyncpg.Connection) -> MailQueueSummary:
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE state IN ('waiting', 'sending')) AS waiting,
               count(*) FILTER (WHERE state IN ('waiting', 'sending') AND last_error IS NOT NULL)
                   AS failing,
               count(*) FILTER (WHERE state = 'sent') AS sent,
               count(*) FILTER (WHERE state = 'given_up') AS given_up
        FROM mail_outbox
        """
    )
    assert row is not None
    return MailQueueSummary(
        waiting=row["waiting"], failing=row["failing"], sent=row["sent"], given_up=row["given_up"]
    )


async def given_up(conn: asyncpg.Connection, limit: int = 20) -> list[GivenUpMail]:
    rows = await conn.fetch(
        """
        SELECT id, recipient, attempts, coalesce(last_error, '') AS last_error, created_at
        FROM mail_outbox WHERE state = 'given_up' ORDER BY created_at DESC LIMIT $1
        """,
        limit,
    )
    return [GivenUpMail(**dict(row)) for row in rows]
