"""A community's figures over time, counted by month (or week) in UTC: people taking part,
newcomers, threads, and its questions with their first answers and accepted ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


async def taking_part_by_month(
    conn: asyncpg.Connection, community_id: int, since: date
) -> dict[date, int]:
    """How many people wrote or voted in the community in each month from `since`."""
    rows = await conn.fetch(
        """
        SELECT month, count(*) AS people FROM community_activity
        WHERE community_id = $1 AND month >= $2 GROUP BY month
        """,
        community_id,
        since,
    )
    return {row["month"]: row["people"] for row in rows}


async def newcomers_by_month(
    conn: asyncpg.Connection, community_id: int, since: date
) -> dict[date, int]:
    """Current members by the month they joined, from `since` (members who left are gone)."""
    rows = await conn.fetch(
        """
        SELECT date_trunc('month', coalesce(f.accepted_at, f.created_at) AT TIME ZONE 'UTC')::date
               AS month, count(*) AS people
        FROM follows f JOIN actors a ON a.id = f.follower_id
        WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.actor_type <> 'Group'
          AND coalesce(f.accepted_at, f.created_at) >= ($2::date AT TIME ZONE 'UTC')
        GROUP BY 1
        """,
        community_id,
        since,
    )
    return {row["month"]: row["people"] for row in rows}


async def threads_by_week(
    conn: asyncpg.Connection, community_id: int, since: date
) -> dict[date, int]:
    """Threads started in each week (weeks begin on Monday) from `since`, removed ones aside."""
    rows = await conn.fetch(
        """
        SELECT date_trunc('week', published AT TIME ZONE 'UTC')::date AS week, count(*) AS threads
        FROM posts
        WHERE community_id = $1 AND thread_id IS NULL AND removed_at IS NULL
          AND published >= ($2::date AT TIME ZONE 'UTC')
        GROUP BY 1
        """,
        community_id,
        since,
    )
    return {row["week"]: row["threads"] for row in rows}


@dataclass(frozen=True)
class QuestionMonth:
    """The questions asked in one month (or, with `month` None, in the whole period)."""

    month: date | None
    asked: int
    # With at least one reply by someone other than the asker.
    answered: int
    # With an accepted answer.
    solved: int
    # Median seconds from the question to its first answer, among the answered; None if none.
    median_seconds_to_answer: float | None


# A question's first answer: its earliest reply by someone else, not removed by a facilitator
# (posts_thread_published, read in order, stops at the first).
_FIRST_ANSWER = """
    SELECT r.published FROM posts r
    WHERE r.thread_id = q.id AND r.author_id <> q.author_id AND r.removed_at IS NULL
    ORDER BY r.published LIMIT 1
"""


async def questions_by_month(
    conn: asyncpg.Connection, community_id: int, since: date
) -> list[QuestionMonth]:
    """Per month asked, then the whole period (the row whose month is None)."""
    rows = await conn.fetch(
        f"""
        WITH asked AS (
            SELECT date_trunc('month', q.published AT TIME ZONE 'UTC')::date AS month,
                   q.accepted_answer_id IS NOT NULL AS solved,
                   extract(epoch FROM (({_FIRST_ANSWER}) - q.published)) AS wait
            FROM posts q
            WHERE q.community_id = $1 AND q.is_question AND q.thread_id IS NULL
              AND q.deleted_at IS NULL AND q.removed_at IS NULL
              AND q.published >= ($2::date AT TIME ZONE 'UTC')
        )
        SELECT month, count(*) AS asked, count(wait) AS answered,
               count(*) FILTER (WHERE solved) AS solved,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS median_wait
        FROM asked GROUP BY GROUPING SETS ((month), ())
        """,
        community_id,
        since,
    )
    return [
        QuestionMonth(
            month=row["month"],
            asked=row["asked"],
            answered=row["answered"],
            solved=row["solved"],
            median_seconds_to_answer=(
                None if row["median_wait"] is None else float(row["median_wait"])
            ),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    title: str
    author_username: str
    author_domain: str | None
    published: datetime


async def unanswered_questions(
    conn: asyncpg.Connection, community_id: int, since: date, limit: int
) -> tuple[int, list[OpenQuestion]]:
    """How many questions from `since` have no answer yet, and the newest `limit` of them."""
    # The open questions are found in posts_community_question_facts alone; only the newest
    # `limit` of them are then read from posts and actors.
    rows = await conn.fetch(
        f"""
        WITH open AS (
            SELECT q.id, q.author_id, q.published, count(*) OVER () AS total
            FROM posts q
            WHERE q.community_id = $1 AND q.is_question AND q.thread_id IS NULL
              AND q.deleted_at IS NULL AND q.removed_at IS NULL
              AND q.published >= ($2::date AT TIME ZONE 'UTC')
              AND NOT EXISTS ({_FIRST_ANSWER})
            ORDER BY q.published DESC, q.id DESC
            LIMIT $3
        )
        SELECT open.id, coalesce(p.title, '') AS title, a.username, a.domain, open.published,
               open.total
        FROM open JOIN posts p ON p.id = open.id JOIN actors a ON a.id = open.author_id
        ORDER BY open.published DESC, open.id DESC
        """,
        community_id,
        since,
        limit,
    )
    total = rows[0]["total"] if rows else 0
    return total, [
        OpenQuestion(row["id"], row["title"], row["username"], row["domain"], row["published"])
        for row in rows
    ]
