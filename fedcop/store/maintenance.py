"""Maintenance: remote work about one actor, due after an inbox batch (migrations/0016).

    schedule_backfill (with the Accept)  \\
    schedule_refreshes (after a batch)    -> due --claim (lease)--> done: deleted
                                               ^                 \\-> failed: due again later,
                                               |                      or given_up (kept)
                                               +-- re-armed: a new join (backfill), or a day
                                                   after the last try (refresh)

One row per (kind, actor): scheduling what is already due changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import asyncpg


class MaintenanceKind(StrEnum):
    BACKFILL = "backfill"
    REFRESH = "refresh"


@dataclass(frozen=True)
class ClaimedTask:
    kind: MaintenanceKind
    actor_id: int
    actor_uri: str
    # Claims so far, this one included.
    attempts: int


async def schedule_backfill(conn: asyncpg.Connection, community_id: int) -> None:
    """The community is due for a backfill now. One given up before is tried afresh: a new
    member joined, and its server may be back."""
    await conn.execute(
        """
        INSERT INTO maintenance (kind, actor_id) VALUES ('backfill', $1)
        ON CONFLICT (kind, actor_id) DO UPDATE SET
            state = 'due', due_at = now(), attempts = 0, last_error = NULL, updated_at = now()
        WHERE maintenance.state = 'given_up'
        """,
        community_id,
    )


async def schedule_refreshes(
    conn: asyncpg.Connection, actor_uris: list[str], older_than: timedelta
) -> int:
    """Every remote actor among `actor_uris` last fetched more than `older_than` ago is due for
    a refresh, unless one was tried within `older_than` (a failed try is kept as given_up);
    how many became due."""
    result = await conn.execute(
        """
        INSERT INTO maintenance (kind, actor_id)
        SELECT 'refresh', a.id FROM actors a
        WHERE a.uri = ANY($1::text[]) AND a.domain IS NOT NULL
          AND a.fetched_at < now() - $2::interval
        ON CONFLICT (kind, actor_id) DO UPDATE SET
            state = 'due', due_at = now(), attempts = 0, last_error = NULL, updated_at = now()
        WHERE maintenance.state = 'given_up' AND maintenance.updated_at < now() - $2::interval
        """,
        actor_uris,
        older_than,
    )
    return int(result.split()[-1])


async def claim(
    conn: asyncpg.Connection, kind: MaintenanceKind, limit: int, lease: timedelta
) -> list[ClaimedTask]:
    """Up to `limit` due rows of one kind, each pushed one lease ahead: no other worker takes
    them while this one works, and they come back by themselves if it dies."""
    rows = await conn.fetch(
        """
        WITH claimed AS (
            UPDATE maintenance SET due_at = now() + $3, attempts = attempts + 1,
                                   updated_at = now()
            WHERE (kind, actor_id) IN (
                SELECT kind, actor_id FROM maintenance
                WHERE kind = $1 AND state = 'due' AND due_at <= now()
                ORDER BY due_at
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            RETURNING kind, actor_id, attempts, created_at
        )
        SELECT c.kind, c.actor_id, a.uri AS actor_uri, c.attempts
        FROM claimed c JOIN actors a ON a.id = c.actor_id
        ORDER BY c.created_at
        """,
        kind.value,
        limit,
        lease,
    )
    return [
        ClaimedTask(
            MaintenanceKind(row["kind"]), row["actor_id"], row["actor_uri"], row["attempts"]
        )
        for row in rows
    ]


async def done(conn: asyncpg.Connection, task: ClaimedTask) -> None:
    await conn.execute(
        "DELETE FROM maintenance WHERE kind = $1 AND actor_id = $2 AND state = 'due'",
        task.kind.value,
        task.actor_id,
    )


async def retry_later(
    conn: asyncpg.Connection, task: ClaimedTask, delay: timedelta, error: str
) -> None:
    await conn.execute(
        """
        UPDATE maintenance SET due_at = now() + $3, last_error = $4, updated_at = now()
        WHERE kind = $1 AND actor_id = $2 AND state = 'due'
        """,
        task.kind.value,
        task.actor_id,
        delay,
        error,
    )


async def give_up(conn: asyncpg.Connection, task: ClaimedTask, error: str) -> None:
    await conn.execute(
        """
        UPDATE maintenance SET state = 'given_up', last_error = $3, updated_at = now()
        WHERE kind = $1 AND actor_id = $2 AND state = 'due'
        """,
        task.kind.value,
        task.actor_id,
        error,
    )
