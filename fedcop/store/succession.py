"""Who could take over a community's facilitation: its members who are not its facilitators."""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor

MAX_CANDIDATES = 500


async def candidates(conn: asyncpg.Connection, community_id: int, leaver_id: int) -> list[Actor]:
    """The community's accepted members, not banned, other than `leaver_id`, by name."""
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM actors a
        JOIN follows f ON f.follower_id = a.id AND f.followed_id = $1 AND f.state = 'accepted'
        WHERE a.id <> $2 AND a.actor_type = 'Person'
          AND NOT EXISTS (
              SELECT 1 FROM community_bans b
              WHERE b.community_id = $1 AND b.actor_id = a.id
                AND (b.expires_at IS NULL OR b.expires_at > now()))
        ORDER BY lower(coalesce(nullif(a.display_name, ''), a.username)), a.id
        LIMIT {MAX_CANDIDATES}
        """,
        community_id,
        leaver_id,
    )
    return [_actor(row) for row in rows]


async def lock_community(conn: asyncpg.Connection, community_id: int) -> None:
    """Hold the community's row until the transaction ends: one leave at a time per community,
    so two last facilitators cannot both go at once."""
    await conn.execute("SELECT 1 FROM actors WHERE id = $1 FOR UPDATE", community_id)
