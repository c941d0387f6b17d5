"""Questions: which threads ask one, the reply accepted as each one's answer, and a
community's threads filtered by that state."""

from __future__ import annotations

import asyncpg

from fedcop.store.posts import _COLUMNS, Post, _post

# `?filter=` of a community page -> the SQL condition on the thread p.
FILTERS = {
    "unanswered": "p.is_question AND p.accepted_answer_id IS NULL",
    "solved": "p.is_question AND p.accepted_answer_id IS NOT NULL",
}


async def set_question(conn: asyncpg.Connection, thread_id: int, is_question: bool) -> bool:
    """Mark a thread a question or not (a thread that stops being one loses its answer);
    False if nothing changed."""
    status = await conn.execute(
        """
        UPDATE posts SET is_question = $2,
                         accepted_answer_id = CASE WHEN $2 THEN accepted_answer_id END
        WHERE id = $1 AND thread_id IS NULL AND is_question IS DISTINCT FROM $2
        """,
        thread_id,
        is_question,
    )
    return str(status) != "UPDATE 0"


async def set_accepted(conn: asyncpg.Connection, thread_id: int, answer_id: int | None) -> bool:
    """The reply accepted as the question's answer (None: withdrawn); False if nothing changed.
    The caller checks that the answer is a reply in this thread."""
    status = await conn.execute(
        """
        UPDATE posts SET accepted_answer_id = $2
        WHERE id = $1 AND is_question AND accepted_answer_id IS DISTINCT FROM $2
        """,
        thread_id,
        answer_id,
    )
    return str(status) != "UPDATE 0"


async def threads_of(
    conn: asyncpg.Connection, community_id: int, state: str, *, limit: int
) -> list[Post]:
    """A community's visible threads in one question state ('unanswered' or 'solved'),
    newest first."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE p.community_id = $1 AND p.thread_id IS NULL
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
          AND {FILTERS[state]}
        ORDER BY p.published DESC, p.id DESC
        LIMIT $2
        """,
        community_id,
        limit,
    )
    return [_post(row) for row in rows]
