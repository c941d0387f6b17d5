"""A community's knowledge-base setting: who may write and edit its pages."""

from __future__ import annotations

import asyncpg

EDITORS = ("members", "facilitators")


async def editors(conn: asyncpg.Connection, community_actor_id: int) -> str:
    """'members' or 'facilitators'; 'members' for a community elsewhere (its own node decides
    on the edits it receives)."""
    value = await conn.fetchval(
        "SELECT kb_editors FROM communities WHERE actor_id = $1", community_actor_id
    )
    return str(value or "members")


async def set_editors(conn: asyncpg.Connection, community_actor_id: int, editors: str) -> bool:
    status = await conn.execute(
        "UPDATE communities SET kb_editors = $2 WHERE actor_id = $1 AND kb_editors <> $2",
        community_actor_id,
        editors,
    )
    return str(status) != "UPDATE 0"
