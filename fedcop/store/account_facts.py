"""Counts the client API shows on an account, for many accounts in one query.

They are kept, not counted: migrations/0014_actor_counts.sql says what each one means and
how its triggers keep it right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Counts:
    followers: int
    following: int
    statuses: int
    last_status_at: datetime | None


async def counts_of(conn: asyncpg.Connection, actor_ids: list[int]) -> dict[int, Counts]:
    """The counts of these actors, as the triggers of migrations/0014_actor_counts.sql keep them
    (an actor missing from the answer counts zero)."""
    rows = await conn.fetch(
        """
        SELECT actor_id, followers, following, statuses, last_status_at
        FROM actor_counts WHERE actor_id = ANY($1::bigint[])
        """,
        list(set(actor_ids)),
    )
    return {
        row["actor_id"]: Counts(
            row["followers"], row["following"], row["statuses"], row["last_status_at"]
        )
        for row in rows
    }
