"""What the client API shows beside a post, for many posts in one query: counts, the post it
answers, its hashtags, whether the viewer may read it, and the viewer's own marks on it."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor
from fedcop.store.posts import _COLUMNS, Post, _post
from fedcop.store.timelines import visible_to


@dataclass(frozen=True)
class Facts:
    post_id: int
    visible: bool
    tags: list[str]
    reply_to_id: int | None
    reply_to_author_id: int | None
    replies: int
    reblogs: int
    # Pinned by its author on their profile (a community's pinned threads are not this).
    pinned: bool
    # The viewer muted the conversation the post belongs to.
    muted: bool
    favourited: bool
    bookmarked: bool
    reblogged: bool


async def facts_of(
    conn: asyncpg.Connection, post_ids: list[int], viewer_id: int | None
) -> dict[int, Facts]:
    rows = await conn.fetch(
        f"""
        SELECT p.id AS post_id, ({visible_to("$2::bigint")}) AS visible, p.tags,
               parent.id AS reply_to_id, parent.author_id AS reply_to_author_id,
               CASE WHEN p.thread_id IS NULL THEN p.reply_count
                    ELSE (SELECT count(*) FROM posts r WHERE r.parent_id = p.id
                            AND r.deleted_at IS NULL AND r.removed_at IS NULL)
               END AS replies,
               (SELECT count(*) FROM boosts b WHERE b.post_id = p.id) AS reblogs,
               EXISTS (SELECT 1 FROM profile_pins pp
                       WHERE pp.post_id = p.id AND pp.actor_id = p.author_id) AS pinned,
               EXISTS (SELECT 1 FROM muted_conversations mc
                       WHERE mc.actor_id = $2 AND mc.thread_id = coalesce(p.thread_id, p.id))
                 AS muted,
               EXISTS (SELECT 1 FROM votes v WHERE v.post_id = p.id AND v.actor_id = $2
                         AND v.kind = 'like') AS favourited,
               EXISTS (SELECT 1 FROM bookmarks k
                       WHERE k.post_id = p.id AND k.actor_id = $2) AS bookmarked,
               EXISTS (SELECT 1 FROM boosts b
                       WHERE b.post_id = p.id AND b.actor_id = $2) AS reblogged
        FROM unnest($1::bigint[]) AS wanted(id)
        JOIN posts p ON p.id = wanted.id
        LEFT JOIN posts parent ON parent.id = coalesce(p.parent_id, p.thread_id)
        """,
        list(set(post_ids)),
        viewer_id,
    )
    return {
        row["post_id"]: Facts(
            post_id=row["post_id"],
            visible=bool(row["visible"]),
            tags=list(row["tags"]),
            reply_to_id=row["reply_to_id"],
            reply_to_author_id=row["reply_to_author_id"],
            replies=int(row["replies"]),
            reblogs=int(row["reblogs"]),
            pinned=row["pinned"],
            muted=row["muted"],
            favourited=row["favourited"],
            bookmarked=row["bookmarked"],
            reblogged=row["reblogged"],
        )
        for row in rows
    }


async def actors_by_ids(conn: asyncpg.Connection, actor_ids: list[int]) -> dict[int, Actor]:
    rows = await conn.fetch(
        f"SELECT {_ACTOR_COLUMNS} FROM actors a WHERE a.id = ANY($1::bigint[])",
        list(set(actor_ids)),
    )
    return {row["id"]: _actor(row) for row in rows}


async def posts_by_ids(conn: asyncpg.Connection, post_ids: list[int]) -> dict[int, Post]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM posts p WHERE p.id = ANY($1::bigint[])", list(set(post_ids))
    )
    return {row["id"]: _post(row) for row in rows}
