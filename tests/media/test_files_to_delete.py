"""Stored files are queued for deletion whenever the row naming them goes, whatever removes it."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.services import accounts


async def _media_row(conn: Any, owner_id: int, token: str) -> int:
    return int(
        await conn.fetchval(
            """INSERT INTO media (owner_id, token, kind, media_type, file_name, byte_size,
                                  storage_key, thumbnail_key, original_key)
               VALUES ($1, $2, 'image', 'image/webp', 'board.webp', 10,
                       $2 || '/file', $2 || '/thumb', $2 || '/original')
               RETURNING id""",
            owner_id,
            token,
        )
    )


async def _queued(conn: Any) -> set[str]:
    rows = await conn.fetch("SELECT storage_key FROM media_files_to_delete")
    return {row["storage_key"] for row in rows}


async def test_processing_queues_the_upload_it_replaced(pool: Any, config: Config) -> None:
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    async with pool.acquire() as conn:
        media_id = await _media_row(conn, ana.id, "a" * 20)
        await conn.execute(
            "UPDATE media SET original_key = NULL, storage_key = $2 WHERE id = $1",
            media_id,
            "a" * 20 + "/file",
        )
        assert await _queued(conn) == {"a" * 20 + "/original"}


async def test_deleting_an_account_queues_all_its_files(pool: Any, config: Config) -> None:
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    async with pool.acquire() as conn:
        await _media_row(conn, ana.id, "b" * 20)
        await conn.execute("DELETE FROM actors WHERE id = $1", ana.id)
        assert await conn.fetchval("SELECT count(*) FROM media") == 0
        assert await _queued(conn) == {
            "b" * 20 + suffix for suffix in ("/file", "/thumb", "/original")
        }
