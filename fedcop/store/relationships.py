"""Follows as the client API reads them: who follows whom (both ways at once), pages of an
account's followers and follows, and the requests waiting for a user's decision.

Pages are keyset-paged by the follow's id (newest first), which is what Mastodon's `Link`
header points at for account lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


@dataclass(frozen=True)
class FollowStates:
    """The state ('pending', 'accepted' or None) of the follow each way between two actors."""

    outgoing: str | None
    incoming: str | None


@dataclass(frozen=True)
class Window:
    """A page of follows: ids below `before`, above `after`; `oldest_first` asks for the ones
    just above `after` (Mastodon's min_id)."""

    before: int | None
    after: int | None
    limit: int
    oldest_first: bool = False


async def follow_states(
    conn: asyncpg.Connection, viewer_id: int, target_ids: list[int]
) -> dict[int, FollowStates]:
    rows = await conn.fetch(
        """
        SELECT t.id, o.state AS outgoing, i.state AS incoming
        FROM unnest($2::bigint[]) AS t(id)
        LEFT JOIN follows o ON o.follower_id = $1 AND o.followed_id = t.id
        LEFT JOIN follows i ON i.follower_id = t.id AND i.followed_id = $1
        """,
        viewer_id,
        list(set(target_ids)),
    )
    return {row["id"]: FollowStates(row["outgoing"], row["incoming"]) for row in rows}


# The two directions of an account's list: its followers, or the accounts it follows.
_LIST_QUERIES = {
    "followers": f"""
        SELECT f.id AS follow_id, {_ACTOR_COLUMNS}
        FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted'
          AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
        ORDER BY CASE WHEN $5 THEN f.id END ASC, f.id DESC LIMIT $4
    """,
    "following": f"""
        SELECT f.id AS follow_id, {_ACTOR_COLUMNS}
        FROM follows f JOIN actors a ON a.id = f.followed_id
        WHERE f.follower_id = $1 AND f.state = 'accepted'
          AND ($2::bigint IS NULL OR f.id < $2) AND ($3::bigint IS NULL OR f.id > $3)
        ORDER BY CASE WHEN $5 THEN f.id END ASC, f.id DESC LIMIT $4
    """,
}


async def accepted_follows(
    conn: asyncpg.Connection, actor_id: int, direction: str, window: Window
) -> list[tuple[int, Actor]]:
    """(follow id, the other actor) for `direction` 'followers' or 'following', newest first."""
    rows = await conn.fetch(
        _LIST_QUERIES[direction],
        actor_id,
        window.before,
        window.after,
        window.limit,
        window.oldest_first,
    )
    found = [(row["follow_id"], _actor(row)) for row in rows]
    return found[::-1] if window.oldest_first else found


async def decided_by(conn: asyncpg.Connection, user_id: int) -> list[int]:
    """The actors whose follow requests a user decides: their own, and each community here
    they facilitate."""
    rows = await conn.fetch(
        """
        SELECT $1::bigint AS id
        UNION
        SELECT f.community_id FROM community_facilitators f
        JOIN communities c ON c.actor_id = f.community_id  -- here: a remote one decides its own
        WHERE f.actor_id = $1
        """,
        user_id,
    )
    return [row["id"] for row in rows]


async def pending_requests(
    conn: asyncpg.Connection, followed_ids: list[int], window: Window
) -> list[tuple[int, Actor]]:
    """(request id, requester) for requests waiting on any of `followed_ids`, newest first; an
    actor asking several of them at once is listed once, by its oldest request."""
    rows = await conn.fetch(
        f"""
        SELECT * FROM (
            SELECT DISTINCT ON (f.follower_id) f.id AS follow_id, {_ACTOR_COLUMNS}
            FROM follows f JOIN actors a ON a.id = f.follower_id
            WHERE f.followed_id = ANY($1::bigint[]) AND f.state = 'pending'
            ORDER BY f.follower_id, f.id
        ) r
        WHERE ($2::bigint IS NULL OR r.follow_id < $2) AND ($3::bigint IS NULL OR r.follow_id > $3)
        ORDER BY CASE WHEN $5 THEN r.follow_id END ASC, r.follow_id DESC LIMIT $4
        """,
        followed_ids,
        window.before,
        window.after,
        window.limit,
        window.oldest_first,
    )
    found = [(row["follow_id"], _actor(row)) for row in rows]
    return found[::-1] if window.oldest_first else found


async def count_pending(conn: asyncpg.Connection, followed_ids: list[int]) -> int:
    return int(
        await conn.fetchval(
            """
            SELECT count(DISTINCT follower_id) FROM follows
            WHERE followed_id = ANY($1::bigint[]) AND state = 'pending'
            """,
            followed_ids,
        )
    )


async def oldest_pending_target(
    conn: asyncpg.Connection, follower_id: int, followed_ids: list[int]
) -> Actor | None:
    """Of `followed_ids`, the one `follower_id` has waited on longest."""
    row = await conn.fetchrow(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM follows f JOIN actors a ON a.id = f.followed_id
        WHERE f.follower_id = $1 AND f.followed_id = ANY($2::bigint[]) AND f.state = 'pending'
        ORDER BY f.id LIMIT 1
        """,
        follower_id,
        followed_ids,
    )
    return _actor(row) if row else None


async def states_toward_any(
    conn: asyncpg.Connection, follower_id: int, followed_ids: list[int]
) -> set[str]:
    """The states ('pending', 'accepted') of the follows from `follower_id` to any of
    `followed_ids`."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT state FROM follows
        WHERE follower_id = $1 AND followed_id = ANY($2::bigint[])
        """,
        follower_id,
        followed_ids,
    )
    return {row["state"] for row in rows}
