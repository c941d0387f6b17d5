"""Hashtags in use, found by how they begin (for search). Only tags of posts anyone may read
count: a members-only post's tags stay among its members.

The tags and how many readable posts carry each are kept in `hashtags` by triggers on posts
(migrations/0015_hashtags.sql), so a search reads the tags with the prefix, not the posts."""

from __future__ import annotations

import asyncpg


async def tags_starting_with(
    conn: asyncpg.Connection, prefix: str, *, limit: int, offset: int = 0
) -> list[str]:
    """Tags (lower case, without '#') starting with `prefix`, shortest first."""
    # `name` is byte-ordered (COLLATE "C"): every name starting with the prefix lies between it
    # and it followed by the highest code point, a range of the primary key even in a generic
    # plan. starts_with() keeps the answer exact; the order is the database's, as before.
    rows = await conn.fetch(
        """
        SELECT name FROM hashtags
        WHERE name >= lower($1) AND name < lower($1) || chr(1114111)
          AND starts_with(name, lower($1)) AND posts > 0
        ORDER BY length(name), name COLLATE "default" LIMIT $2 OFFSET $3
        """,
        prefix,
        limit,
        offset,
    )
    return [row["name"] for row in rows]
