"""What software each server runs, from its NodeInfo."""

from __future__ import annotations

from datetime import timedelta

import asyncpg


async def software_of(
    conn: asyncpg.Connection, host: str, max_age: timedelta
) -> tuple[bool, str | None]:
    """(known and fresh, software name) for a host."""
    row = await conn.fetchrow(
        """
        SELECT software, software_checked_at > now() - $2::interval AS fresh
        FROM hosts WHERE host = $1
        """,
        host.lower(),
        max_age,
    )
    if row is None or not row["fresh"]:
        return False, None
    return True, row["software"]


async def record_software(conn: asyncpg.Connection, host: str, software: str | None) -> None:
    await conn.execute(
        """
        INSERT INTO hosts (host, software, software_checked_at) VALUES ($1, $2, now())
        ON CONFLICT (host) DO UPDATE SET software = excluded.software, software_checked_at = now()
        """,
        host.lower(),
        software,
    )


async def follower_inboxes_by_software(
    conn: asyncpg.Connection, followed_id: int
) -> list[tuple[str, str, str | None]]:
    """(inbox, host, software or None if unknown) for every accepted remote follower's server."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox, a.domain,
               h.software
        FROM follows f
        JOIN actors a ON a.id = f.follower_id
        LEFT JOIN hosts h ON h.host = split_part(a.domain, ':', 1)
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.domain IS NOT NULL
          AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL
        ORDER BY 1
        """,
        followed_id,
    )
    return [(row["inbox"], row["domain"], row["software"]) for row in rows]
