"""Boosts (Announce of a post by a person), made here or arriving from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


@dataclass(frozen=True)
class Boost:
    id: int
    actor_id: int
    post_id: int
    activity_uri: str
    created_at: datetime


_COLUMNS = "id, actor_id, post_id, activity_uri, created_at"


async def add(
    conn: asyncpg.Connection, actor_id: int, post_id: int, activity_uri: str
) -> Boost | None:
    """Record a boost; None if the actor had boosted the post already."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO boosts (actor_id, post_id, activity_uri) VALUES ($1, $2, $3)
        ON CONFLICT (actor_id, post_id) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        actor_id,
        post_id,
        activity_uri,
    )
    return Boost(**dict(row)) if row else None


async def find(conn: asyncpg.Connection, actor_id: int, post_id: int) -> Boost | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM boosts WHERE actor_id = $1 AND post_id = $2", actor_id, post_id
    )
    return Boost(**dict(row)) if row else None


async def remove(conn: asyncpg.Connection, boost_id: int) -> None:
    await conn.execute("DELETE FROM boosts WHERE id = $1", boost_id)


async def remove_by_activity(conn: asyncpg.Connection, activity_uri: str, actor_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM boosts WHERE activity_uri = $1 AND actor_id = $2", activity_uri, actor_id
    )
    return bool(result != "DELETE 0")


async def boosters(conn: asyncpg.Connection, post_id: int, limit: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM boosts b JOIN actors a ON a.id = b.actor_id
        WHERE b.post_id = $1 ORDER BY b.id DESC LIMIT $2
        """,
        post_id,
        limit,
    )
    return [_actor(row) for row in rows]


async def likers(conn: asyncpg.Connection, post_id: int, limit: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM votes v JOIN actors a ON a.id = v.actor_id
        WHERE v.post_id = $1 AND v.kind = 'like' ORDER BY v.created_at DESC LIMIT $2
        """,
        post_id,
        limit,
    )
    return [_actor(row) for row in rows]


async def by_ids(conn: asyncpg.Connection, boost_ids: list[int]) -> dict[int, Boost]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM boosts WHERE id = ANY($1::bigint[])", list(set(boost_ids))
    )
    return {row["id"]: Boost(**dict(row)) for row in rows}
