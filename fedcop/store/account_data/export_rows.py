"""What a member's export reads: their posts (with the Markdown they wrote), their uploads, whom
they follow and which communities they belong to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.media.rows import Media, media_of

# Posts are read in pages of this many, so that a long-standing member's export never holds
# every post in memory at once.
PAGE = 200


@dataclass(frozen=True)
class ExportedPost:
    id: int
    uri: str
    community_uri: str | None
    in_reply_to_uri: str | None
    title: str | None
    content: str
    source: str | None
    language: str | None
    visibility: str
    published: datetime
    updated: datetime | None


@dataclass(frozen=True)
class FollowedAccount:
    uri: str
    username: str
    # None for an account on this node.
    domain: str | None
    actor_type: str
    # 'accepted' or 'pending'.
    state: str


async def posts_by(conn: asyncpg.Connection, author_id: int) -> AsyncIterator[ExportedPost]:
    """Every post the member wrote that they have not deleted, oldest first, page by page."""
    after = 0
    while True:
        rows = await conn.fetch(
            """
            SELECT p.id, p.uri, c.uri AS community_uri, p.in_reply_to_uri, p.title, p.content,
                   p.source, p.language, p.visibility, p.published, p.updated
            FROM posts p LEFT JOIN actors c ON c.id = p.community_id
            WHERE p.author_id = $1 AND p.deleted_at IS NULL AND p.id > $2
            ORDER BY p.id
            LIMIT $3
            """,
            author_id,
            after,
            PAGE,
        )
        for row in rows:
            yield ExportedPost(**dict(row))
        if len(rows) < PAGE:
            return
        after = rows[-1]["id"]


async def uploads_of(conn: asyncpg.Connection, owner_id: int) -> list[Media]:
    """The member's uploaded files that processing accepted (rows only; the bytes are read
    from the media storage one file at a time)."""
    rows = await conn.fetch(
        "SELECT * FROM media WHERE owner_id = $1 AND state = 'ready' ORDER BY id", owner_id
    )
    return [media_of(row) for row in rows]


async def followed_by(conn: asyncpg.Connection, follower_id: int) -> list[FollowedAccount]:
    """Every account and community the member follows or asked to follow."""
    rows = await conn.fetch(
        """
        SELECT a.uri, a.username, a.domain, a.actor_type, f.state
        FROM follows f JOIN actors a ON a.id = f.followed_id
        WHERE f.follower_id = $1
        ORDER BY a.actor_type, a.domain NULLS FIRST, lower(a.username)
        """,
        follower_id,
    )
    return [FollowedAccount(**dict(row)) for row in rows]
