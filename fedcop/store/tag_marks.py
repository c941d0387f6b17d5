"""Hashtags people mark: those they follow (shown in their home timeline) and those they feature
on their profile; and how much a hashtag was used, day by day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

# SQL: post `p` counts as a use of its tags: shown, and anyone may read it (the rule of the
# hashtags table's fedcop_counted_tags).
_READABLE_BY_ANYONE = """
    p.deleted_at IS NULL AND p.removed_at IS NULL AND p.visibility IN ('public', 'unlisted')
    AND NOT EXISTS (SELECT 1 FROM communities c WHERE c.actor_id = p.community_id AND c.private)
"""


@dataclass(frozen=True)
class FeaturedTag:
    id: int
    name: str
    statuses: int
    last_status_at: date | None


@dataclass(frozen=True)
class DayOfUse:
    day: date
    uses: int
    accounts: int


# -- followed ---------------------------------------------------------------------------------


async def follow(conn: asyncpg.Connection, actor_id: int, name: str) -> None:
    await conn.execute(
        "INSERT INTO followed_tags (actor_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        actor_id,
        name,
    )


async def unfollow(conn: asyncpg.Connection, actor_id: int, name: str) -> None:
    await conn.execute(
        "DELETE FROM followed_tags WHERE actor_id = $1 AND name = $2", actor_id, name
    )


async def followed_among(conn: asyncpg.Connection, actor_id: int, names: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT name FROM followed_tags WHERE actor_id = $1 AND name = ANY($2::text[])",
        actor_id,
        names,
    )
    return {row["name"] for row in rows}


async def followed_page(
    conn: asyncpg.Connection, actor_id: int, before: int | None, after: int | None, limit: int
) -> list[tuple[int, str]]:
    """(follow id, tag) of the tags the actor follows, the latest followed first."""
    rows = await conn.fetch(
        """
        SELECT id, name FROM followed_tags
        WHERE actor_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::bigint IS NULL OR id > $3)
        ORDER BY id DESC LIMIT $4
        """,
        actor_id,
        before,
        after,
        limit,
    )
    return [(row["id"], row["name"]) for row in rows]


# -- featured ---------------------------------------------------------------------------------


async def feature(conn: asyncpg.Connection, actor_id: int, name: str) -> None:
    await conn.execute(
        "INSERT INTO featured_tags (actor_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        actor_id,
        name,
    )


async def unfeature(
    conn: asyncpg.Connection, actor_id: int, *, featured_id: int | None = None, name: str = ""
) -> bool:
    """Stop featuring a tag, named by its FeaturedTag id or by its name; True if it was."""
    result = await conn.execute(
        """
        DELETE FROM featured_tags
        WHERE actor_id = $1 AND (id = $2 OR ($2::bigint IS NULL AND name = $3))
        """,
        actor_id,
        featured_id,
        name,
    )
    return bool(result != "DELETE 0")


async def count_featured(conn: asyncpg.Connection, actor_id: int) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM featured_tags WHERE actor_id = $1", actor_id)
    )


async def featured_of(conn: asyncpg.Connection, actor_id: int) -> list[FeaturedTag]:
    """The tags the actor features, with how many of their posts anyone may read carry each
    and when the latest was written; in the order they were featured."""
    rows = await conn.fetch(
        f"""
        SELECT f.id, f.name, used.statuses, used.last_at
        FROM featured_tags f CROSS JOIN LATERAL (
            SELECT count(*) AS statuses, max(p.published) AS last_at FROM posts p
            WHERE p.author_id = f.actor_id AND p.tags <> '{{}}' AND p.tags @> ARRAY[f.name]
              AND {_READABLE_BY_ANYONE}
        ) used
        WHERE f.actor_id = $1
        ORDER BY f.id
        """,
        actor_id,
    )
    return [
        FeaturedTag(
            row["id"],
            row["name"],
            int(row["statuses"]),
            row["last_at"].date() if row["last_at"] is not None else None,
        )
        for row in rows
    ]


async def featured_among(conn: asyncpg.Connection, actor_id: int, names: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT name FROM featured_tags WHERE actor_id = $1 AND name = ANY($2::text[])",
        actor_id,
        names,
    )
    return {row["name"] for row in rows}


async def recently_used_by(conn: asyncpg.Connection, actor_id: int, limit: int) -> list[str]:
    """The tags of the actor's latest posts anyone may read, the most recently used first,
    without those they already feature (what they might feature next)."""
    rows = await conn.fetch(
        f"""
        SELECT t.name, max(p.id) AS latest
        FROM (SELECT p.id, p.tags FROM posts p
              WHERE p.author_id = $1 AND p.tags <> '{{}}' AND {_READABLE_BY_ANYONE}
              ORDER BY p.id DESC LIMIT 200) p
        CROSS JOIN LATERAL unnest(p.tags) AS t(name)
        WHERE NOT EXISTS (SELECT 1 FROM featured_tags f WHERE f.actor_id = $1 AND f.name = t.name)
        GROUP BY t.name
        ORDER BY latest DESC, t.name
        LIMIT $2
        """,
        actor_id,
        limit,
    )
    return [row["name"] for row in rows]


# -- use --------------------------------------------------------------------------------------


async def daily_use(
    conn: asyncpg.Connection, names: list[str], days: int
) -> dict[str, list[DayOfUse]]:
    """For each tag: the posts anyone may read that carry it, and their distinct authors, on
    each of the last `days` days (UTC), today first; days without any are there with zeros."""
    rows = await conn.fetch(
        f"""
        WITH days AS (
            SELECT day::date FROM generate_series(
                (now() AT TIME ZONE 'UTC')::date - ($2::int - 1),
                (now() AT TIME ZONE 'UTC')::date,
                interval '1 day') AS day
        ), used AS (
            SELECT t.name, (p.published AT TIME ZONE 'UTC')::date AS day, p.author_id
            FROM posts p CROSS JOIN LATERAL unnest(p.tags) AS t(name)
            WHERE p.tags <> '{{}}' AND p.tags && $1::text[] AND t.name = ANY($1::text[])
              AND p.published >= (SELECT min(day) FROM days)::timestamp AT TIME ZONE 'UTC'
              AND {_READABLE_BY_ANYONE}
        )
        SELECT n.name, d.day, count(u.day) AS uses, count(DISTINCT u.author_id) AS accounts
        FROM unnest($1::text[]) AS n(name) CROSS JOIN days d
        LEFT JOIN used u ON u.name = n.name AND u.day = d.day
        GROUP BY n.name, d.day
        ORDER BY n.name, d.day DESC
        """,
        list(set(names)),
        days,
    )
    found: dict[str, list[DayOfUse]] = {name: [] for name in names}
    for row in rows:
        found[row["name"]].append(DayOfUse(row["day"], int(row["uses"]), int(row["accounts"])))
    return found
