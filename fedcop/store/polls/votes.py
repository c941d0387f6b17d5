"""Votes in polls: one row per person and option (migration 0040)."""

from __future__ import annotations

import asyncpg


async def choices_of(conn: asyncpg.Connection, post_id: int, voter_id: int) -> list[int]:
    """The options (positions) a person chose in a poll; empty when they have not voted."""
    rows = await conn.fetch(
        "SELECT position FROM poll_votes WHERE post_id = $1 AND voter_id = $2 ORDER BY position",
        post_id,
        voter_id,
    )
    return [row["position"] for row in rows]


async def choices_of_many(
    conn: asyncpg.Connection, post_ids: list[int], voter_id: int
) -> dict[int, list[int]]:
    rows = await conn.fetch(
        """
        SELECT post_id, array_agg(position ORDER BY position) AS chosen FROM poll_votes
        WHERE post_id = ANY($1::bigint[]) AND voter_id = $2 GROUP BY post_id
        """,
        post_ids,
        voter_id,
    )
    return {row["post_id"]: list(row["chosen"]) for row in rows}


async def lock_poll(conn: asyncpg.Connection, post_id: int) -> None:
    """Votes on one poll are checked and written one voter at a time (its row locked for the
    transaction), so two deliveries of a oneOf vote cannot both pass the check."""
    await conn.execute("SELECT 1 FROM polls WHERE post_id = $1 FOR UPDATE", post_id)


async def add(
    conn: asyncpg.Connection, post_id: int, position: int, voter_id: int, uri: str | None
) -> bool:
    """False when that person chose that option already (or the vote's id is known)."""
    status = await conn.execute(
        """
        INSERT INTO poll_votes (post_id, position, voter_id, uri) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
        """,
        post_id,
        position,
        voter_id,
        uri,
    )
    return str(status) != "INSERT 0 0"


async def recount(conn: asyncpg.Connection, post_id: int) -> None:
    """A poll written here: its counts from its votes."""
    await conn.execute(
        """
        UPDATE poll_options o SET votes_count =
            (SELECT count(*) FROM poll_votes v WHERE v.post_id = o.post_id
                                                AND v.position = o.position)
        WHERE o.post_id = $1
        """,
        post_id,
    )
    await conn.execute(
        """
        UPDATE polls SET voters_count =
            (SELECT count(DISTINCT voter_id) FROM poll_votes WHERE post_id = $1)
        WHERE post_id = $1
        """,
        post_id,
    )


async def add_to_received_counts(
    conn: asyncpg.Connection, post_id: int, positions: list[int], new_voter: bool
) -> None:
    """A poll from elsewhere, voted in here: its counts go up by this vote until its author's
    server sends its own (as Mastodon does)."""
    await conn.execute(
        """
        UPDATE poll_options SET votes_count = votes_count + 1
        WHERE post_id = $1 AND position = ANY($2::smallint[])
        """,
        post_id,
        positions,
    )
    if new_voter:
        await conn.execute(
            "UPDATE polls SET voters_count = voters_count + 1 WHERE post_id = $1", post_id
        )


async def local_voters(conn: asyncpg.Connection, post_id: int) -> list[int]:
    """The people here who voted in a poll."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT v.voter_id FROM poll_votes v JOIN users u ON u.actor_id = v.voter_id
        WHERE v.post_id = $1
        """,
        post_id,
    )
    return [row["voter_id"] for row in rows]


async def remote_voter_inboxes(conn: asyncpg.Connection, post_id: int) -> list[str]:
    """Where the people elsewhere who voted in a poll written here receive (shared inbox
    first), so that their servers get its new counts."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox
        FROM poll_votes v JOIN actors a ON a.id = v.voter_id
        WHERE v.post_id = $1 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.actor_id = a.id)
          AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL
        """,
        post_id,
    )
    return [row["inbox"] for row in rows]
