"""Posts (threads and replies) and votes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

_COLUMNS = """
    p.id, p.uri, p.community_id, p.author_id, p.thread_id, p.parent_id, p.in_reply_to_uri,
    p.object_type, p.title, p.content, p.summary, p.url, p.attachments, p.sensitive,
    p.visibility, p.create_uri, p.published, p.updated, p.deleted_at, p.removed_at, p.locked,
    p.like_count, p.dislike_count, p.reply_count, p.tags,
    p.source,
    p.language,
    p.is_question,
    p.accepted_answer_id,
    (SELECT a.uri FROM posts a WHERE a.id = p.accepted_answer_id) AS accepted_answer_uri,
    p.facilitator_summary
"""


@dataclass(frozen=True)
class Post:
    id: int
    uri: str
    # None for a post of a person followed here that belongs to no community.
    community_id: int | None
    author_id: int
    thread_id: int | None
    parent_id: int | None
    in_reply_to_uri: str | None
    object_type: str
    title: str | None
    content: str
    summary: str
    url: str | None
    attachments: list[dict[str, Any]]
    sensitive: bool
    visibility: str
    create_uri: str | None
    published: datetime
    updated: datetime | None
    deleted_at: datetime | None
    removed_at: datetime | None
    locked: bool
    like_count: int
    dislike_count: int
    reply_count: int
    # Hashtags, lower case and without '#'.
    tags: list[str] = field(default_factory=list)
    # The Markdown its author wrote (here, or sent as `source`); None when unknown.
    source: str | None = None
    # BCP 47 tag of the language it is written in (from its author's server), or None.
    language: str | None = None
    # A thread that asks a question (fedcop:question), and the reply accepted as its answer.
    is_question: bool = False
    accepted_answer_id: int | None = None
    accepted_answer_uri: str | None = None
    # A reply that is a facilitator's summary of its thread (fedcop:facilitatorSummary).
    facilitator_summary: bool = False

    @property
    def is_thread(self) -> bool:
        return self.thread_id is None

    @property
    def is_gone(self) -> bool:
        return self.deleted_at is not None or self.removed_at is not None


@dataclass(frozen=True)
class NewPost:
    uri: str
    community_id: int | None
    author_id: int
    thread_id: int | None
    parent_id: int | None
    in_reply_to_uri: str | None
    object_type: str
    title: str | None
    content: str
    summary: str
    url: str | None
    attachments: list[dict[str, Any]]
    sensitive: bool
    visibility: str
    create_uri: str | None
    published: datetime | None
    # The Markdown `content` was rendered from, when known.
    source: str | None = None
    language: str | None = None


def _post(row: Any) -> Post:
    return Post(**{key: row[key] for key in Post.__dataclass_fields__})


async def insert(
    conn: asyncpg.Connection, post: NewPost, post_id: int | None = None
) -> Post | None:
    """Store a new post; None if one with this uri exists already (handled twice)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO posts AS p (id, uri, community_id, author_id, thread_id, parent_id,
                                in_reply_to_uri, object_type, title, content, summary, url,
                                attachments, sensitive, visibility, create_uri, published,
                                source, language)
        VALUES (coalesce($1, fedcop_next_id()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                $13, $14, $15, $16, least(coalesce($17, now()), now()), $18, $19)
        ON CONFLICT (uri) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        post_id,
        post.uri,
        post.community_id,
        post.author_id,
        post.thread_id,
        post.parent_id,
        post.in_reply_to_uri,
        post.object_type,
        post.title,
        post.content,
        post.summary,
        post.url,
        post.attachments,
        post.sensitive,
        post.visibility,
        post.create_uri,
        post.published,
        post.source,
        post.language,
    )
    if row is None:
        return None
    if post.thread_id is not None:
        await conn.execute(
            "UPDATE posts SET reply_count = reply_count + 1 WHERE id = $1", post.thread_id
        )
    return _post(row)


async def find_by_uri(conn: asyncpg.Connection, uri: str) -> Post | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM posts p WHERE p.uri = $1", uri)
    return _post(row) if row else None


async def find(conn: asyncpg.Connection, post_id: int) -> Post | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM posts p WHERE p.id = $1", post_id)
    return _post(row) if row else None


async def update_content(
    conn: asyncpg.Connection,
    post_id: int,
    *,
    title: str | None,
    content: str,
    summary: str,
    attachments: list[dict[str, Any]],
    sensitive: bool,
    source: str | None = None,
) -> None:
    """A new version of a post (its `source` the Markdown it was rendered from, if known)."""
    await conn.execute(
        """
        UPDATE posts SET title = coalesce($2, title), content = $3, summary = $4,
                         attachments = $5, sensitive = $6, updated = now(),
                         source = $7
        WHERE id = $1
        """,
        post_id,
        title,
        content,
        summary,
        attachments,
        sensitive,
        source,
    )


async def mark_deleted(conn: asyncpg.Connection, post_id: int) -> None:
    """The author deleted it: keep the row (a Tombstone is served), drop the content, its
    source and its earlier versions."""
    await conn.execute(
        """
        UPDATE posts SET deleted_at = coalesce(deleted_at, now()), content = '', summary = '',
                         title = CASE WHEN thread_id IS NULL THEN '[deleted]' END,
                         attachments = '[]',
                         source = NULL
        WHERE id = $1
        """,
        post_id,
    )
    await conn.execute("DELETE FROM post_versions WHERE post_id = $1", post_id)


async def threads_of(
    conn: asyncpg.Connection, community_id: int, *, before_id: int | None, limit: int
) -> list[Post]:
    """A community's visible threads, newest first by when they were written; a page starts
    after the thread `before_id` (keyset pagination on (published, id))."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE p.community_id = $1 AND p.thread_id IS NULL
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
          AND ($2::bigint IS NULL
               OR (p.published, p.id) < (SELECT published, id FROM posts WHERE id = $2))
        ORDER BY p.published DESC, p.id DESC
        LIMIT $3
        """,
        community_id,
        before_id,
        limit,
    )
    return [_post(row) for row in rows]


