"""The node's directory: people who chose to be listed (actor_profiles.discoverable).

People here are listed when they tick "list me in this node's directory"; people elsewhere when
their own server's document says `discoverable: true` (Mastodon's meaning), unless only local
people are asked for. Only active local accounts; never communities or instance actors.

    order 'active'  most recent post first (actor_counts.last_status_at), then newest account
    order 'new'     newest account first
"""

from __future__ import annotations

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor
from fedcop.store.people.profiles import PROFILE_COLUMNS, Profile, profile_from_row

ORDERS = ("active", "new")


async def listed(
    conn: asyncpg.Connection, *, local_only: bool, order: str, limit: int, offset: int
) -> list[tuple[Actor, Profile]]:
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    ordering = (
        "c.last_status_at DESC NULLS LAST, a.created_at DESC, a.id DESC"
        if order == "active"
        else "a.created_at DESC, a.id DESC"
    )
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS}, {PROFILE_COLUMNS}
        FROM actor_profiles p JOIN actors a ON a.id = p.actor_id
        LEFT JOIN actor_counts c ON c.actor_id = a.id
        WHERE p.discoverable AND a.actor_type = 'Person'
          AND ($1::boolean IS FALSE OR a.domain IS NULL)
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.actor_id = a.id AND u.state <> 'active')
        ORDER BY {ordering}
        LIMIT $2 OFFSET $3
        """,
        local_only,
        limit,
        offset,
    )
    return [(_actor(row), profile_from_row(row)) for row in rows]
