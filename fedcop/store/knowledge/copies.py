"""Versions of pages of communities elsewhere, kept here as their community sent them: the
number and the time are the community's, not this node's."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def insert_version(
    conn: asyncpg.Connection,
    *,
    page_id: int,
    version: int,
    title: str,
    markdown: str,
    html: str,
    editor_actor_id: int,
    note: str,
    restored_from: int | None,
    saved_at: datetime,
    activity_uri: str | None,
) -> bool:
    """Keep version `version` of a copied page; False when it is kept already."""
    status = await conn.execute(
        """
        INSERT INTO kb_versions (page_id, version, title, markdown, html, editor_actor_id,
                                 note, restored_from, activity_uri, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT DO NOTHING
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
        saved_at,
    )
    return str(status) == "INSERT 0 1"


async def set_current(
    conn: asyncpg.Connection, page_id: int, version: int, updated_at: datetime
) -> None:
    """The copy shows version `version` from now on (never an older one)."""
    await conn.execute(
        """
        UPDATE kb_pages SET current_version = $2, updated_at = $3
        WHERE id = $1 AND (current_version < $2 OR NOT EXISTS (
            SELECT 1 FROM kb_versions WHERE page_id = $1 AND version = current_version))
        """,
        page_id,
        version,
        updated_at,
    )
