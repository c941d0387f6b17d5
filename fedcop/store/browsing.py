"""Queries behind the pages: community listings, a person's communities and posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def local_communities(conn: asyncpg.Connection) -> list[tuple[Actor, int, int]]:
    """(community, members, visible threads) for every community here, busiest first."""
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS},
          (SELECT count(*) FROM follows f WHERE f.followed_id = a.id AND f.state = 'accepted')
              AS members,
          (SELECT count(*) FROM posts p WHERE p.community_id = a.id AND p.thread_id IS NULL
              AND p.deleted_at IS NULL AND p.removed_at IS NULL) AS threads
        FROM actors a JOIN communities c ON c.actor_id = a.id
        ORDER BY members DESC, lower(a.username)
        """
    )
    return [(_actor(row), row["members"], row["threads"]) for row in rows]


async def remote_actor_uri(
    conn: asyncpg.Connection, name: str, domain: str, actor_type: str
) -> str | None:
    value = await conn.fetchval(
        """
        SELECT uri FROM actors
        WHERE domain IS NOT NULL AND lower(username) = lower($1) AND domain = lower($2)
          AND actor_type = $3
        ORDER BY id LIMIT 1
        """,
        name,
        domain,
        actor_type,
    )
    return str(value) if value is not None else None


async def communities_of(conn: asyncpg.Connection, actor_id: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM follows f JOIN actors a ON a.id = f.followed_id
        WHERE f.follower_id = $1 AND f.state = 'accepted' AND a.actor_type = 'Group'
        ORDER BY lower(a.display_name)
        """,
        actor_id,
    )
    return [_actor(row) for row in rows]


async def recent_post_ids(conn: asyncpg.Connection, author_id: int, limit: int) -> list[int]:
    rows = await conn.fetch(
        """
        SELECT id FROM posts
        WHERE author_id = $1 AND deleted_at IS NULL AND removed_at IS NULL
          AND visibility IN ('public', 'unlisted')
        ORDER BY published DESC, id DESC LIMIT $2
        """,
        author_id,
        limit,
    )
    return [row["id"] for row in rows]


async def voted_among(conn: asyncpg.Connection, post_ids: list[int], actor_id: int) -> set[int]:
    """Which of `post_ids` the actor liked (a thread's replies, in one query)."""
    rows = await conn.fetch(
        "SELECT post_id FROM votes WHERE post_id = ANY($1::bigint[]) AND actor_id = $2",
        post_ids,
        actor_id,
    )
    return {row["post_id"] for row in rows}


async def has_voted(conn: asyncpg.Connection, post_id: int, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM votes WHERE post_id = $1 AND actor_id = $2)",
            post_id,
            actor_id,
        )
    )


async def threads_since(conn: asyncpg.Connection, community_id: int, days: int) -> int:
    """How many threads a community had in the last `days` days (not deleted or removed)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM posts p
            WHERE p.community_id = $1 AND p.thread_id IS NULL
              AND p.published > now() - make_interval(days => $2)
              AND p.deleted_at IS NULL AND p.removed_at IS NULL
            """,
            community_id,
            days,
        )
    )


@dataclass(frozen=True)
class RecentThread:
    id: int
    title: str
    community_name: str
    community_title: str
    published: datetime
    replies: int


async def recent_public_threads(conn: asyncpg.Connection, limit: int) -> list[RecentThread]:
    """The newest threads of this node's public communities, for the home page (a private
    community's threads, even their titles, are its members')."""
    rows = await conn.fetch(
        """
        SELECT p.id, coalesce(p.title, '') AS title, a.username AS community_name,
               a.display_name AS community_title, p.published,
               (SELECT count(*) FROM posts r WHERE r.thread_id = p.id
                  AND r.deleted_at IS NULL AND r.removed_at IS NULL) AS replies
        FROM posts p
        JOIN communities c ON c.actor_id = p.community_id AND NOT c.private
        JOIN actors a ON a.id = c.actor_id
        WHERE p.thread_id IS NULL AND p.visibility = 'public'
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
        ORDER BY p.published DESC, p.id DESC
        LIMIT $1
        """,
        limit,
    )
    return [RecentThread(**dict(row)) for row in rows]
