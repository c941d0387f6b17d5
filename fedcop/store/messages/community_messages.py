"""What a community sent its members privately (check-ins and welcomes), and its welcome
message setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Sent:
    member_id: int
    kind: str
    sent_by: int
    sent_by_name: str
    post_id: int | None
    sent_at: datetime


@dataclass(frozen=True)
class Welcome:
    message: str
    author_id: int


async def record(
    conn: asyncpg.Connection,
    community_id: int,
    member_id: int,
    kind: str,
    sent_by: int,
    post_id: int | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO community_messages (community_id, member_id, kind, sent_by, post_id)
        VALUES ($1, $2, $3, $4, $5)
        """,
        community_id,
        member_id,
        kind,
        sent_by,
        post_id,
    )


async def claim_welcome(conn: asyncpg.Connection, community_id: int, member_id: int) -> bool:
    """Mark the member as welcomed; False if they were welcomed before (a member who leaves
    and comes back is not welcomed twice)."""
    status = await conn.execute(
        """
        INSERT INTO community_messages (community_id, member_id, kind, sent_by)
        SELECT $1, $2, 'welcome', welcome_author_id FROM communities
        WHERE actor_id = $1 AND welcome_author_id IS NOT NULL
        ON CONFLICT (community_id, member_id) WHERE kind = 'welcome' DO NOTHING
        """,
        community_id,
        member_id,
    )
    return bool(status == "INSERT 0 1")


async def set_welcome_post(
    conn: asyncpg.Connection, community_id: int, member_id: int, post_id: int
) -> None:
    await conn.execute(
        """
        UPDATE community_messages SET post_id = $3
        WHERE community_id = $1 AND member_id = $2 AND kind = 'welcome'
        """,
        community_id,
        member_id,
        post_id,
    )


async def last_sent(
    conn: asyncpg.Connection, community_id: int, member_ids: list[int]
) -> dict[int, Sent]:
    """The latest check-in each of these members got from the community."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (m.member_id) m.member_id, m.kind, m.sent_by, m.post_id, m.sent_at,
               a.username AS sent_by_name
        FROM community_messages m JOIN actors a ON a.id = m.sent_by
        WHERE m.community_id = $1 AND m.member_id = ANY($2::bigint[]) AND m.kind = 'checkin'
        ORDER BY m.member_id, m.sent_at DESC
        """,
        community_id,
        member_ids,
    )
    return {row["member_id"]: Sent(**dict(row)) for row in rows}


async def welcome_of(conn: asyncpg.Connection, community_id: int) -> Welcome | None:
    row = await conn.fetchrow(
        """
        SELECT welcome_message, welcome_author_id FROM communities
        WHERE actor_id = $1 AND welcome_message IS NOT NULL AND welcome_author_id IS NOT NULL
        """,
        community_id,
    )
    if row is None:
        return None
    return Welcome(row["welcome_message"], row["welcome_author_id"])


async def set_welcome(
    conn: asyncpg.Connection, community_id: int, message: str | None, author_id: int
) -> None:
    await conn.execute(
        "UPDATE communities SET welcome_message = $2, welcome_author_id = $3 WHERE actor_id = $1",
        community_id,
        message,
        author_id if message else None,
    )
