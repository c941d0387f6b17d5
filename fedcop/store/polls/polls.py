"""A thread's poll and its options, as stored (migration 0040)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Option:
    title: str
    votes_count: int


@dataclass(frozen=True)
class Poll:
    post_id: int
    multiple: bool
    hide_totals: bool
    ends_at: datetime | None
    closed_at: datetime | None
    voters_count: int
    options: list[Option]

    def has_ended(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.ends_at is not None and self.ends_at <= now)


async def insert(
    conn: asyncpg.Connection,
    post_id: int,
    *,
    titles: list[str],
    multiple: bool,
    hide_totals: bool,
    ends_at: datetime | None,
    closed_at: datetime | None = None,
    counts: list[int] | None = None,
    voters_count: int = 0,
) -> None:
    """A new poll on a thread (no-op if the thread has one already)."""
    status = await conn.execute(
        """
        INSERT INTO polls (post_id, multiple, hide_totals, ends_at, closed_at, voters_count)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
        """,
        post_id,
        multiple,
        hide_totals,
        ends_at,
        closed_at,
        voters_count,
    )
    if str(status) == "INSERT 0 0":
        return
    await conn.executemany(
        "INSERT INTO poll_options (post_id, position, title, votes_count) VALUES ($1, $2, $3, $4)",
        [
            (post_id, position, title, (counts or [])[position] if counts else 0)
            for position, title in enumerate(titles)
        ],
    )


async def find(conn: asyncpg.Connection, post_id: int) -> Poll | None:
    found = await find_many(conn, [post_id])
    return found.get(post_id)


async def find_many(conn: asyncpg.Connection, post_ids: list[int]) -> dict[int, Poll]:
    """The polls of those threads that carry one, by thread."""
    rows = await conn.fetch(
        """
        SELECT p.post_id, p.multiple, p.hide_totals, p.ends_at, p.closed_at, p.voters_count,
               array_agg(o.title ORDER BY o.position) AS titles,
               array_agg(o.votes_count ORDER BY o.position) AS counts
        FROM polls p JOIN poll_options o ON o.post_id = p.post_id
        WHERE p.post_id = ANY($1::bigint[])
        GROUP BY p.post_id
        """,
        post_ids,
    )
    return {
        row["post_id"]: Poll(
            post_id=row["post_id"],
            multiple=row["multiple"],
            hide_totals=row["hide_totals"],
            ends_at=row["ends_at"],
            closed_at=row["closed_at"],
            voters_count=row["voters_count"],
            options=[
                Option(title, count)
                for title, count in zip(row["titles"], row["counts"], strict=True)
            ],
        )
        for row in rows
    }


async def set_received_counts(
    conn: asyncpg.Connection,
    post_id: int,
    *,
    counts: list[int | None],
    voters_count: int | None,
    ends_at: datetime | None,
    closed: bool,
) -> None:
    """A poll from elsewhere, as its author's server last sent it: each option's count (None:
    not sent, the one kept stays), how many voted, its end. Counts sent show hidden ones."""
    await conn.executemany(
        "UPDATE poll_options SET votes_count = $3 WHERE post_id = $1 AND position = $2",
        [(post_id, position, n) for position, n in enumerate(counts) if n is not None],
    )
    await conn.execute(
        """
        UPDATE polls SET voters_count = coalesce($2, voters_count),
                         ends_at = coalesce($3, ends_at),
                         hide_totals = hide_totals AND NOT $5,
                         closed_at = CASE WHEN $4 THEN coalesce(closed_at, now()) ELSE closed_at END
        WHERE post_id = $1
        """,
        post_id,
        voters_count,
        ends_at,
        closed,
        any(n is not None for n in counts),
    )
