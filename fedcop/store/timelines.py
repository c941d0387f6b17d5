"""Lists of posts for the client API: timelines, a thread's context, saved posts.

Every query pages on the post id (time-sortable: `before` / `after` exclusive bounds, newest
first unless `oldest_first`) and shows a viewer only what they may read: no deleted or removed
posts, and members-only posts only to the community's members, facilitators and author.

The home timeline and a person's statuses also carry boosts (`Entry`): a boost pages on its own
id, which comes from the same time-sortable sequence as post ids, so one window cuts both. A
boost is shown only while the viewer may see the post it boosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.store.boosts import Boost
from fedcop.store.posts import _COLUMNS, Post, _post


@dataclass(frozen=True)
class Window:
    """Which page: ids below `before`, above `after`, at most `limit`; with `oldest_first` the
    page nearest `after` (the rows come back oldest first: callers reverse them)."""

    before: int | None
    after: int | None
    limit: int
    oldest_first: bool = False

    @property
    def order(self) -> str:
        return "ASC" if self.oldest_first else "DESC"


@dataclass(frozen=True)
class Entry:
    """One item of a timeline: a post, or someone's boost of it (`boost` set)."""

    post: Post
    boost: Boost | None = None

    @property
    def id(self) -> int:
        """What the timeline pages on: the boost's own id for a boost."""
        return self.boost.id if self.boost is not None else self.post.id


def readable_by(viewer: str) -> str:
    """SQL: the privacy rule alone: post `p` may be read by the actor whose id is the parameter
    `viewer` (may be NULL), deleted or not. A post in a private community here is its members'
    even if it was stored as public (the community decides, not the author's server). A direct
    message is its author's and its recipients' alone."""
    return f"""
        ((p.visibility IN ('public', 'unlisted')
          AND NOT EXISTS (SELECT 1 FROM communities vp
                          WHERE vp.actor_id = p.community_id AND vp.private))
         OR p.author_id = {viewer}
         OR (p.visibility = 'direct'
             AND EXISTS (SELECT 1 FROM direct_recipients vd
                         WHERE vd.post_id = p.id AND vd.actor_id = {viewer}))
         OR EXISTS (SELECT 1 FROM follows vf
                    WHERE vf.follower_id = {viewer} AND vf.followed_id = p.community_id
                      AND vf.state = 'accepted')
         OR EXISTS (SELECT 1 FROM community_facilitators vc
                    WHERE vc.community_id = p.community_id AND vc.actor_id = {viewer}))
    """


def visible_to(viewer: str) -> str:
    """SQL: post `p` is shown to the actor whose id is the parameter `viewer` (may be NULL):
    neither deleted nor removed, and readable by them (`readable_by`)."""
    return f"p.deleted_at IS NULL AND p.removed_at IS NULL AND {readable_by(viewer)}"


async def readable(
    conn: asyncpg.Connection, post_ids: list[int], viewer_id: int | None
) -> set[int]:
    """Which of these posts the viewer may read (the privacy rule only; deleted posts included)."""
    rows = await conn.fetch(
        f"SELECT p.id FROM posts p WHERE p.id = ANY($1::bigint[]) AND {readable_by('$2::bigint')}",
        post_ids,
        viewer_id,
    )
    return {row["id"] for row in rows}


def _in_window(first: int, column: str = "p.id") -> str:
    """SQL bounds on `column` for parameters $first (before) and $first+1 (after)."""
    return (
        f"(${first}::bigint IS NULL OR {column} < ${first}) "
        f"AND (${first + 1}::bigint IS NULL OR {column} > ${first + 1})"
    )


def _boosts_by(booster: str, viewer: str, first: int, window: Window) -> str:
    """SQL: one page of (id, post_id) of the boosts by the actor `booster` (an SQL expression)
    whose post the actor whose id is `viewer` may see; $first and $first+1 bound the boost id
    and $first+2 is the page size. Read newest first through boosts_actor_recent, stopping at
    the page size."""
    return f"""
        SELECT b.id, b.post_id FROM boosts b JOIN posts p ON p.id = b.post_id
        WHERE b.actor_id = {booster} AND {visible_to(viewer)} AND {_in_window(first, "b.id")}
        ORDER BY b.id {window.order} LIMIT ${first + 2}
    """


