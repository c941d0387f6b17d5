"""Finding accounts: by id, by handle, by the start of a name.

An account is any stored actor except this node's own instance actor and local people whose
account is not active (pending approval or suspended): those are nobody's business.
"""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor

_SHOWN = """
    NOT (a.domain IS NULL AND (
        a.actor_type NOT IN ('Person', 'Group')
        OR EXISTS (SELECT 1 FROM users u WHERE u.actor_id = a.id AND u.state <> 'active')))
"""
# What a name search lists: people and communities (and bots), never instance actors.
_SEARCHED_TYPES = ["Person", "Group", "Service", "Organization"]


async def by_ids(conn: asyncpg.Connection, ids: list[int]) -> list[Actor]:
    rows = await conn.fetch(
        f"SELECT {_ACTOR_COLUMNS} FROM actors a WHERE a.id = ANY($1::bigint[]) AND {_SHOWN}",
        list(set(ids)),
    )
    return [_actor(row) for row in rows]


async def by_uri(conn: asyncpg.Connection, uri: str) -> Actor | None:
    row = await conn.fetchrow(
        f"SELECT {_ACTOR_COLUMNS} FROM actors a WHERE a.uri = $1 AND {_SHOWN}", uri
    )
    return _actor(row) if row else None


async def by_handle(conn: asyncpg.Connection, username: str, domain: str | None) -> Actor | None:
    """The account `username` here (domain None) or `username@domain` as stored."""
    row = await conn.fetchrow(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM actors a
        WHERE lower(a.username) = lower($1) AND a.domain IS NOT DISTINCT FROM lower($2)
          AND {_SHOWN}
        ORDER BY (a.actor_type = ANY($3::text[])) DESC, a.id LIMIT 1
        """,
        username,
        domain,
        _SEARCHED_TYPES,
    )
    return _actor(row) if row else None


async def matching(
    conn: asyncpg.Connection,
    text: str,
    *,
    domain: str | None = None,
    followed_by: int | None = None,
    limit: int,
    offset: int = 0,
) -> list[Actor]:
    """Accounts whose username or display name starts with `text` (case-insensitive); with
    `domain`, only that username on domains starting with `domain`. Exact usernames first,
    then accounts here, then by name."""
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM actors a
        WHERE a.actor_type = ANY($3::text[]) AND {_SHOWN}
          AND CASE WHEN $2::text IS NULL
                   THEN starts_with(lower(a.username), lower($1))
                        OR starts_with(lower(a.display_name), lower($1))
                   ELSE lower(a.username) = lower($1) AND starts_with(a.domain, lower($2))
              END
          AND ($4::bigint IS NULL OR EXISTS (
                SELECT 1 FROM follows f
                WHERE f.follower_id = $4 AND f.followed_id = a.id AND f.state = 'accepted'))
        ORDER BY lower(a.username) = lower($1) DESC, a.domain IS NULL DESC,
                 lower(a.username), a.domain NULLS FIRST, a.id
        LIMIT $5 OFFSET $6
        """,
        text,
        domain,
        _SEARCHED_TYPES,
        followed_by,
        limit,
        offset,
    )
    return [_actor(row) for row in rows]
