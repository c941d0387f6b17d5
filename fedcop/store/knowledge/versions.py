"""Versions of knowledge-base pages: written once, never changed. A page's history, and a
community's recent changes (its Atom feed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

_COLUMNS = """
    v.page_id, v.version, v.title, v.markdown, v.html, v.editor_actor_id, v.created_at,
    v.note, v.restored_from, v.activity_uri
"""


@dataclass(frozen=True)
class Version:
    page_id: int
    # 1, 2, 3... in the order they were made.
    version: int
    title: str
    markdown: str
    # The Markdown rendered and sanitised.
    html: str
    # A person here or elsewhere (or the community, for a charter made from its settings).
    editor_actor_id: int
    created_at: datetime
    # What the editor said of their change ('' for nothing).
    note: str
    # The older version this one restores, or None.
    restored_from: int | None
    # The Create/Update that brought or announced it, once one did.
    activity_uri: str | None


def _version(row: Any) -> Version:
    return Version(**dict(row))


async def insert(
    conn: asyncpg.Connection,
    *,
    page_id: int,
    version: int,
    title: str,
    markdown: str,
    html: str,
    editor_actor_id: int,
    note: str = "",
    restored_from: int | None = None,
    activity_uri: str | None = None,
) -> Version:
    row = await conn.fetchrow(
        f"""
        INSERT INTO kb_versions AS v (page_id, version, title, markdown, html, editor_actor_id,
                                      note, restored_from, activity_uri)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING {_COLUMNS}
        """,
        page_id,
        version,
        title,
        markdown,
        html,
        editor_actor_id,
        note,
        restored_from,
        activity_uri,
    )
    return _version(row)


async def find(conn: asyncpg.Connection, page_id: int, version: int) -> Version | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_versions v WHERE v.page_id = $1 AND v.version = $2",
        page_id,
        version,
    )
    return _version(row) if row else None


async def find_by_activity(conn: asyncpg.Connection, activity_uri: str) -> Version | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_versions v WHERE v.activity_uri = $1", activity_uri
    )
    return _version(row) if row else None


async def set_activity(
    conn: asyncpg.Connection, page_id: int, version: int, activity_uri: str
) -> None:
    """Record the activity that announced a version (once)."""
    await conn.execute(
        """
        UPDATE kb_versions SET activity_uri = $3
        WHERE page_id = $1 AND version = $2 AND activity_uri IS NULL
        """,
        page_id,
        version,
        activity_uri,
    )


async def history(conn: asyncpg.Connection, page_id: int) -> list[Version]:
    """Every version of the page, newest first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM kb_versions v WHERE v.page_id = $1 ORDER BY v.version DESC",
        page_id,
    )
    return [_version(row) for row in rows]


async def current_of(conn: asyncpg.Connection, page_ids: list[int]) -> dict[int, Version]:
    """The current version of each of these pages."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM kb_versions v JOIN kb_pages p ON p.id = v.page_id
        WHERE p.id = ANY($1::bigint[]) AND v.version = p.current_version
        """,
        page_ids,
    )
    return {row["page_id"]: _version(row) for row in rows}


async def recent_in_community(
    conn: asyncpg.Connection, community_actor_id: int, limit: int
) -> list[Version]:
    """The community's latest versions across its pages, newest first."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM kb_versions v JOIN kb_pages p ON p.id = v.page_id
        WHERE p.community_actor_id = $1
        ORDER BY v.created_at DESC, v.page_id DESC, v.version DESC
        LIMIT $2
        """,
        community_actor_id,
        limit,
    )
    return [_version(row) for row in rows]


async def editors(conn: asyncpg.Connection, page_id: int) -> list[int]:
    """The actors who made the page's versions, most recent contribution first."""
    rows = await conn.fetch(
        """
        SELECT editor_actor_id FROM kb_versions WHERE page_id = $1
        GROUP BY editor_actor_id ORDER BY max(version) DESC
        """,
        page_id,
    )
    return [row["editor_actor_id"] for row in rows]
