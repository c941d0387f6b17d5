"""What deleting an account changes in the database, and which servers must be told."""

from __future__ import annotations

import asyncpg


async def inboxes_knowing(conn: asyncpg.Connection, actor_id: int) -> list[str]:
    """Every remote inbox (shared when there is one) of a server that knows the actor: its
    followers', those of the accounts and communities it follows or posted in, every inbox
    that received one of its activities, and the servers a community here relayed its posts
    to (that community's followers)."""
    rows = await conn.fetch(
        """
        WITH its_communities AS (
            SELECT community_id AS id FROM posts WHERE author_id = $1 AND community_id IS NOT NULL
            UNION
            SELECT followed_id FROM follows WHERE follower_id = $1
        )
        SELECT DISTINCT inbox FROM (
            SELECT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
            FROM follows f JOIN actors a ON a.id = f.follower_id
            WHERE f.followed_id = $1 AND a.domain IS NOT NULL
            UNION
            SELECT coalesce(a.shared_inbox_url, a.inbox_url)
            FROM actors a JOIN its_communities c ON c.id = a.id
            WHERE a.domain IS NOT NULL
            UNION
            SELECT coalesce(a.shared_inbox_url, a.inbox_url)
            FROM its_communities c
            JOIN actors community ON community.id = c.id AND community.domain IS NULL
            JOIN follows f ON f.followed_id = community.id AND f.state = 'accepted'
            JOIN actors a ON a.id = f.follower_id AND a.domain IS NOT NULL
            UNION
            SELECT d.inbox_url
            FROM deliveries d JOIN outbound_activities o ON o.id = d.activity_id
            WHERE o.actor_id = $1
        ) known
        WHERE inbox IS NOT NULL
        ORDER BY 1
        """,
        actor_id,
    )
    return [row["inbox"] for row in rows]


async def mark_deleted(conn: asyncpg.Connection, actor_id: int) -> bool:
    """The account is deleted: nobody signs in to it again; its sessions and API tokens end
    here and now. False when it was deleted already."""
    status = await conn.execute(
        """
        UPDATE users
        SET state = 'deleted', deleted_at = now(), session_version = session_version + 1
        WHERE actor_id = $1 AND state <> 'deleted'
        """,
        actor_id,
    )
    if status.split()[-1] == "0":
        return False
    await conn.execute("DELETE FROM web_sessions WHERE actor_id = $1", actor_id)
    await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        actor_id,
    )
    return True


async def is_deleted(conn: asyncpg.Connection, actor_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM users WHERE actor_id = $1 AND state = 'deleted')",
            actor_id,
        )
    )


async def live_posts_of(conn: asyncpg.Connection, author_id: int) -> list[int]:
    """The ids of the posts by this author not yet deleted or removed."""
    rows = await conn.fetch(
        "SELECT id FROM posts WHERE author_id = $1 AND deleted_at IS NULL ORDER BY id", author_id
    )
    return [row["id"] for row in rows]


async def forget_profile(conn: asyncpg.Connection, actor_id: int, shown_name: str) -> None:
    """What the account said of itself goes: its name shown becomes `shown_name`, its bio and
    stated profile are emptied, its follows (both ways) end."""
    await conn.execute(
        "UPDATE actors SET display_name = $2, summary = '', updated_at = now() WHERE id = $1",
        actor_id,
        shown_name,
    )
    await conn.execute("DELETE FROM actor_profiles WHERE actor_id = $1", actor_id)
    await conn.execute("DELETE FROM follows WHERE follower_id = $1 OR followed_id = $1", actor_id)


async def drop_uploads(conn: asyncpg.Connection, owner_id: int, *, all_of_them: bool) -> int:
    """Delete the account's uploads (their stored files are queued for deletion by the
    media table's trigger): all of them, or only those no kept post or page carries."""
    status = await conn.execute(
        """
        DELETE FROM media m WHERE m.owner_id = $1 AND (
            $2 OR NOT (
                EXISTS (
                    SELECT 1 FROM post_media pm JOIN posts p ON p.id = pm.post_id
                    WHERE pm.media_id = m.id AND p.deleted_at IS NULL
                )
                OR EXISTS (SELECT 1 FROM kb_page_media k WHERE k.media_id = m.id)
            )
        )
        """,
        owner_id,
        all_of_them,
    )
    return int(status.split()[-1])


async def remote_posts_of(conn: asyncpg.Connection, author_uri: str) -> list[int]:
    """The live posts kept here of a remote actor (by its id)."""
    rows = await conn.fetch(
        """
        SELECT p.id FROM posts p JOIN actors a ON a.id = p.author_id
        WHERE a.uri = $1 AND a.domain IS NOT NULL AND p.deleted_at IS NULL
        """,
        author_uri,
    )
    return [row["id"] for row in rows]


async def local_communities_posted_in(conn: asyncpg.Connection, author_id: int) -> list[int]:
    """The communities of this node in which the author has posts (live or not)."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT p.community_id FROM posts p JOIN actors c ON c.id = p.community_id
        WHERE p.author_id = $1 AND c.domain IS NULL
        ORDER BY 1
        """,
        author_id,
    )
    return [row["community_id"] for row in rows]
