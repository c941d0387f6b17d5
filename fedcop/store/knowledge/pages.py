"""Knowledge-base pages: one row per page (of a community here, or a copy of one elsewhere);
the text of each version is in store.knowledge.versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

_COLUMNS = """
    p.id, p.community_actor_id, p.slug, p.ap_id, p.current_version, p.is_charter,
    p.from_post_id, p.created_at, p.updated_at
"""


@dataclass(frozen=True)
class Page:
    id: int
    # The community (Group actor, here or elsewhere) that owns the page.
    community_actor_id: int
    # Its address's last part (/c/NAME/kb/SLUG); never changes.
    slug: str
    # Its ActivityPub id.
    ap_id: str
    # The version shown: the newest.
    current_version: int
    is_charter: bool
    # The post it was made from (a solved question, a summary), if any.
    from_post_id: int | None
    created_at: datetime
    updated_at: datetime


def _page(row: Any) -> Page:
    return Page(**dict(row))


async def insert(
    conn: asyncpg.Connection,
    *,
    community_actor_id: int,
    slug: str,
    ap_id: str,
    is_charter: bool = False,
    from_post_id: int | None = None,
) -> Page | None:
    """A new page at version 1 (its first version is inserted by the caller in the same
    transaction); None when the community already has a page with that slug (or a charter)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO kb_pages AS p (community_actor_id, slug, ap_id, current_version, is_charter,
                                   from_post_id)
        VALUES ($1, $2, $3, 1, $4, $5)
        ON CONFLICT DO NOTHING
        RETURNING {_COLUMNS}
        """,
        community_actor_id,
        slug,
        ap_id,
        is_charter,
        from_post_id,
    )
    return _page(row) if row else None


async def find(conn: asyncpg.Connection, page_id: int) -> Page | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM kb_pages p WHERE p.id = $1", page_id)
    return _page(row) if row else None


async def find_by_slug(conn: asyncpg.Connection, community_actor_id: int, slug: str) -> Page | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_pages p WHERE p.community_actor_id = $1 AND p.slug = $2",
        community_actor_id,
        slug,
    )
    return _page(row) if row else None


async def find_by_ap_id(conn: asyncpg.Connection, ap_id: str) -> Page | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM kb_pages p WHERE p.ap_id = $1", ap_id)
    return _page(row) if row else None


async def lock(conn: asyncpg.Connection, page_id: int) -> Page | None:
    """The page, locked until the transaction ends: two edits of it are taken one at a time,
    so the second one sees the first one's version and is told of the conflict."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_pages p WHERE p.id = $1 FOR UPDATE", page_id
    )
    return _page(row) if row else None


async def slugs_like(conn: asyncpg.Connection, community_actor_id: int, stem: str) -> set[str]:
    """The community's slugs that are `stem` or `stem-N` (to choose a free one)."""
    rows = await conn.fetch(
        """
        SELECT slug FROM kb_pages
        WHERE community_actor_id = $1 AND (slug = $2 OR slug LIKE $2 || '-%')
        """,
        community_actor_id,
        stem,
    )
    return {row["slug"] for row in rows}


async def set_current(conn: asyncpg.Connection, page_id: int, version: int) -> None:
    await conn.execute(
        "UPDATE kb_pages SET current_version = $2, updated_at = now() WHERE id = $1",
        page_id,
        version,
    )


async def set_from_post(conn: asyncpg.Connection, page_id: int, post_id: int) -> None:
    """Link a page to the post it was first made from (kept when already set)."""
    await conn.execute(
        "UPDATE kb_pages SET from_post_id = coalesce(from_post_id, $2) WHERE id = $1",
        page_id,
        post_id,
    )


async def of_community(conn: asyncpg.Connection, community_actor_id: int) -> list[Page]:
    """The community's pages: its charter first, then the most recently changed."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM kb_pages p WHERE p.community_actor_id = $1
        ORDER BY p.is_charter DESC, p.updated_at DESC, p.id DESC
        """,
        community_actor_id,
    )
    return [_page(row) for row in rows]


async def charter_of(conn: asyncpg.Connection, community_actor_id: int) -> Page | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_pages p WHERE p.community_actor_id = $1 AND p.is_charter",
        community_actor_id,
    )
    return _page(row) if row else None
