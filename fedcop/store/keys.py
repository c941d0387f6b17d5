"""Local actors' key pairs over time: the current pair lives on `actors`, earlier ones in
`retired_keys` (see migrations/0011_key_rotation.sql)."""

from __future__ import annotations

import asyncpg


async def replace_key(
    conn: asyncpg.Connection, actor_id: int, public_key_pem: str, private_key_pem: str
) -> int:
    """Retire a local actor's key pair and put a new one in its place (same key id: peers find
    the new key where they found the old); the id of the retired pair."""
    retired = await conn.fetchval(
        """
        INSERT INTO retired_keys (actor_id, key_id, public_key_pem, private_key_pem)
        SELECT id, public_key_id, public_key_pem, private_key_pem FROM actors
        WHERE id = $1 AND domain IS NULL
        RETURNING id
        """,
        actor_id,
    )
    if retired is None:
        raise ValueError(f"actor {actor_id} is not local: only local actors have key pairs here")
    await conn.execute(
        """
        UPDATE actors SET public_key_pem = $2, private_key_pem = $3, updated_at = now()
        WHERE id = $1
        """,
        actor_id,
        public_key_pem,
        private_key_pem,
    )
    return int(retired)
