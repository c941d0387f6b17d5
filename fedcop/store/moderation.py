"""Pins, bans, reports, thread locks and removals, facilitators, and the moderation log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


async def set_locked(conn: asyncpg.Connection, post_id: int, locked: bool) -> bool:
    result = await conn.execute(
        "UPDATE posts SET locked = $2 WHERE id = $1 AND locked <> $2", post_id, locked
    )
    return bool(result != "UPDATE 0")


async def set_removed(conn: asyncpg.Connection, post_id: int) -> bool:
    result = await conn.execute(
        "UPDATE posts SET removed_at = now() WHERE id = $1 AND removed_at IS NULL", post_id
    )
    return bool(result != "UPDATE 0")


async def set_pinned(
    conn: asyncpg.Connection, community_id: int, post_id: int, pinned: bool
) -> bool:
    if pinned:
        result = await conn.execute(
            """
            INSERT INTO community_pins (community_id, post_id) VALUES ($1, $2)
            ON CONFLICT DO NOTHING
            """,
            community_id,
            post_id,
        )
        return bool(result != "INSERT 0 0")
    result = await conn.execute(
        "DELETE FROM community_pins WHERE community_id = $1 AND post_id = $2",
        community_id,
        post_id,
    )
    return bool(result != "DELETE 0")


async def pinned_uris(conn: asyncpg.Connection, community_id: int) -> list[str]:
    rows = await conn.fetch(
        """
        SELECT p.uri FROM community_pins c JOIN posts p ON p.id = c.post_id
        WHERE c.community_id = $1 AND p.deleted_at IS NULL AND p.removed_at IS NULL
        ORDER BY c.pinned_at DESC
        """,
        community_id,
    )
    return [row["uri"] for row in rows]


async def ban(
    conn: asyncpg.Connection,
    community_id: int,
    actor_id: int,
    banned_by: int | None,
    reason: str,
    expires_at: datetime | None,
) -> None:
    await conn.execute(
        """
        INSERT INTO community_bans (community_id, actor_id, banned_by, reason, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (community_id, actor_id) DO UPDATE
        SET banned_by = excluded.banned_by, reason = excluded.reason,
            expires_at = excluded.expires_at, created_at = now()
        """,
        community_id,
        actor_id,
        banned_by,
        reason,
        expires_at,
    )


async def unban(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM community_bans WHERE community_id = $1 AND actor_id = $2",
        community_id,
        actor_id,
    )
    return bool(result != "DELETE 0")


async def is_banned(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM community_bans
                WHERE community_id = $1 AND actor_id = $2
                  AND (expires_at IS NULL OR expires_at > now())
            )
            """,
            community_id,
            actor_id,
        )
    )


