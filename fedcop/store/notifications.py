"""Notifications of local users: what happened to them, by whom, on which post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Notification:
    id: int
    recipient_id: int
    kind: str
    from_id: int
    post_id: int | None
    created_at: datetime
    # 'page_changed': the knowledge-base page and the version its change made.
    kb_page_id: int | None = None
    kb_version: int | None = None
    # 'join_request': the community the person asks to join.
    community_id: int | None = None
    # 'report': the report to look at.
    report_id: int | None = None


_COLUMNS = (
    "n.id, n.recipient_id, n.kind, n.from_id, n.post_id, n.created_at, n.kb_page_id, n.kb_version,"
    " n.community_id, n.report_id"
)
# SQL: the recipient muted the conversation of the post $4 (nobody is told about anything in
# a conversation they muted).
_MUTED = """
    SELECT 1 FROM posts mp JOIN muted_conversations m
      ON m.thread_id = coalesce(mp.thread_id, mp.id) AND m.actor_id = {recipient}
    WHERE mp.id = $4
"""


async def add(
    conn: asyncpg.Connection, recipient_id: int, kind: str, from_id: int, post_id: int | None
) -> None:
    """Tell a local user (only users are told; never about their own doing; once per event)."""
    await conn.execute(
        f"""
        INSERT INTO notifications (recipient_id, kind, from_id, post_id)
        SELECT $1::bigint, $2::text, $3::bigint, $4::bigint
        WHERE $1 <> $3 AND EXISTS (SELECT 1 FROM users WHERE actor_id = $1)
          AND NOT EXISTS ({_MUTED.format(recipient="$1")})
        ON CONFLICT DO NOTHING
        """,
        recipient_id,
        kind,
        from_id,
        post_id,
    )


async def add_many(
    conn: asyncpg.Connection, recipient_ids: list[int], kind: str, from_id: int, post_id: int
) -> None:
    await conn.execute(
        f"""
        INSERT INTO notifications (recipient_id, kind, from_id, post_id)
        SELECT u.actor_id, $2::text, $3::bigint, $4::bigint FROM users u
        WHERE u.actor_id = ANY($1::bigint[]) AND u.actor_id <> $3
          AND NOT EXISTS ({_MUTED.format(recipient="u.actor_id")})
        ON CONFLICT DO NOTHING
        """,
        list(set(recipient_ids)),
        kind,
        from_id,
        post_id,
    )


async def add_join_request(conn: asyncpg.Connection, community_id: int, requester_id: int) -> None:
    """Tell each facilitator of a community with an account here that `requester_id` asks to
    join it."""
    await conn.execute(
        """
        INSERT INTO notifications (recipient_id, kind, from_id, community_id)
        SELECT f.actor_id, 'join_request', $2::bigint, $1::bigint
        FROM community_facilitators f JOIN users u ON u.actor_id = f.actor_id
        WHERE f.community_id = $1 AND f.actor_id <> $2
        ON CONFLICT DO NOTHING
        """,
        community_id,
        requester_id,
    )


async def forget_join_request(
    conn: asyncpg.Connection, community_id: int, requester_id: int
) -> None:
    """The request was decided: no facilitator is asked to decide it any more."""
    await conn.execute(
        """
        DELETE FROM notifications
        WHERE kind = 'join_request' AND community_id = $1 AND from_id = $2
        """,
        community_id,
        requester_id,
    )


async def add_report(conn: asyncpg.Connection, activity_uri: str) -> None:
    """Tell who must look at the report kept under `activity_uri`: the facilitators with an
    account here of its community, or, for a report with no community (about a person of this
    node), this node's admins. The reporter is never told of their own report."""
    await conn.execute(
        """
        INSERT INTO notifications (recipient_id, kind, from_id, report_id)
        SELECT u.actor_id, 'report', r.reporter_id, r.id
        FROM reports r JOIN users u ON u.actor_id <> r.reporter_id AND (
            (r.community_id IS NULL AND u.is_admin)
            OR u.actor_id IN (SELECT f.actor_id FROM community_facilitators f
                              WHERE f.community_id = r.community_id))
        WHERE r.activity_uri = $1
        ON CONFLICT DO NOTHING
        """,
        activity_uri,
    )


