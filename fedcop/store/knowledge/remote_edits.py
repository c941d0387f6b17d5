"""Edits people here made to pages of communities elsewhere, and the community's answer
(migrations/0036_knowledge_federation.sql explains the states)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

_COLUMNS = """
    e.id, e.page_id, e.editor_actor_id, e.base_version, e.title, e.markdown, e.note,
    e.activity_uri, e.state, e.version, e.current_title, e.current_markdown, e.reason,
    e.created_at, e.decided_at
"""

SENT = "sent"
ACCEPTED = "accepted"
CONFLICTED = "conflicted"
REFUSED = "refused"
DISMISSED = "dismissed"


@dataclass(frozen=True)
class RemoteEdit:
    id: int
    page_id: int
    editor_actor_id: int
    base_version: int
    title: str
    markdown: str
    note: str
    activity_uri: str
    state: str
    # accepted: the version it became; conflicted: the page's version when it was refused.
    version: int | None
    current_title: str | None
    current_markdown: str | None
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


def _edit(row: Any) -> RemoteEdit:
    return RemoteEdit(**dict(row))


async def insert(
    conn: asyncpg.Connection,
    *,
    page_id: int,
    editor_actor_id: int,
    base_version: int,
    title: str,
    markdown: str,
    note: str,
    activity_uri: str,
) -> RemoteEdit:
    row = await conn.fetchrow(
        f"""
        INSERT INTO kb_remote_edits AS e (page_id, editor_actor_id, base_version, title,
                                          markdown, note, activity_uri)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {_COLUMNS}
        """,
        page_id,
        editor_actor_id,
        base_version,
        title,
        markdown,
        note,
        activity_uri,
    )
    return _edit(row)


async def find_by_activity(conn: asyncpg.Connection, activity_uri: str) -> RemoteEdit | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM kb_remote_edits e WHERE e.activity_uri = $1", activity_uri
    )
    return _edit(row) if row else None


async def find(conn: asyncpg.Connection, edit_id: int) -> RemoteEdit | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM kb_remote_edits e WHERE e.id = $1", edit_id)
    return _edit(row) if row else None


async def latest_of(
    conn: asyncpg.Connection, page_id: int, editor_actor_id: int
) -> RemoteEdit | None:
    """The editor's latest edit of the page that is not put away."""
    row = await conn.fetchrow(
        f"""
        SELECT {_COLUMNS} FROM kb_remote_edits e
        WHERE e.page_id = $1 AND e.editor_actor_id = $2 AND e.state <> 'dismissed'
        ORDER BY e.created_at DESC, e.id DESC LIMIT 1
        """,
        page_id,
        editor_actor_id,
    )
    return _edit(row) if row else None


async def accept(conn: asyncpg.Connection, edit_id: int, version: int) -> bool:
    """The community made the edit its version `version`; False if it was answered already."""
    done = await conn.execute(
        """
        UPDATE kb_remote_edits SET state = 'accepted', version = $2, decided_at = now()
        WHERE id = $1 AND state = 'sent'
        """,
        edit_id,
        version,
    )
    return bool(done == "UPDATE 1")


async def conflict(
    conn: asyncpg.Connection,
    edit_id: int,
    *,
    version: int,
    title: str,
    markdown: str,
    reason: str,
) -> bool:
    done = await conn.execute(
        """
        UPDATE kb_remote_edits
        SET state = 'conflicted', version = $2, current_title = $3, current_markdown = $4,
            reason = $5, decided_at = now()
        WHERE id = $1 AND state = 'sent'
        """,
        edit_id,
        version,
        title,
        markdown,
        reason,
    )
    return bool(done == "UPDATE 1")


async def refuse(conn: asyncpg.Connection, edit_id: int, reason: str) -> bool:
    done = await conn.execute(
        """
        UPDATE kb_remote_edits SET state = 'refused', reason = $2, decided_at = now()
        WHERE id = $1 AND state = 'sent'
        """,
        edit_id,
        reason,
    )
    return bool(done == "UPDATE 1")


async def dismiss(conn: asyncpg.Connection, page_id: int, editor_actor_id: int) -> None:
    """The editor puts away their edits of the page: answered ones (they saw the outcome),
    and one still waiting (one that cannot be delivered, or that they give up on; an answer
    that comes after it changes nothing but the copy)."""
    await conn.execute(
        """
        UPDATE kb_remote_edits SET state = 'dismissed'
        WHERE page_id = $1 AND editor_actor_id = $2
          AND state IN ('conflicted', 'refused', 'sent')
        """,
        page_id,
        editor_actor_id,
    )


async def tell_conflict(
    conn: asyncpg.Connection, edit: RemoteEdit, by_id: int, version: int
) -> None:
    """Tell the editor (a user here) that their edit conflicted with version `version` of the
    page, made by `by_id` ('page_edit_conflicted'; once per edit and version)."""
    await conn.execute(
        """
        INSERT INTO notifications (recipient_id, kind, from_id, kb_page_id, kb_version)
        SELECT u.actor_id, 'page_edit_conflicted', $2, $3, $4 FROM users u
        WHERE u.actor_id = $1
        ON CONFLICT DO NOTHING
        """,
        edit.editor_actor_id,
        by_id,
        edit.page_id,
        version,
    )


async def undelivered(conn: asyncpg.Connection, activity_uri: str) -> bool:
    """Whether the Update of an edit will never reach its community: every delivery of it
    was given up (refused by the community's server, or it stayed unreachable)."""
    return bool(
        await conn.fetchval(
            """
            SELECT bool_and(d.state = 'given_up') FROM deliveries d
            JOIN outbound_activities a ON a.id = d.activity_id
            WHERE a.uri = $1
            """,
            activity_uri,
        )
    )
