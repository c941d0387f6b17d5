"""Finding accounts: by id, by handle, by the start of a name, by the words of their names
and bio.

An account is any stored actor except this node's own instance actor and local people whose
account is not active (pending approval or suspended): those are nobody's business. A search by
words also leaves out accounts on hosts an administrator blocked.
"""

from __future__ import annotations

import re

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


# Words of a query for the name search: letters and digits (an underscore separates words, as
# in the index: migrations/0035_search_everything.sql). At most this many count.
_MOST_WORDS = 8
_VECTOR = "fedcop_actor_search_vector(a.username, a.display_name, a.summary)"


def prefix_query(text: str) -> str | None:
    """A `to_tsquery('simple', ...)` text in which every word of `text` starts a word of the
    account's (`loan` finds "Interlibrary loans"); None when `text` has no word. Only letters
    and digits go in, so nothing in it is tsquery syntax."""
    words = re.findall(r"[^\W_]+", text.lower())[:_MOST_WORDS]
    return " & ".join(f"{word}:*" for word in words) or None


async def matching_words(
    conn: asyncpg.Connection,
    text: str,
    *,
    followed_by: int | None = None,
    limit: int,
    offset: int = 0,
) -> list[Actor]:
    """People and communities whose username, display name or bio (a community's description)
    have words starting with every word of `text`, through the actors_search index. Exact
    usernames first, then by rank (names above bios), accounts here before others."""
    query = prefix_query(text)
    if query is None:
        return []
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM actors a
        WHERE {_VECTOR} @@ to_tsquery('simple', $1)
          AND a.actor_type = ANY($3::text[]) AND {_SHOWN}
          AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.host = a.domain AND h.blocked)
          AND ($4::bigint IS NULL OR EXISTS (
                SELECT 1 FROM follows f
                WHERE f.follower_id = $4 AND f.followed_id = a.id AND f.state = 'accepted'))
        ORDER BY lower(a.username) = lower($2) DESC,
                 ts_rank({_VECTOR}, to_tsquery('simple', $1)) DESC,
                 a.domain IS NULL DESC, lower(a.username), a.domain NULLS FIRST, a.id
        LIMIT $5 OFFSET $6
        """,
        query,
        text.strip().removeprefix("@"),
        _SEARCHED_TYPES,
        followed_by,
        limit,
        offset,
    )
    return [_actor(row) for row in rows]
