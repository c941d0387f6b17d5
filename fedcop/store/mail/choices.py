"""What a member receives by mail from each community (table community_mail_choices)."""

from __future__ import annotations

import asyncpg

MAIL_MODES = ("none", "notifications", "daily", "weekly", "every")
DEFAULT_MODE = "notifications"


async def set_community_mail(
    conn: asyncpg.Connection, user_id: int, community_id: int, mode: str
) -> None:
    """Record the member's choice for one community (`mode` one of MAIL_MODES)."""
    if mode not in MAIL_MODES:
        raise ValueError(f"mail mode {mode!r} is not one of {', '.join(MAIL_MODES)}")
    await conn.execute(
        """
        INSERT INTO community_mail_choices (user_id, community_id, mode) VALUES ($1, $2, $3)
        ON CONFLICT (user_id, community_id)
        DO UPDATE SET mode = excluded.mode, changed_at = now()
        """,
        user_id,
        community_id,
        mode,
    )


async def set_all_community_mail(conn: asyncpg.Connection, user_id: int, mode: str) -> None:
    """The same choice for every community the member belongs to or already chose for."""
    if mode not in MAIL_MODES:
        raise ValueError(f"mail mode {mode!r} is not one of {', '.join(MAIL_MODES)}")
    await conn.execute(
        """
        INSERT INTO community_mail_choices (user_id, community_id, mode)
        SELECT $1, f.followed_id, $2 FROM follows f
        JOIN communities c ON c.actor_id = f.followed_id
        WHERE f.follower_id = $1
        UNION
        SELECT $1, community_id, $2 FROM community_mail_choices WHERE user_id = $1
        ON CONFLICT (user_id, community_id)
        DO UPDATE SET mode = excluded.mode, changed_at = now()
        """,
        user_id,
        mode,
    )


async def community_mail(conn: asyncpg.Connection, user_id: int, community_id: int) -> str:
    mode = await conn.fetchval(
        "SELECT mode FROM community_mail_choices WHERE user_id = $1 AND community_id = $2",
        user_id,
        community_id,
    )
    return str(mode) if mode is not None else DEFAULT_MODE
