"""What a community's facilitators manage: join requests, reports, settings."""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


async def join_requests(conn: asyncpg.Connection, community_id: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'pending' ORDER BY f.created_at
        """,
        community_id,
    )
    return [_actor(row) for row in rows]


async def close_report(
    conn: asyncpg.Connection, community_id: int, report_id: int, closed_by: int
) -> bool:
    result = await conn.execute(
        """
        UPDATE reports SET state = 'closed', closed_by = $3
        WHERE id = $2 AND community_id = $1 AND state = 'open'
        """,
        community_id,
        report_id,
        closed_by,
    )
    return bool(result != "UPDATE 0")


async def charter(conn: asyncpg.Connection, community_id: int) -> str:
    value = await conn.fetchval("SELECT charter FROM communities WHERE actor_id = $1", community_id)
    return str(value or "")


async def save_settings(
    conn: asyncpg.Connection,
    community_id: int,
    *,
    title: str,
    purpose_html: str,
    charter_html: str,
    approval: bool,
    restricted: bool,
) -> None:
    await conn.execute(
        "UPDATE actors SET display_name = $2, summary = $3, updated_at = now() WHERE id = $1",
        community_id,
        title,
        purpose_html,
    )
    # A private community always approves its members.
    await conn.execute(
        """
        UPDATE communities SET charter = $2, posting_restricted_to_mods = $3,
               manually_approves_followers = $4 OR private
        WHERE actor_id = $1
        """,
        community_id,
        charter_html,
        restricted,
        approval,
    )


async def set_stage(conn: asyncpg.Connection, community_id: int, stage: str) -> None:
    await conn.execute("UPDATE communities SET stage = $2 WHERE actor_id = $1", community_id, stage)