async def replies_of(conn: asyncpg.Connection, thread_id: int) -> list[Post]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM posts p WHERE p.thread_id = $1 ORDER BY p.id", thread_id
    )
    return [_post(row) for row in rows]


async def direct_replies(conn: asyncpg.Connection, parent_id: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT uri FROM posts WHERE parent_id = $1 AND deleted_at IS NULL ORDER BY id",
        parent_id,
    )
    return [row["uri"] for row in rows]


async def count_threads(conn: asyncpg.Connection, community_id: int) -> int:
    return int(
        await conn.fetchval(
            """
            SELECT count(*) FROM posts WHERE community_id = $1 AND thread_id IS NULL
              AND deleted_at IS NULL AND removed_at IS NULL
            """,
            community_id,
        )
    )


async def set_vote(
    conn: asyncpg.Connection, post_id: int, actor_id: int, kind: str, activity_uri: str
) -> bool:
    """Record a vote (replacing the actor's earlier one); False if nothing changed."""
    previous = await conn.fetchval(
        "SELECT kind FROM votes WHERE post_id = $1 AND actor_id = $2", post_id, actor_id
    )
    if previous == kind:
        return False
    await conn.execute(
        """
        INSERT INTO votes (post_id, actor_id, kind, activity_uri) VALUES ($1, $2, $3, $4)
        ON CONFLICT (post_id, actor_id)
        DO UPDATE SET kind = excluded.kind, activity_uri = excluded.activity_uri
        """,
        post_id,
        actor_id,
        kind,
        activity_uri,
    )
    await _recount(conn, post_id)
    return True


async def remove_vote(conn: asyncpg.Connection, activity_uri: str, actor_id: int) -> bool:
    post_id = await conn.fetchval(
        "DELETE FROM votes WHERE activity_uri = $1 AND actor_id = $2 RETURNING post_id",
        activity_uri,
        actor_id,
    )
    if post_id is None:
        return False
    await _recount(conn, int(post_id))
    return True


async def _recount(conn: asyncpg.Connection, post_id: int) -> None:
    await conn.execute(
        """
        UPDATE posts SET
            like_count = (SELECT count(*) FROM votes WHERE post_id = $1 AND kind = 'like'),
            dislike_count = (SELECT count(*) FROM votes WHERE post_id = $1 AND kind = 'dislike')
        WHERE id = $1
        """,
        post_id,
    )


async def vote_of(conn: asyncpg.Connection, activity_uri: str) -> tuple[int, int, str] | None:
    """(post id, voter id, kind) of the vote cast by the activity with this id."""
    row = await conn.fetchrow(
        "SELECT post_id, actor_id, kind FROM votes WHERE activity_uri = $1", activity_uri
    )
    return (row["post_id"], row["actor_id"], row["kind"]) if row else None


async def vote_by(conn: asyncpg.Connection, post_id: int, actor_id: int) -> tuple[str, str] | None:
    """(activity id, kind) of an actor's vote on a post."""
    row = await conn.fetchrow(
        "SELECT activity_uri, kind FROM votes WHERE post_id = $1 AND actor_id = $2",
        post_id,
        actor_id,
    )
    return (row["activity_uri"], row["kind"]) if row else None


async def active_threads_of(conn: asyncpg.Connection, community_id: int, limit: int) -> list[Post]:
    """A community's visible threads, the most recently active first (newest reply or post)."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE p.community_id = $1 AND p.thread_id IS NULL
          AND p.deleted_at IS NULL AND p.removed_at IS NULL
        ORDER BY greatest(p.published, (SELECT max(r.published) FROM posts r
                                         WHERE r.thread_id = p.id AND r.deleted_at IS NULL))
                 DESC, p.id DESC
        LIMIT $2
        """,
        community_id,
        limit,
    )
    return [_post(row) for row in rows]


# A person's posts that anyone may read: public or unlisted, not in a private community (its
# members' whatever the stored visibility says), neither deleted nor removed.
_PUBLICLY_WRITTEN = """
    p.author_id = $1 AND p.visibility IN ('public', 'unlisted')
    AND p.deleted_at IS NULL AND p.removed_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM communities c WHERE c.actor_id = p.community_id AND c.private)
"""


async def public_posts_by(
    conn: asyncpg.Connection, author_id: int, *, before_id: int | None, limit: int
) -> list[Post]:
    """A person's publicly readable posts (threads and replies), newest first by id; a page
    starts below `before_id`."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE {_PUBLICLY_WRITTEN} AND ($2::bigint IS NULL OR p.id < $2)
        ORDER BY p.id DESC
        LIMIT $3
        """,
        author_id,
        before_id,
        limit,
    )
    return [_post(row) for row in rows]


async def count_public_posts_by(conn: asyncpg.Connection, author_id: int) -> int:
    return int(
        await conn.fetchval(f"SELECT count(*) FROM posts p WHERE {_PUBLICLY_WRITTEN}", author_id)
    )


async def set_create_uri(conn: asyncpg.Connection, post_id: int, create_uri: str) -> None:
    """The id of the Create that published a post written here (relays wrap it)."""
    await conn.execute("UPDATE posts SET create_uri = $2 WHERE id = $1", post_id, create_uri)


async def set_language(conn: asyncpg.Connection, post_id: int, language: str | None) -> None:
    """An edited post from elsewhere: the language its new text is in."""
    await conn.execute("UPDATE posts SET language = $2 WHERE id = $1", post_id, language)
