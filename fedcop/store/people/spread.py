"""How a community's members spread over organisations and sectors, counted in SQL.

Members are the accepted followers of the community as this node records them: every member for
a community here, the members from this node (and any it learnt of by joins) for one elsewhere.
Spellings are grouped case-insensitively; the label shown is the most common spelling. Members
who state nothing are counted under the empty label "".
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Share:
    label: str  # "" for members who did not say
    members: int


@dataclass(frozen=True)
class MemberSpread:
    members: int
    # Largest first, at most `limit` each; members of the rest are counted in `other_*`.
    organisations: list[Share]
    sectors: list[Share]
    other_organisations: int
    other_sectors: int


def _grouped(column: str) -> str:
    return f"""
        SELECT coalesce(mode() WITHIN GROUP (ORDER BY trim(p.{column})), '') AS label,
               count(*) AS members
        FROM follows f LEFT JOIN actor_profiles p ON p.actor_id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted'
        GROUP BY lower(trim(coalesce(p.{column}, '')))
        ORDER BY (lower(trim(coalesce(p.{column}, ''))) = '') , count(*) DESC, label
    """


async def member_spread(
    conn: asyncpg.Connection, community_id: int, *, limit: int = 12
) -> MemberSpread:
    """Members of `community_id` counted by organisation and by sector (the unstated last)."""
    total = await conn.fetchval(
        "SELECT count(*) FROM follows WHERE followed_id = $1 AND state = 'accepted'",
        community_id,
    )
    organisations = [
        Share(row["label"], row["members"])
        for row in await conn.fetch(_grouped("organisation"), community_id)
    ]
    sectors = [
        Share(row["label"], row["members"])
        for row in await conn.fetch(_grouped("sector"), community_id)
    ]
    return MemberSpread(
        members=int(total or 0),
        organisations=_top(organisations, limit),
        sectors=_top(sectors, limit),
        other_organisations=_rest(organisations, limit),
        other_sectors=_rest(sectors, limit),
    )


def _top(shares: list[Share], limit: int) -> list[Share]:
    """The `limit` largest stated groups, then the unstated one if any."""
    stated = [share for share in shares if share.label]
    unstated = [share for share in shares if not share.label]
    return stated[:limit] + unstated


def _rest(shares: list[Share], limit: int) -> int:
    return sum(share.members for share in [s for s in shares if s.label][limit:])
