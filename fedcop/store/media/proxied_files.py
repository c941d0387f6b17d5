"""Finding the picture behind a media proxy token (the token is kept in a post's entry)."""

from __future__ import annotations

from typing import Any

import asyncpg


async def find_entry(conn: asyncpg.Connection, token: str) -> dict[str, Any] | None:
    """The attachment entry holding proxy `token`, in a post still shown (neither deleted nor
    removed by a moderator), or the icon of an actor kept here; else None."""
    icon = await conn.fetchval("SELECT url FROM remote_actor_icons WHERE proxy = $1", token)
    if icon is not None:  # an actor's icon (services.remote_icons): a picture, or refused
        return {"type": "Image", "url": icon}
    entry: dict[str, Any] | None = await conn.fetchval(
        """
        SELECT item
        FROM posts p, jsonb_array_elements(p.attachments) AS item
        WHERE p.attachments @> $1::jsonb
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
          AND item ->> 'proxy' = $2
        LIMIT 1
        """,
        [{"proxy": token}],
        token,
    )
    return entry if isinstance(entry, dict) else None
