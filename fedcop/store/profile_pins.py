"""Posts people pinned on their own profile (not a community's pinned threads: those are
store.moderation's `community_pins`)."""

from __future__ import annotations

import asyncpg

from fedcop.store.posts import _COLUMNS, Post, _post
from fedcop.store.timelines import visible_to


async def pin(conn: asyncpg.Connection, actor_id: int, post_id: int) -> bool:
    """True if the post was not pinned yet."""
    result = await conn.execute(
        "INSERT INTO profile_pins (actor_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        actor_id,
        post_id,
    )
    return bool(result != "INSERT 0 0")


async def unpin(conn: asyncpg.Connection, actor_id: int, post_id: int) -> bool:
    """True if the post was pinned."""
    result = await conn.execute(
        "DELETE FROM profile_pins WHERE actor_id = $1 AND post_id = $2", actor_id, post_id
    )
    return bool(result != "DELETE 0")


async def is_pinned(conn: asyncpg.Connection, actor_id: int, post_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM profile_pins WHERE actor_id = $1 AND post_id = $2)",
            actor_id,
            post_id,
        )
    )


async def count(conn: asyncpg.Connection, actor_id: int) -> int:
    """How many shown posts the person has pinned (a deleted or removed one no longer counts)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM profile_pins pp JOIN posts p ON p.id = pp.post_id
            WHERE pp.actor_id = $1 AND p.deleted_at IS NULL AND p.removed_at IS NULL
            """,
            actor_id,
        )
    )


async def pinned_posts(
    conn: asyncpg.Connection, actor_id: int, viewer_id: int | None
) -> list[Post]:
    """The person's pins the viewer may see, the latest pinned first."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM profile_pins pp JOIN posts p ON p.id = pp.post_id
        WHERE pp.actor_id = $1 AND p.author_id = $1 AND {visible_to("$2::bigint")}
        ORDER BY pp.pinned_at DESC, p.id DESC
        """,
        actor_id,
        viewer_id,
    )
    return [_post(row) for row in rows]


async def lock_pins_of(conn: asyncpg.Connection, actor_id: int) -> None:
    """Hold the person's pins until the transaction ends, so two pins asked at once cannot both
    pass the limit (the user row is the lock: only local people pin)."""
    await conn.execute("SELECT 1 FROM users WHERE actor_id = $1 FOR UPDATE", actor_id)


async def pinned_uris(conn: asyncpg.Connection, actor_id: int) -> list[str]:
    """The ids of the person's pins anyone may read, the latest pinned first (their `featured`
    collection)."""
    return [post.uri for post in await pinned_posts(conn, actor_id, None)]
