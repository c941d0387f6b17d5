"""Counts the client API shows on an account, for many accounts in one query."""

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
    rows = await conn.fetch(
        """
        SELECT a.id,
               (SELECT count(*) FROM follows f
                 WHERE f.followed_id = a.id AND f.state = 'accepted') AS followers,
               (SELECT count(*) FROM follows f
                 WHERE f.follower_id = a.id AND f.state = 'accepted') AS following,
               (SELECT count(*) FROM posts p
                 WHERE (p.author_id = a.id OR (a.actor_type = 'Group' AND p.community_id = a.id
                                               AND p.thread_id IS NULL))
                   AND p.deleted_at IS NULL AND p.removed_at IS NULL) AS statuses,
               (SELECT max(p.published) FROM posts p
                 WHERE p.author_id = a.id AND p.deleted_at IS NULL) AS last_status_at
        FROM unnest($1::bigint[]) AS wanted(id) JOIN actors a ON a.id = wanted.id
        """,
        list(set(actor_ids)),
    )
    return {
        row["id"]: Counts(
            row["followers"], row["following"], row["statuses"], row["last_status_at"]
        )
        for row in rows
    }
