"""A page of a page's history, for its ActivityPub history collection: a bounded read, however
many versions the page has."""

from __future__ import annotations

import asyncpg

from fedcop.store.knowledge.versions import Version


async def versions_below(
    conn: asyncpg.Connection, page_id: int, below: int | None, limit: int
) -> list[Version]:
    """At most `limit` versions of the page under version `below` (all when None), newest
    first."""
    rows = await conn.fetch(
        """
        SELECT v.page_id, v.version, v.title, v.markdown, v.html, v.editor_actor_id,
               v.created_at, v.note, v.restored_from, v.activity_uri
        FROM kb_versions v
        WHERE v.page_id = $1 AND ($2::integer IS NULL OR v.version < $2)
        ORDER BY v.version DESC LIMIT $3
        """,
        page_id,
        below,
        limit,
    )
    return [Version(**dict(row)) for row in rows]
