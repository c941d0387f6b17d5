"""OAuth apps, authorization codes and bearer tokens (kept as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Token:
    id: int
    app_id: int | None
    user_id: int | None
    scopes: list[str]
    expires_at: datetime | None


async def insert_token(
    conn: asyncpg.Connection,
    token_hash: str,
    app_id: int | None,
    user_id: int | None,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> int:
    return int(
        await conn.fetchval(
            """
            INSERT INTO oauth_tokens (token_hash, app_id, user_id, scopes, expires_at)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """,
            token_hash,
            app_id,
            user_id,
            scopes,
            expires_at,
        )
    )


async def live_token(conn: asyncpg.Connection, token_hash: str) -> Token | None:
    """The token with this hash, unless revoked or expired; its use is recorded (at most once a
    minute, so busy clients do not write on every request)."""
    row = await conn.fetchrow(
        """
        UPDATE oauth_tokens SET last_used_at = now()
        WHERE token_hash = $1 AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > now())
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        RETURNING id, app_id, user_id, scopes, expires_at
        """,
        token_hash,
    )
    if row is None:
        row = await conn.fetchrow(
            """
            SELECT id, app_id, user_id, scopes, expires_at FROM oauth_tokens
            WHERE token_hash = $1 AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > now())
            """,
            token_hash,
        )
    if row is None:
        return None
    return Token(row["id"], row["app_id"], row["user_id"], list(row["scopes"]), row["expires_at"])


async def revoke_token(conn: asyncpg.Connection, token_hash: str) -> bool:
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return bool(status.endswith(" 1"))
