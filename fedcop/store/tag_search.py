"""Hashtags in use, found by how they begin (for search). Only tags of posts anyone may read
count: a members-only post's tags stay among its members."""

from __future__ import annotations

import asyncpg


async def tags_starting_with(
    conn: asyncpg.Connection, prefix: str, *, limit: int, offset: int = 0
) -> list[str]:
    """Tags (lower case, without '#') starting with `prefix`, shortest first."""
    rows = await conn.fetch(
        """
        SELECT tag FROM (
            SELECT DISTINCT unnest(tags) AS tag FROM posts
            WHERE tags <> '{}' AND deleted_at IS NULL AND removed_at IS NULL
              AND visibility IN ('public', 'unlisted')
              AND NOT EXISTS (SELECT 1 FROM communities c
                              WHERE c.actor_id = posts.community_id AND c.private)
        ) t
        WHERE starts_with(tag, lower($1))
        ORDER BY length(tag), tag LIMIT $2 OFFSET $3
        """,
        prefix,
        limit,
        offset,
    )
    return [row["tag"] for row in rows]
