"""A community's members, when each was last seen there, and whether they are active, quiet or
lapsed (the rule is services/health/activity.py's; its two cut-offs come as arguments).

"Seen" is the latest thread, reply or vote by the member in the community that this node
stores (community_last_seen, kept by triggers on posts and votes), for members from every node:
one join over the community's memberships. Each status is listed most recently seen first,
never seen last.
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
    # 'active', 'quiet' or 'lapsed'.
    status: str


@dataclass(frozen=True)
class Statuses:
    """The members of each status, the first `listed` of each, and how many there are."""

    listed: dict[str, list[MemberSeen]]
    counts: dict[str, int]
    # Every lapsed member's actor row id (actors.id), in the same order (for "check in with
    # all of them": /c/NAME/checkins/new takes these as `member`).
    lapsed_ids: list[int]


_CLASSIFIED = """
    WITH member AS (
        SELECT a.id, a.uri, a.username, a.domain, a.display_name,
               coalesce(f.accepted_at, f.created_at) AS joined_at, s.last_seen_at
        FROM follows f JOIN actors a ON a.id = f.follower_id
        LEFT JOIN community_last_seen s
               ON s.community_id = f.followed_id AND s.actor_id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.actor_type <> 'Group'
    ), classified AS (
        SELECT member.*,
               CASE WHEN last_seen_at > $2 THEN 'active'
                    WHEN greatest(joined_at, last_seen_at) > $3 THEN 'quiet'
                    ELSE 'lapsed' END AS status
        FROM member
    ), ranked AS (
        SELECT classified.*,
               row_number() OVER (PARTITION BY status
                                  ORDER BY last_seen_at DESC NULLS LAST, joined_at, id) AS rank,
               count(*) OVER (PARTITION BY status) AS total
        FROM classified
    )
"""


def _member(row: asyncpg.Record) -> MemberSeen:
    return MemberSeen(
        actor_id=row["id"],
        uri=row["uri"],
        username=row["username"],
        domain=row["domain"],
        display_name=row["display_name"] or "",
        joined_at=row["joined_at"],
        last_seen_at=row["last_seen_at"],
        status=row["status"],
    )


async def members_by_status(
    conn: asyncpg.Connection,
    community_id: int,
    *,
    active_after: datetime,
    quiet_after: datetime,
    listed: int | None = None,
) -> Statuses:
    """Active: seen after `active_after`; quiet: otherwise seen or joined after `quiet_after`;
    lapsed: the others. `listed` None lists every member."""
    rows = await conn.fetch(
        f"""{_CLASSIFIED}
        SELECT * FROM ranked WHERE $4::bigint IS NULL OR rank <= $4 OR status = 'lapsed'
        ORDER BY status, rank
        """,
        community_id,
        active_after,
        quiet_after,
        listed,
    )
    statuses: dict[str, list[MemberSeen]] = {"active": [], "quiet": [], "lapsed": []}
    counts = {"active": 0, "quiet": 0, "lapsed": 0}
    lapsed_ids = []
    for row in rows:
        counts[row["status"]] = row["total"]
        if row["status"] == "lapsed":
            lapsed_ids.append(row["id"])
        if listed is None or row["rank"] <= listed:
            statuses[row["status"]].append(_member(row))
    return Statuses(statuses, counts, lapsed_ids)
