"""Who watches which page, and telling them that it changed."""

from __future__ import annotations

import asyncpg


async def add(conn: asyncpg.Connection, page_id: int, user_id: int) -> bool:
    """False when already watching (or `user_id` is no user here)."""
    status = await conn.execute(
        """
        INSERT INTO kb_watches (page_id, user_id)
        SELECT $1, actor_id FROM users WHERE actor_id = $2
        ON CONFLICT DO NOTHING
        """,
        page_id,
        user_id,
    )
    return str(status) != "INSERT 0 0"


async def remove(conn: asyncpg.Connection, page_id: int, user_id: int) -> bool:
    status = await conn.execute(
        "DELETE FROM kb_watches WHERE page_id = $1 AND user_id = $2", page_id, user_id
    )
    return str(status) != "DELETE 0"


async def is_watching(conn: asyncpg.Connection, page_id: int, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM kb_watches WHERE page_id = $1 AND user_id = $2)",
            page_id,
            user_id,
        )
    )


async def tell_watchers(
    conn: asyncpg.Connection, page_id: int, version: int, editor_id: int
) -> int:
    """A 'page_changed' notification for each watcher of the page but its editor, and only for
    those who may still read it (a members-only community's pages are its members'); how many
    were told."""
    status = await conn.execute(
        """
        INSERT INTO notifications (recipient_id, kind, from_id, kb_page_id, kb_version)
        SELECT w.user_id, 'page_changed', $3, $1, $2
        FROM kb_watches w JOIN kb_pages p ON p.id = w.page_id
        JOIN actors c ON c.id = p.community_actor_id
        WHERE w.page_id = $1 AND w.user_id <> $3
          AND (NOT (c.manually_approves_followers OR coalesce(
                   (SELECT cc.private FROM communities cc WHERE cc.actor_id = c.id), false))
               OR EXISTS (SELECT 1 FROM follows f
                          WHERE f.follower_id = w.user_id AND f.followed_id = c.id
                            AND f.state = 'accepted')
               OR EXISTS (SELECT 1 FROM community_facilitators cf
                          WHERE cf.community_id = c.id AND cf.actor_id = w.user_id))
        ON CONFLICT DO NOTHING
        """,
        page_id,
        version,
        editor_id,
    )
    return int(str(status).rsplit(" ", 1)[1])
