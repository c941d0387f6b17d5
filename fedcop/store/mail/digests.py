"""What a digest lists for one reader, and which digests are due.

Every item passes the timelines' visibility rule for the reader (`timelines.visible_to`): no
deleted or removed post, nothing of a members-only community unless the reader is a member when
the digest is built, no direct message. Posts of suspended local authors are left out too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from fedcop.store.mail.recipients import AUTHOR_IN_GOOD_STANDING, MAILABLE
from fedcop.store.timelines import visible_to

MOST_ACTIVE = 5
LISTED_MOST = 50

# SQL: post `p` is a thread (never a direct message) the reader $1 may see, in community $2.
_SHOWN_THREAD = f"""
    p.community_id = $2 AND p.thread_id IS NULL AND p.visibility <> 'direct'
    AND {visible_to("$1::bigint")} AND {AUTHOR_IN_GOOD_STANDING}
"""


@dataclass(frozen=True)
class Due:
    user_id: int
    address: str
    community_id: int
    period_start: datetime


@dataclass(frozen=True)
class ThreadItem:
    id: int
    uri: str
    url: str | None
    title: str
    author: str
    replies: int


@dataclass(frozen=True)
class PageItem:
    page_id: int
    slug: str
    ap_id: str
    title: str
    version: int


@dataclass(frozen=True)
class Contents:
    new_threads: list[ThreadItem]
    solved: list[ThreadItem]
    pages: list[PageItem]
    most_active: list[ThreadItem]

    @property
    def count(self) -> int:
        return len(self.new_threads) + len(self.solved) + len(self.pages) + len(self.most_active)


async def due(
    conn: asyncpg.Connection,
    cadence: str,
    length: timedelta,
    last_completed: datetime,
    limit: int,
) -> list[Due]:
    """Members who chose `cadence`, each with the next period their digest has not covered:
    the one after the last sent (so a worker that was away catches up, one period a pass), or
    the last completed period for a member who never had one. Only completed periods."""
    rows = await conn.fetch(
        f"""
        SELECT * FROM (
            SELECT c.user_id, u.email AS address, c.community_id,
                   coalesce((SELECT max(s.period_start) FROM mail_digests_sent s
                             WHERE s.user_id = c.user_id AND s.community_id = c.community_id
                               AND s.cadence = $1) + $2::interval, $3) AS period_start
            FROM community_mail_choices c JOIN users u ON u.actor_id = c.user_id
            WHERE c.mode = $1 AND {MAILABLE}
        ) AS next_period
        WHERE period_start <= $3
        ORDER BY user_id, community_id LIMIT $4
        """,
        cadence,
        length,
        last_completed,
        limit,
    )
    return [Due(**dict(row)) for row in rows]


async def claim(
    conn: asyncpg.Connection,
    due_one: Due,
    cadence: str,
    items: int,
) -> bool:
    """Record the period as handled; False when another worker handled it first."""
    inserted = await conn.fetchval(
        """
        INSERT INTO mail_digests_sent (user_id, community_id, cadence, period_start, items)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true
        """,
        due_one.user_id,
        due_one.community_id,
        cadence,
        due_one.period_start,
        items,
    )
    return bool(inserted)


_THREAD_COLUMNS = """
    p.id, p.uri, p.url, coalesce(nullif(p.title, ''), left(p.summary, 80), '') AS title,
    coalesce(nullif(au.display_name, ''), au.username) AS author
"""


async def contents(
    conn: asyncpg.Connection, reader_id: int, community_id: int, since: datetime, until: datetime
) -> Contents:
    new_threads = await conn.fetch(
        f"""
        SELECT {_THREAD_COLUMNS}, p.reply_count AS replies
        FROM posts p JOIN actors au ON au.id = p.author_id
        WHERE {_SHOWN_THREAD} AND p.published >= $3 AND p.published < $4
        ORDER BY p.published, p.id LIMIT {LISTED_MOST}
        """,
        reader_id,
        community_id,
        since,
        until,
    )
    # A question counts as solved in the period when its accepted answer was written in it
    # (the acceptance itself carries no date).
    solved = await conn.fetch(
        f"""
        SELECT {_THREAD_COLUMNS}, p.reply_count AS replies
        FROM posts p JOIN actors au ON au.id = p.author_id
        JOIN posts ans ON ans.id = p.accepted_answer_id
        WHERE {_SHOWN_THREAD} AND p.is_question
          AND ans.deleted_at IS NULL AND ans.removed_at IS NULL
          AND ans.published >= $3 AND ans.published < $4
        ORDER BY ans.published, p.id LIMIT {LISTED_MOST}
        """,
        reader_id,
        community_id,
        since,
        until,
    )
    # Threads by how many replies the reader may see were written in the period.
    most_active = await conn.fetch(
        f"""
        SELECT {_THREAD_COLUMNS}, count(r.id)::int AS replies
        FROM posts p JOIN actors au ON au.id = p.author_id
        JOIN posts r ON r.thread_id = p.id
        WHERE {_SHOWN_THREAD} AND r.published >= $3 AND r.published < $4
          AND r.deleted_at IS NULL AND r.removed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM users rs WHERE rs.actor_id = r.author_id
                          AND rs.state = 'suspended')
        GROUP BY p.id, au.id ORDER BY count(r.id) DESC, p.id LIMIT {MOST_ACTIVE}
        """,
        reader_id,
        community_id,
        since,
        until,
    )
    # A knowledge-base page is the community's: shown when its posts would be shown.
    pages = await conn.fetch(
        f"""
        SELECT kp.id AS page_id, kp.slug, kp.ap_id, v.title, v.version
        FROM kb_pages kp JOIN kb_versions v ON v.page_id = kp.id
             AND v.version = kp.current_version
        WHERE kp.community_actor_id = $2 AND v.created_at >= $3 AND v.created_at < $4
          AND {_community_readable("$1::bigint")}
        ORDER BY v.created_at, kp.id LIMIT {LISTED_MOST}
        """,
        reader_id,
        community_id,
        since,
        until,
    )
    return Contents(
        new_threads=[ThreadItem(**dict(row)) for row in new_threads],
        solved=[ThreadItem(**dict(row)) for row in solved],
        pages=[PageItem(**dict(row)) for row in pages],
        most_active=[ThreadItem(**dict(row)) for row in most_active],
    )


def _community_readable(viewer: str) -> str:
    """SQL: the reader may read the knowledge base of community $2 (services.knowledge.access:
    a members-only community's pages are its members' and facilitators' alone)."""
    return f"""EXISTS (
        SELECT 1 FROM actors ca LEFT JOIN communities cc ON cc.actor_id = ca.id
        WHERE ca.id = $2
          AND (NOT (ca.manually_approves_followers OR coalesce(cc.private, false))
               OR EXISTS (SELECT 1 FROM follows cf WHERE cf.follower_id = {viewer}
                          AND cf.followed_id = ca.id AND cf.state = 'accepted')
               OR EXISTS (SELECT 1 FROM community_facilitators cx
                          WHERE cx.community_id = ca.id AND cx.actor_id = {viewer})))"""
