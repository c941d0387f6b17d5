"""Who a post written here is addressed to besides its community (post_mentions), and the
threads started together in several communities (crossposts)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def set_mentions(conn: asyncpg.Connection, post_id: int, actor_ids: list[int]) -> None:
    """The people a post names or answers, in order (each once)."""
    await conn.execute("DELETE FROM post_mentions WHERE post_id = $1", post_id)
    await conn.executemany(
        "INSERT INTO post_mentions (post_id, actor_id, position) VALUES ($1, $2, $3)",
        [(post_id, actor_id, index) for index, actor_id in enumerate(dict.fromkeys(actor_ids))],
    )


async def mentions_of(conn: asyncpg.Connection, post_id: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM post_mentions m JOIN actors a ON a.id = m.actor_id
        WHERE m.post_id = $1 ORDER BY m.position
        """,
        post_id,
    )
    return [_actor(row) for row in rows]


async def members_among(
    conn: asyncpg.Connection, community_id: int, actor_ids: list[int]
) -> set[int]:
    """Those of `actor_ids` who are accepted members (followers) or facilitators of a
    community."""
    rows = await conn.fetch(
        """
        SELECT follower_id AS id FROM follows
        WHERE followed_id = $1 AND state = 'accepted' AND follower_id = ANY($2::bigint[])
        UNION
        SELECT actor_id FROM community_facilitators
        WHERE community_id = $1 AND actor_id = ANY($2::bigint[])
        """,
        community_id,
        actor_ids,
    )
    return {row["id"] for row in rows}


async def link_crossposts(conn: asyncpg.Connection, post_ids: list[int]) -> None:
    """Threads written at once in several communities: the first one names the set."""
    if len(post_ids) < 2:
        return
    await conn.executemany(
        "INSERT INTO crossposts (post_id, first_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(post_id, post_ids[0]) for post_id in post_ids],
    )


@dataclass(frozen=True)
class Crosspost:
    """Another thread of the same cross-post: its id, its ActivityPub id, its community."""

    post_id: int
    uri: str
    community: Actor


async def crossposts_of(conn: asyncpg.Connection, post_id: int) -> list[Crosspost]:
    """The other threads of a cross-post, oldest first; [] for a thread posted in one
    community. Deleted and removed threads are left out."""
    rows = await conn.fetch(
        f"""
        SELECT p.id AS post_id, p.uri AS post_uri, {_ACTOR_COLUMNS}
        FROM crossposts mine
        JOIN crossposts other ON other.first_id = mine.first_id AND other.post_id <> mine.post_id
        JOIN posts p ON p.id = other.post_id
        JOIN actors a ON a.id = p.community_id
        WHERE mine.post_id = $1 AND p.deleted_at IS NULL AND p.removed_at IS NULL
        ORDER BY p.id
        """,
        post_id,
    )
    return [Crosspost(row["post_id"], row["post_uri"], _actor(row)) for row in rows]
