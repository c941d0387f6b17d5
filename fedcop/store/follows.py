"""Follows between actors (for a community: its members)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Follow:
    id: int
    follower_id: int
    followed_id: int
    follow_uri: str
    state: str


_COLUMNS = "id, follower_id, followed_id, follow_uri, state"


async def upsert(
    conn: asyncpg.Connection, follower_id: int, followed_id: int, follow_uri: str, accepted: bool
) -> Follow:
    """Record a follow request; a repeated Follow refreshes its id and keeps an acceptance."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO follows (follower_id, followed_id, follow_uri, state, accepted_at)
        VALUES ($1, $2, $3, CASE WHEN $4 THEN 'accepted' ELSE 'pending' END,
                CASE WHEN $4 THEN now() END)
        ON CONFLICT (follower_id, followed_id) DO UPDATE
        SET follow_uri = excluded.follow_uri,
            state = CASE WHEN follows.state = 'accepted' OR $4 THEN 'accepted' ELSE 'pending' END,
            accepted_at = coalesce(follows.accepted_at, excluded.accepted_at)
        RETURNING {_COLUMNS}
        """,
        follower_id,
        followed_id,
        follow_uri,
        accepted,
    )
    return Follow(**dict(row))


async def find(conn: asyncpg.Connection, follower_id: int, followed_id: int) -> Follow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM follows WHERE follower_id = $1 AND followed_id = $2",
        follower_id,
        followed_id,
    )
    return Follow(**dict(row)) if row else None


async def accept(conn: asyncpg.Connection, follower_id: int, followed_id: int) -> bool:
    result = await conn.execute(
        """
        UPDATE follows SET state = 'accepted', accepted_at = coalesce(accepted_at, now())
        WHERE follower_id = $1 AND followed_id = $2
        """,
        follower_id,
        followed_id,
    )
    return bool(result != "UPDATE 0")


async def remove(conn: asyncpg.Connection, follower_id: int, followed_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM follows WHERE follower_id = $1 AND followed_id = $2", follower_id, followed_id
    )
    return bool(result != "DELETE 0")


async def count_followers(conn: asyncpg.Connection, followed_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows WHERE followed_id = $1 AND state = 'accepted'",
            followed_id,
        )
    )


async def count_following(conn: asyncpg.Connection, follower_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows WHERE follower_id = $1 AND state = 'accepted'",
            follower_id,
        )
    )


async def follower_inboxes(conn: asyncpg.Connection, followed_id: int) -> list[str]:
    """Where to deliver to reach every accepted follower: shared inboxes, deduplicated."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
        FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.domain IS NOT NULL
          AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL
        ORDER BY 1
        """,
        followed_id,
    )
    return [row["inbox"] for row in rows]


async def uri_exists(conn: asyncpg.Connection, follow_uri: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM follows WHERE follow_uri = $1)", follow_uri
        )
    )


async def followed_uri_of(
    conn: asyncpg.Connection, follow_uri: str, follower_uri: str
) -> str | None:
    value = await conn.fetchval(
        """
        SELECT followed.uri FROM follows f
        JOIN actors follower ON follower.id = f.follower_id
        JOIN actors followed ON followed.id = f.followed_id
        WHERE f.follow_uri = $1 AND follower.uri = $2
        """,
        follow_uri,
        follower_uri,
    )
    return str(value) if value is not None else None


async def has_local_follower(conn: asyncpg.Connection, followed_id: int) -> bool:
    """Whether someone here follows the actor, or has asked to (its posts may come before its
    Accept does)."""
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id
                WHERE f.followed_id = $1 AND a.domain IS NULL
            )
            """,
            followed_id,
        )
    )


async def remove_all_of(conn: asyncpg.Connection, actor_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM follows WHERE follower_id = $1 OR followed_id = $1", actor_id
    )
    return bool(result != "DELETE 0")


async def follower_page(
    conn: asyncpg.Connection, followed_id: int, *, after_id: int | None, limit: int
) -> list[tuple[int, str]]:
    """(follow id, follower uri) of accepted followers, oldest first, after `after_id`."""
    rows = await conn.fetch(
        """
        SELECT f.id, a.uri FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND ($2::bigint IS NULL OR f.id > $2)
        ORDER BY f.id LIMIT $3
        """,
        followed_id,
        after_id,
        limit,
    )
    return [(row["id"], row["uri"]) for row in rows]


async def has_follower_on_host(conn: asyncpg.Connection, followed_id: int, host: str) -> bool:
    """Whether an accepted follower lives on `host` (its server may see members-only pages)."""
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id
                WHERE f.followed_id = $1 AND f.state = 'accepted'
                  AND split_part(a.domain, ':', 1) = $2
            )
            """,
            followed_id,
            host.lower(),
        )
    )


async def is_accepted_follower(
    conn: asyncpg.Connection, follower_id: int, followed_id: int
) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM follows
                WHERE follower_id = $1 AND followed_id = $2 AND state = 'accepted'
            )
            """,
            follower_id,
            followed_id,
        )
    )


async def followed_inboxes(conn: asyncpg.Connection, follower_id: int) -> list[str]:
    """The (shared) inboxes of the remote actors someone here follows."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
        FROM follows f JOIN actors a ON a.id = f.followed_id
        WHERE f.follower_id = $1 AND a.domain IS NOT NULL
          AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL
        """,
        follower_id,
    )
    return [row["inbox"] for row in rows]
