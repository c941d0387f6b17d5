"""A post's earlier versions: what an edit replaced, kept so that its history can be shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Version:
    title: str | None
    content: str  # sanitised HTML
    source: str | None  # the Markdown, when known
    summary: str  # sanitised HTML; '' for no content warning
    sensitive: bool
    written_at: datetime


async def keep_current(conn: asyncpg.Connection, post_id: int) -> None:
    """Keep the post as it is now, before an edit replaces it."""
    await conn.execute(
        """
        INSERT INTO post_versions (post_id, title, content, source, summary, sensitive,
                                   written_at)
        SELECT id, title, content, source, summary, sensitive, coalesce(updated, published)
        FROM posts WHERE id = $1
        """,
        post_id,
    )


async def earlier_versions(conn: asyncpg.Connection, post_id: int) -> list[Version]:
    """The versions edits replaced, oldest first."""
    rows = await conn.fetch(
        """
        SELECT title, content, source, summary, sensitive, written_at FROM post_versions
        WHERE post_id = $1 ORDER BY written_at, id
        """,
        post_id,
    )
    return [Version(**dict(row)) for row in rows]