async def _entries(
    conn: asyncpg.Connection,
    post_ids: str,
    boost_ids: str,
    args: list[Any],
    limit_param: int,
    window: Window,
) -> list[Entry]:
    """The page of entries merged from `post_ids` (SQL giving `id`) and `boost_ids` (SQL giving
    `id, post_id`), both already visibility-checked and each cut to the page: a UNION ALL of
    the two pages, ordered by the entries' own ids and cut again, then joined to the posts and
    boosts it names."""
    order, limit = window.order, f"${limit_param}"
    rows = await conn.fetch(
        f"""
        WITH entries AS (
            (SELECT id, id AS post_id, NULL::bigint AS boost_id FROM ({post_ids}) ps
             ORDER BY id {order} LIMIT {limit})
            UNION ALL
            (SELECT id, post_id, id AS boost_id FROM ({boost_ids}) bs
             ORDER BY id {order} LIMIT {limit})
        ), page AS (
            SELECT * FROM entries ORDER BY id {order} LIMIT {limit}
        )
        SELECT {_COLUMNS}, b.id AS boost_id, b.actor_id AS boost_actor_id,
               b.activity_uri AS boost_uri, b.created_at AS boost_created_at
        FROM page e JOIN posts p ON p.id = e.post_id LEFT JOIN boosts b ON b.id = e.boost_id
        ORDER BY e.id {order}
        """,
        *args,
    )
    return [_entry(row) for row in rows]


def _entry(row: Any) -> Entry:
    post = _post(row)
    if row["boost_id"] is None:
        return Entry(post)
    boost = Boost(
        id=row["boost_id"],
        actor_id=row["boost_actor_id"],
        post_id=post.id,
        activity_uri=row["boost_uri"],
        created_at=row["boost_created_at"],
    )
    return Entry(post, boost)


