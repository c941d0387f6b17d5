"""Who a direct message is for (direct_recipients) and the activities that carry one."""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def add(conn: asyncpg.Connection, post_id: int, actor_ids: list[int]) -> None:
    await conn.executemany(
        "INSERT INTO direct_recipients (post_id, actor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(post_id, actor_id) for actor_id in dict.fromkeys(actor_ids)],
    )


async def of_post(conn: asyncpg.Connection, post_id: int) -> list[Actor]:
    """The message's recipients (not its author), in a stable order."""
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM direct_recipients r JOIN actors a ON a.id = r.actor_id
        WHERE r.post_id = $1 ORDER BY a.id
        """,
        post_id,
    )
    return [_actor(row) for row in rows]


async def participant_uris(conn: asyncpg.Connection, post_id: int) -> set[str]:
    """The ids of everyone who may read the message: its author and its recipients."""
    rows = await conn.fetch(
        """
        SELECT a.uri FROM posts p JOIN actors a ON a.id = p.author_id WHERE p.id = $1
        UNION
        SELECT a.uri FROM direct_recipients r JOIN actors a ON a.id = r.actor_id
        WHERE r.post_id = $1
        """,
        post_id,
    )
    return {row["uri"] for row in rows}


async def carry(conn: asyncpg.Connection, activity_uri: str, post_id: int) -> None:
    """`activity_uri` (a Create or Delete published here) carries the message `post_id`."""
    await conn.execute(
        "INSERT INTO direct_activities (activity_uri, post_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        activity_uri,
        post_id,
    )


async def carried_by(conn: asyncpg.Connection, activity_uri: str) -> int | None:
    """The message an activity published here carries, if it carries one."""
    value = await conn.fetchval(
        "SELECT post_id FROM direct_activities WHERE activity_uri = $1", activity_uri
    )
    return int(value) if value is not None else None
