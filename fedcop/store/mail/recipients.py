"""Who receives mail of a community, and each member's choices listed for the settings page.

    no row            -> 'notifications' (the personal ones: replies, mentions, answers, joins)
    'none'            -> nothing at all from that community
    'daily'/'weekly'  -> a digest per period, plus the personal notifications
    'every'           -> mailing-list mode: every thread and reply, plus the notifications

Mail goes only to a confirmed address that bounces have not turned off (`MAILABLE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from fedcop.store.timelines import visible_to

# SQL: the user `u` has an address mail may go to.
MAILABLE = (
    "u.email IS NOT NULL AND u.email_confirmed_at IS NOT NULL AND u.email_disabled_at IS NULL"
    " AND u.state = 'active'"
)


@dataclass(frozen=True)
class Choice:
    community_id: int
    community_uri: str
    name: str
    title: str
    mode: str


async def of_user(conn: asyncpg.Connection, user_id: int) -> list[Choice]:
    """The user's choice in every community they belong to or chose something for."""
    rows = await conn.fetch(
        """
        SELECT a.id AS community_id, a.uri AS community_uri,
               CASE WHEN a.domain IS NULL THEN a.username
                    ELSE a.username || '@' || a.domain END AS name,
               coalesce(nullif(a.display_name, ''), a.username) AS title,
               coalesce(c.mode, 'notifications') AS mode
        FROM actors a
        LEFT JOIN community_mail_choices c ON c.community_id = a.id AND c.user_id = $1
        WHERE a.actor_type = 'Group'
          AND (c.user_id IS NOT NULL
               OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1
                          AND f.followed_id = a.id AND f.state = 'accepted'))
        ORDER BY lower(a.username), a.domain NULLS FIRST
        """,
        user_id,
    )
    return [Choice(**dict(row)) for row in rows]


@dataclass(frozen=True)
class PostReader:
    user_id: int
    address: str
    # The post answers or names them (they were notified of it), not only their list choice.
    personal: bool


# SQL: the author of post `p` is not a suspended account here.
AUTHOR_IN_GOOD_STANDING = (
    "NOT EXISTS (SELECT 1 FROM users su WHERE su.actor_id = p.author_id AND su.state = 'suspended')"
)


async def post_readers(conn: asyncpg.Connection, post_id: int) -> list[PostReader]:
    """Who is mailed a new post: its community's mailing-list readers, and those it answers or
    names (its 'mention' notifications) unless they chose nothing from that community. Each
    one may see the post now (timelines.visible_to: a members-only community's post reaches its
    members alone); never its author, never a direct message, nothing by a suspended author."""
    rows = await conn.fetch(
        f"""
        WITH told AS (
            SELECT recipient_id FROM notifications WHERE post_id = $1 AND kind = 'mention'
        )
        SELECT u.actor_id AS user_id, u.email AS address,
               EXISTS (SELECT 1 FROM told WHERE told.recipient_id = u.actor_id) AS personal
        FROM posts p
        JOIN users u ON u.actor_id IN (
            SELECT c.user_id FROM community_mail_choices c
            WHERE c.community_id = p.community_id AND c.mode = 'every'
            UNION SELECT recipient_id FROM told)
        LEFT JOIN community_mail_choices mc
               ON mc.user_id = u.actor_id AND mc.community_id = p.community_id
        WHERE p.id = $1 AND p.community_id IS NOT NULL AND p.visibility <> 'direct'
          AND u.actor_id <> p.author_id AND coalesce(mc.mode, 'notifications') <> 'none'
          AND {MAILABLE} AND {AUTHOR_IN_GOOD_STANDING} AND {visible_to("u.actor_id")}
        ORDER BY u.actor_id
        """,
        post_id,
    )
    return [PostReader(**dict(row)) for row in rows]


async def mailable_address(conn: asyncpg.Connection, user_id: int, community_id: int) -> str | None:
    """The user's address, when mail may go there and they did not choose nothing from the
    community."""
    found = await conn.fetchval(
        f"""
        SELECT u.email FROM users u
        LEFT JOIN community_mail_choices c ON c.user_id = u.actor_id AND c.community_id = $2
        WHERE u.actor_id = $1 AND {MAILABLE} AND coalesce(c.mode, 'notifications') <> 'none'
        """,
        user_id,
        community_id,
    )
    return str(found) if found is not None else None