async def _page(
    conn: asyncpg.Connection,
    where: str,
    args: list[Any],
    viewer_id: int | None,
    window: Window,
) -> list[Post]:
    """Posts matching `where` (which uses $1..$n for `args`), as the viewer sees them."""
    n = len(args)
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p
        WHERE {where} AND {visible_to(f"${n + 1}::bigint")} AND {_in_window(n + 2)}
        ORDER BY p.id {window.order} LIMIT ${n + 4}
        """,
        *args,
        viewer_id,
        window.before,
        window.after,
        window.limit,
    )
    return [_post(row) for row in rows]


async def home(conn: asyncpg.Connection, user_id: int, window: Window) -> list[Entry]:
    """Posts in the communities the user belongs to, by the actors they follow, and their own,
    and public posts carrying a hashtag they follow; and the boosts of the actors they follow,
    and their own.

    Each source is read through its own index (community, author, booster) and cut to a page
    before the pages are merged, so the cost follows the number of follows, not the size of
    the tables. A post boosted by several of them is there once per boost.
    """
    viewer = "$1::bigint"
    bounds = f"{visible_to(viewer)} AND {_in_window(2)}"
    sources = "SELECT followed_id AS id FROM follows WHERE follower_id = $1 AND state = 'accepted'"
    post_ids = f"""
        SELECT q.id FROM ({sources}) s CROSS JOIN LATERAL (
            SELECT p.id FROM posts p WHERE p.community_id = s.id AND {bounds}
            ORDER BY p.id {window.order} LIMIT $4) q
        UNION
        SELECT q.id FROM ({sources}) s CROSS JOIN LATERAL (
            SELECT p.id FROM posts p WHERE p.author_id = s.id AND {bounds}
            ORDER BY p.id {window.order} LIMIT $4) q
        UNION
        (SELECT p.id FROM posts p WHERE p.author_id = $1 AND {bounds}
         ORDER BY p.id {window.order} LIMIT $4)
        UNION
        {_followed_tags_posts(bounds, window)}
    """
    boost_ids = f"""
        SELECT q.id, q.post_id FROM ({sources}) s CROSS JOIN LATERAL (
            {_boosts_by("s.id", viewer, 2, window)}) q
        UNION
        ({_boosts_by("$1", viewer, 2, window)})
    """
    args = [user_id, window.before, window.after, window.limit]
    return await _entries(conn, post_ids, boost_ids, args, 4, window)


def _followed_tags_posts(bounds: str, window: Window) -> str:
    """SQL for `home`: a page of the public posts carrying each hashtag the user ($1) follows."""
    return f"""
        SELECT q.id FROM followed_tags ft CROSS JOIN LATERAL (
            SELECT p.id FROM posts p
            WHERE p.tags <> '{{}}' AND p.tags @> ARRAY[ft.name] AND p.visibility = 'public'
              AND {bounds}
            ORDER BY p.id {window.order} LIMIT $4) q
        WHERE ft.actor_id = $1
    """


async def public(
    conn: asyncpg.Connection, viewer_id: int | None, window: Window, *, local: bool | None
) -> list[Post]:
    """Public posts; `local`: only those in communities here (True) or elsewhere (False).
    A followed person's post outside communities is elsewhere's (as on Mastodon's federated
    timeline): on the public timeline and the remote one, never the local one."""
    if local:
        return await _local_public(conn, viewer_id, window)
    where = "p.visibility = 'public'"
    if local is False:
        where += (
            " AND (EXISTS (SELECT 1 FROM actors c WHERE c.id = p.community_id"
            " AND c.domain IS NOT NULL)"
            " OR (p.community_id IS NULL AND EXISTS (SELECT 1 FROM actors a"
            " WHERE a.id = p.author_id AND a.domain IS NOT NULL)))"
        )
    return await _page(conn, where, [], viewer_id, window)


async def _local_public(
    conn: asyncpg.Connection, viewer_id: int | None, window: Window
) -> list[Post]:
    """Public posts in the communities here: each community's page read through its index,
    then merged (local posts may be a small part of the table)."""
    bounds = f"{visible_to('$1::bigint')} AND {_in_window(2)} AND p.visibility = 'public'"
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM posts p WHERE p.id IN (
            SELECT q.id FROM actors c CROSS JOIN LATERAL (
                SELECT p.id FROM posts p WHERE p.community_id = c.id AND {bounds}
                ORDER BY p.id {window.order} LIMIT $4) q
            WHERE c.domain IS NULL AND c.actor_type = 'Group'
        )
        ORDER BY p.id {window.order} LIMIT $4
        """,
        viewer_id,
        window.before,
        window.after,
        window.limit,
    )
    return [_post(row) for row in rows]


async def tagged(
    conn: asyncpg.Connection, tag: str, viewer_id: int | None, window: Window
) -> list[Post]:
    """Public posts carrying a hashtag (lower case, without '#')."""
    where = "p.tags <> '{}' AND p.tags @> ARRAY[$1::text] AND p.visibility = 'public'"
    return await _page(conn, where, [tag], viewer_id, window)


async def by_author(
    conn: asyncpg.Connection,
    author_id: int,
    viewer_id: int | None,
    window: Window,
    *,
    threads_only: bool,
    with_boosts: bool,
) -> list[Entry]:
    """A person's posts (`threads_only`: not their replies) and, `with_boosts`, their boosts."""
    viewer = "$2::bigint"
    threads = " AND p.thread_id IS NULL" if threads_only else ""
    post_ids = f"""
        SELECT p.id FROM posts p
        WHERE p.author_id = $1{threads} AND {visible_to(viewer)} AND {_in_window(3)}
        ORDER BY p.id {window.order} LIMIT $5
    """
    boost_ids = _boosts_by("$1", viewer, 3, window) if with_boosts else _NO_BOOSTS
    args = [author_id, viewer_id, window.before, window.after, window.limit]
    return await _entries(conn, post_ids, boost_ids, args, 5, window)


_NO_BOOSTS = "SELECT NULL::bigint AS id, NULL::bigint AS post_id WHERE false"


async def tagged_by(
    conn: asyncpg.Connection,
    actor_id: int,
    tag: str,
    viewer_id: int | None,
    window: Window,
    *,
    community: bool,
    threads_only: bool,
) -> list[Post]:
    """An account's posts carrying a hashtag: a person's (`threads_only`: not their replies),
    or a community's threads (`community`)."""
    owner = "p.community_id = $1 AND p.thread_id IS NULL" if community else "p.author_id = $1"
    threads = " AND p.thread_id IS NULL" if threads_only else ""
    where = f"{owner}{threads} AND p.tags <> '{{}}' AND p.tags @> ARRAY[$2::text]"
    return await _page(conn, where, [actor_id, tag], viewer_id, window)


