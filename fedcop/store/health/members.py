"""A community's members and when each was last seen there.

"Seen" is the latest thread, reply or vote by the member in the community that this node
stores (community_last_seen, kept by triggers on posts and votes), for members from every node:
one join.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class MemberSeen:
    actor_id: int
    uri: str
    username: str
    # None for a person of this node.
    domain: str | None
    display_name: str
    # When their membership was accepted (or asked, for memberships older than that record).
    joined_at: datetime
    # None when this node has never seen them write or vote in the community.
    last_seen_at: datetime | None


async def members_seen(conn: asyncpg.Connection, community_id: int) -> list[MemberSeen]:
    rows = await conn.fetch(
        """
        SELECT a.id, a.uri, a.username, a.domain, a.display_name,
               coalesce(f.accepted_at, f.created_at) AS joined_at, s.last_seen_at
        FROM follows f JOIN actors a ON a.id = f.follower_id
        LEFT JOIN community_last_seen s
               ON s.community_id = f.followed_id AND s.actor_id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.actor_type <> 'Group'
        """,
        community_id,
    )
    return [
        MemberSeen(
            actor_id=row["id"],
            uri=row["uri"],
            username=row["username"],
            domain=row["domain"],
            display_name=row["display_name"] or "",
            joined_at=row["joined_at"],
            last_seen_at=row["last_seen_at"],
        )
        for row in rows
    ]
