"""Password reset links (table password_resets): each works once, until it expires."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def insert(
    conn: asyncpg.Connection, token_hash: bytes, user_id: int, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        user_id,
        expires_at,
    )


async def usable(conn: asyncpg.Connection, token_hash: bytes) -> int | None:
    """The account a link resets, if it is unused and unexpired."""
    value = await conn.fetchval(
        """
        SELECT user_id FROM password_resets
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        """,
        token_hash,
    )
    return int(value) if value is not None else None


async def use(conn: asyncpg.Connection, token_hash: bytes) -> int | None:
    """Mark the link used (once: a second use finds nothing); the account it resets."""
    value = await conn.fetchval(
        """
        UPDATE password_resets SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id
        """,
        token_hash,
    )
    if value is not None:
        # The other links sent to the same account stop working too.
        await conn.execute(
            "UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
            value,
        )
    return int(value) if value is not None else None