async def threads_in(
    conn: asyncpg.Connection, community_id: int, viewer_id: int | None, window: Window
) -> list[Post]:
    """A community's threads (what a Group account has posted, as Mastodon shows it)."""
    where = "p.community_id = $1 AND p.thread_id IS NULL"
    return await _page(conn, where, [community_id], viewer_id, window)


async def pinned_in(
    conn: asyncpg.Connection, community_id: int, viewer_id: int | None
) -> list[Post]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM community_pins cp JOIN posts p ON p.id = cp.post_id
        WHERE cp.community_id = $1 AND {visible_to("$2::bigint")}
        ORDER BY cp.pinned_at DESC
        """,
        community_id,
        viewer_id,
    )
    return [_post(row) for row in rows]


async def visible_post(
    conn: asyncpg.Connection, post_id: int, viewer_id: int | None
) -> Post | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM posts p WHERE p.id = $1 AND {visible_to('$2::bigint')}",
        post_id,
        viewer_id,
    )
    return _post(row) if row else None


async def ancestors(conn: asyncpg.Connection, post: Post, viewer_id: int | None) -> list[Post]:
    """The posts above `post`, the thread first. A reply whose parent never arrived hangs
    under its thread."""
    rows = await conn.fetch(
        f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT coalesce($1::bigint, $2::bigint), 1 WHERE coalesce($1, $2) IS NOT NULL
            UNION ALL
            SELECT coalesce(q.parent_id, q.thread_id), up.depth + 1
            FROM up JOIN posts q ON q.id = up.id
            WHERE coalesce(q.parent_id, q.thread_id) IS NOT NULL AND up.depth < 200
        )
        SELECT {_COLUMNS} FROM up JOIN posts p ON p.id = up.id
        WHERE {visible_to("$3::bigint")}
        ORDER BY up.depth DESC
        """,
        post.parent_id,
        post.thread_id,
        viewer_id,
    )
    return [_post(row) for row in rows]


async def descendants(conn: asyncpg.Connection, post: Post, viewer_id: int | None) -> list[Post]:
    """The replies below `post`, oldest first."""
    if post.is_thread:
        where = "p.thread_id = $1"
    else:
        where = """p.id IN (
            WITH RECURSIVE down(id, depth) AS (
                SELECT r.id, 1 FROM posts r WHERE r.parent_id = $1
                UNION ALL
                SELECT r.id, down.depth + 1 FROM down JOIN posts r ON r.parent_id = down.id
                WHERE down.depth < 200
            ) SELECT id FROM down)"""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM posts p WHERE {where} AND {visible_to('$2::bigint')}"
        " ORDER BY p.id",
        post.id,
        viewer_id,
    )
    return [_post(row) for row in rows]


async def favourited_by(conn: asyncpg.Connection, actor_id: int, window: Window) -> list[Post]:
    """Posts the actor liked, paged on the post id."""
    where = (
        "EXISTS (SELECT 1 FROM votes v WHERE v.post_id = p.id AND v.actor_id = $1"
        " AND v.kind = 'like')"
    )
    return await _page(conn, where, [actor_id], actor_id, window)


async def bookmarked_by(
    conn: asyncpg.Connection, actor_id: int, window: Window
) -> list[tuple[int, Post]]:
    """(bookmark id, post) of the actor's bookmarks, paged on the bookmark id (the order in
    which they were saved)."""
    rows = await conn.fetch(
        f"""
        SELECT b.id AS bookmark_id, {_COLUMNS} FROM bookmarks b JOIN posts p ON p.id = b.post_id
        WHERE b.actor_id = $1 AND {visible_to("$1::bigint")}
          AND ($2::bigint IS NULL OR b.id < $2) AND ($3::bigint IS NULL OR b.id > $3)
        ORDER BY b.id {window.order} LIMIT $4
        """,
        actor_id,
        window.before,
        window.after,
        window.limit,
    )
    return [(row["bookmark_id"], _post(row)) for row in rows]
