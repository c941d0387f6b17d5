"""Facilitators' summaries of threads: replies flagged as the summary, and which one is a
thread's current summary (its newest flagged reply still there)."""

from __future__ import annotations

import asyncpg

from fedcop.store.posts import _COLUMNS, Post, _post


async def set_flag(conn: asyncpg.Connection, post_id: int, is_summary: bool) -> bool:
    """Flag a reply as a facilitator's summary (or not); False if nothing changed. Threads are
    never summaries."""
    status = await conn.execute(
        """
        UPDATE posts SET facilitator_summary = $2
        WHERE id = $1 AND thread_id IS NOT NULL AND facilitator_summary IS DISTINCT FROM $2
        """,
        post_id,
        is_summary,
    )
    return str(status) != "UPDATE 0"


async def current_of(conn: asyncpg.Connection, thread_id: int) -> Post | None:
    """The thread's current summary: its newest flagged reply not deleted or removed."""
    row = await conn.fetchrow(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE p.thread_id = $1 AND p.facilitator_summary
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
        ORDER BY p.published DESC, p.id DESC
        LIMIT 1
        """,
        thread_id,
    )
    return _post(row) if row is not None else None
