"""Communities suggested to a newcomer: the busiest here, then the largest."""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def suggested(
    conn: asyncpg.Connection, person_id: int, limit: int
) -> list[tuple[Actor, int, int]]:
    """(community, members, posts in the last 30 days) for the communities here the person
    has not joined: the most active first, then those with the most members. Private
    communities are suggested too (their names and purposes are public; joining asks)."""
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS},
          (SELECT count(*) FROM follows f WHERE f.followed_id = a.id AND f.state = 'accepted')
              AS members,
          (SELECT count(*) FROM posts p WHERE p.community_id = a.id
              AND p.published > now() - interval '30 days'
              AND p.deleted_at IS NULL AND p.removed_at IS NULL) AS recent
        FROM actors a JOIN communities c ON c.actor_id = a.id
        WHERE NOT EXISTS (SELECT 1 FROM follows f
                          WHERE f.follower_id = $1 AND f.followed_id = a.id)
        ORDER BY recent DESC, members DESC, lower(a.username)
        LIMIT $2
        """,
        person_id,
        limit,
    )
    return [(_actor(row), row["members"], row["recent"]) for row in rows]
