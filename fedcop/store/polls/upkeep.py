"""Polls whose counts must go out, and polls whose end must be handled (migration 0040).

Both are claimed like queue rows by the inbox worker after its batch: the row is locked and
skipped by other workers (`FOR UPDATE SKIP LOCKED`), and the caller's transaction settles it."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

# A poll written here sends its counts at most this often while votes come in.
UPDATE_INTERVAL = timedelta(minutes=1)
BATCH = 20


async def schedule_update(conn: asyncpg.Connection, post_id: int, now: datetime) -> None:
    """New votes: the Update with the counts is due now, or a minute after the last one."""
    await conn.execute(
        """
        UPDATE polls SET update_due_at = greatest($2::timestamptz, counts_sent_at + $3::interval)
        WHERE post_id = $1 AND update_due_at IS NULL
        """,
        post_id,
        now,
        UPDATE_INTERVAL,
    )


async def claim_updates_due(conn: asyncpg.Connection, now: datetime) -> list[int]:
    """Polls written here whose Update is due (open ones: the end sends its own); in a
    transaction, the rows stay locked until it ends."""
    rows = await conn.fetch(
        """
        SELECT post_id FROM polls
        WHERE update_due_at <= $1 AND closed_at IS NULL
        ORDER BY update_due_at LIMIT $2 FOR UPDATE SKIP LOCKED
        """,
        now,
        BATCH,
    )
    return [row["post_id"] for row in rows]


async def counts_sent(conn: asyncpg.Connection, post_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE polls SET update_due_at = NULL, counts_sent_at = $2 WHERE post_id = $1",
        post_id,
        now,
    )


async def claim_ended(conn: asyncpg.Connection, now: datetime) -> list[int]:
    """Polls (written here or not) past their end whose end is not handled yet."""
    rows = await conn.fetch(
        """
        SELECT post_id FROM polls
        WHERE closed_at IS NULL AND ends_at <= $1
        ORDER BY ends_at LIMIT $2 FOR UPDATE SKIP LOCKED
        """,
        now,
        BATCH,
    )
    return [row["post_id"] for row in rows]


async def mark_closed(conn: asyncpg.Connection, post_id: int, now: datetime) -> None:
    await conn.execute(
        """
        UPDATE polls SET closed_at = $2, update_due_at = NULL, counts_sent_at = $2
        WHERE post_id = $1
        """,
        post_id,
        now,
    )


async def tell_ended(
    conn: asyncpg.Connection, post_id: int, author_id: int, voter_ids: list[int]
) -> None:
    """'poll' notifications: to the people here who voted, and to its author if here."""
    await conn.execute(
        """
        INSERT INTO notifications (recipient_id, kind, from_id, post_id)
        SELECT u.actor_id, 'poll', $2, $1 FROM users u
        WHERE u.actor_id = ANY($3::bigint[]) OR u.actor_id = $2
        ON CONFLICT DO NOTHING
        """,
        post_id,
        author_id,
        voter_ids,
    )