async def page(
    conn: asyncpg.Connection,
    recipient_id: int,
    *,
    kinds: list[str] | None,
    excluded: list[str],
    from_id: int | None,
    before: int | None,
    after: int | None,
    limit: int,
    oldest_first: bool,
) -> list[Notification]:
    """A page of a user's notifications; those about deleted or removed posts are left out."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM notifications n LEFT JOIN posts p ON p.id = n.post_id
        WHERE n.recipient_id = $1
          AND ($2::text[] IS NULL OR n.kind = ANY($2)) AND NOT (n.kind = ANY($3::text[]))
          AND ($4::bigint IS NULL OR n.from_id = $4)
          AND ($5::bigint IS NULL OR n.id < $5) AND ($6::bigint IS NULL OR n.id > $6)
          AND (n.post_id IS NULL OR (p.deleted_at IS NULL AND p.removed_at IS NULL))
        ORDER BY n.id {"ASC" if oldest_first else "DESC"} LIMIT $7
        """,
        recipient_id,
        kinds,
        excluded,
        from_id,
        before,
        after,
        limit,
    )
    return [Notification(**dict(row)) for row in rows]


async def find(
    conn: asyncpg.Connection, recipient_id: int, notification_id: int
) -> Notification | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM notifications n WHERE n.id = $1 AND n.recipient_id = $2",
        notification_id,
        recipient_id,
    )
    return Notification(**dict(row)) if row else None


async def dismiss(conn: asyncpg.Connection, recipient_id: int, notification_id: int) -> bool:
    result = await conn.execute(
        "DELETE FROM notifications WHERE id = $1 AND recipient_id = $2",
        notification_id,
        recipient_id,
    )
    return bool(result != "DELETE 0")


async def clear(conn: asyncpg.Connection, recipient_id: int) -> None:
    await conn.execute("DELETE FROM notifications WHERE recipient_id = $1", recipient_id)


async def count_unread(conn: asyncpg.Connection, recipient_id: int, most: int) -> int:
    """How many notifications are newer than the recipient's notifications marker (up to
    `most`): one walk of the recipient's index, for the header of every page."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM notifications
                WHERE recipient_id = $1 AND id > coalesce(
                    (SELECT last_read_id FROM markers
                     WHERE actor_id = $1 AND timeline = 'notifications'), 0)
                LIMIT $2
            ) AS unread
            """,
            recipient_id,
            most,
        )
    )


async def newest_id(conn: asyncpg.Connection, recipient_id: int) -> int | None:
    found = await conn.fetchval(
        "SELECT max(id) FROM notifications WHERE recipient_id = $1", recipient_id
    )
    return int(found) if found is not None else None


async def count_after(
    conn: asyncpg.Connection, recipient_id: int, after: int | None, most: int
) -> int:
    """How many notifications are newer than `after` (counted up to `most`)."""
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM notifications
                WHERE recipient_id = $1 AND ($2::bigint IS NULL OR id > $2) LIMIT $3
            ) AS unread
            """,
            recipient_id,
            after,
            most,
        )
    )


@dataclass(frozen=True)
class ReportFacts:
    """What a 'report' notification shows of its report."""

    id: int
    community_id: int | None
    reason: str
    category: str
    forwarded: bool
    open: bool
    targets: list[str]
    created_at: datetime
    # The person reported and their posts reported, among the targets known here.
    account_id: int | None
    post_ids: list[int]


async def reports(conn: asyncpg.Connection, report_ids: list[int]) -> dict[int, ReportFacts]:
    rows = await conn.fetch(
        """
        SELECT r.id, r.community_id, r.reason, r.category, r.forwarded,
               r.state = 'open' AS open, r.targets, r.created_at,
               (SELECT a.id FROM actors a
                WHERE a.uri = ANY(r.targets) AND a.actor_type IN ('Person', 'Service')
                ORDER BY a.id LIMIT 1) AS account_id,
               ARRAY(SELECT p.id FROM posts p WHERE p.uri = ANY(r.targets) ORDER BY p.id)
                   AS post_ids
        FROM reports r WHERE r.id = ANY($1::bigint[])
        """,
        report_ids,
    )
    return {row["id"]: ReportFacts(**dict(row)) for row in rows}