async def add_facilitator(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    result = await conn.execute(
        """
        INSERT INTO community_facilitators (community_id, actor_id) VALUES ($1, $2)
        ON CONFLICT DO NOTHING
        """,
        community_id,
        actor_id,
    )
    return bool(result != "INSERT 0 0")


async def remove_facilitator(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM community_facilitators WHERE community_id = $1 AND actor_id = $2",
        community_id,
        actor_id,
    )
    return bool(result != "DELETE 0")


async def is_facilitator(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM community_facilitators WHERE community_id = $1 AND actor_id = $2
            )
            """,
            community_id,
            actor_id,
        )
    )


async def replace_facilitators(
    conn: asyncpg.Connection, community_id: int, actor_ids: list[int]
) -> tuple[int, int]:
    """Make `actor_ids` the facilitators kept for a remote community (as its moderators
    collection lists them); how many were (added, removed)."""
    removed = await conn.execute(
        """
        DELETE FROM community_facilitators
        WHERE community_id = $1 AND NOT (actor_id = ANY($2::bigint[]))
        """,
        community_id,
        actor_ids,
    )
    added = await conn.execute(
        """
        INSERT INTO community_facilitators (community_id, actor_id)
        SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING
        """,
        community_id,
        actor_ids,
    )
    return int(added.split()[-1]), int(removed.split()[-1])


async def count_facilitators(conn: asyncpg.Connection, community_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM community_facilitators WHERE community_id = $1", community_id
        )
    )


async def is_node_admin(conn: asyncpg.Connection, actor_id: int) -> bool:
    return bool(await conn.fetchval("SELECT is_admin FROM users WHERE actor_id = $1", actor_id))


async def add_report(
    conn: asyncpg.Connection,
    activity_uri: str,
    community_id: int | None,
    reporter_id: int,
    targets: list[str],
    reason: str,
    *,
    category: str = "other",
    forwarded: bool = False,
) -> bool:
    result = await conn.execute(
        """
        INSERT INTO reports
            (activity_uri, community_id, reporter_id, targets, reason, category, forwarded)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (activity_uri) DO NOTHING
        """,
        activity_uri,
        community_id,
        reporter_id,
        targets,
        reason,
        category,
        forwarded,
    )
    return bool(result != "INSERT 0 0")


async def open_node_reports(conn: asyncpg.Connection) -> list[Report]:
    """Open reports about people, with no community: for this node's admins."""
    rows = await conn.fetch(
        """
        SELECT r.id, a.uri AS reporter_uri, r.targets, r.reason, r.state, r.created_at
        FROM reports r JOIN actors a ON a.id = r.reporter_id
        WHERE r.community_id IS NULL AND r.state = 'open' ORDER BY r.id DESC LIMIT 100
        """
    )
    return [Report(**dict(row)) for row in rows]


async def close_node_report(conn: asyncpg.Connection, report_id: int, closed_by: int) -> bool:
    result = await conn.execute(
        """
        UPDATE reports SET state = 'closed', closed_by = $2
        WHERE id = $1 AND community_id IS NULL AND state = 'open'
        """,
        report_id,
        closed_by,
    )
    return bool(result != "UPDATE 0")


async def report_by_activity(conn: asyncpg.Connection, activity_uri: str) -> Report | None:
    row = await conn.fetchrow(
        """
        SELECT r.id, a.uri AS reporter_uri, r.targets, r.reason, r.state, r.created_at
        FROM reports r JOIN actors a ON a.id = r.reporter_id
        WHERE r.activity_uri = $1
        """,
        activity_uri,
    )
    return Report(**dict(row)) if row else None


@dataclass(frozen=True)
class Report:
    id: int
    reporter_uri: str
    targets: list[str]
    reason: str
    state: str
    created_at: datetime


async def open_reports(conn: asyncpg.Connection, community_id: int) -> list[Report]:
    rows = await conn.fetch(
        """
        SELECT r.id, a.uri AS reporter_uri, r.targets, r.reason, r.state, r.created_at
        FROM reports r JOIN actors a ON a.id = r.reporter_id
        WHERE r.community_id = $1 AND r.state = 'open' ORDER BY r.id DESC
        """,
        community_id,
    )
    return [Report(**dict(row)) for row in rows]


async def log_action(
    conn: asyncpg.Connection,
    community_id: int,
    moderator_id: int | None,
    action: str,
    target_uri: str,
    reason: str = "",
    activity_uri: str | None = None,
) -> None:
    await conn.execute(
        """
        INSERT INTO moderation_log
            (community_id, moderator_id, action, target_uri, reason, activity_uri)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        community_id,
        moderator_id,
        action,
        target_uri,
        reason,
        activity_uri,
    )


async def last_activity(
    conn: asyncpg.Connection, community_id: int, action: str, target_uri: str
) -> tuple[str, str] | None:
    """(activity id, actor id) of the latest `action` on `target_uri`: what an Undo names."""
    row = await conn.fetchrow(
        """
        SELECT l.activity_uri, a.uri AS actor_uri FROM moderation_log l
        JOIN actors a ON a.id = l.moderator_id
        WHERE l.community_id = $1 AND l.action = $2 AND l.target_uri = $3
          AND l.activity_uri IS NOT NULL
        ORDER BY l.id DESC LIMIT 1
        """,
        community_id,
        action,
        target_uri,
    )
    return (row["activity_uri"], row["actor_uri"]) if row else None


@dataclass(frozen=True)
class LogEntry:
    action: str
    moderator_uri: str | None
    target_uri: str
    reason: str
    created_at: datetime


async def log_of(conn: asyncpg.Connection, community_id: int, limit: int = 100) -> list[LogEntry]:
    rows = await conn.fetch(
        """
        SELECT l.action, a.uri AS moderator_uri, l.target_uri, l.reason, l.created_at
        FROM moderation_log l LEFT JOIN actors a ON a.id = l.moderator_id
        WHERE l.community_id = $1 ORDER BY l.id DESC LIMIT $2
        """,
        community_id,
        limit,
    )
    return [LogEntry(**dict(row)) for row in rows]
