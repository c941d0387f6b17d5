"""The `media` rows: one per uploaded file (migrations 0044, 0045)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

_COLUMNS = """id, owner_id, token, kind, state, failure, media_type, file_name, byte_size,
    width, height, blurhash, description, tag, licence, storage_key, thumbnail_key,
    thumbnail_byte_size, original_key, created_at, attached_at"""


@dataclass(frozen=True)
class Media:
    id: int
    owner_id: int
    token: str
    kind: str  # 'image' | 'document'
    state: str  # 'processing' | 'ready' | 'failed'
    failure: str | None
    media_type: str
    file_name: str
    byte_size: int
    width: int | None
    height: int | None
    blurhash: str | None
    description: str
    tag: str | None
    licence: str
    storage_key: str
    thumbnail_key: str | None
    thumbnail_byte_size: int
    original_key: str | None
    created_at: datetime
    attached_at: datetime | None

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def is_ready(self) -> bool:
        return self.state == "ready"


def media_of(row: Any) -> Media:
    return Media(**{key: row[key] for key in Media.__dataclass_fields__})


@dataclass(frozen=True)
class NewMedia:
    owner_id: int
    token: str
    kind: str
    media_type: str
    file_name: str
    byte_size: int
    storage_key: str
    original_key: str | None
    description: str = ""
    tag: str | None = None
    licence: str = "all-rights-reserved"


async def insert(conn: asyncpg.Connection, new: NewMedia, *, lease: timedelta) -> Media:
    """A row in 'processing', left to its uploader for `lease` before a sweep may take it."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO media (owner_id, token, kind, media_type, file_name, byte_size, storage_key,
                           original_key, description, tag, licence, process_after)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + $12::interval)
        RETURNING {_COLUMNS}
        """,
        new.owner_id,
        new.token,
        new.kind,
        new.media_type,
        new.file_name,
        new.byte_size,
        new.storage_key,
        new.original_key,
        new.description,
        new.tag,
        new.licence,
        lease,
    )
    return media_of(row)


async def by_id(conn: asyncpg.Connection, media_id: int) -> Media | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE id = $1", media_id)
    return media_of(row) if row else None


async def by_ids(conn: asyncpg.Connection, media_ids: list[int]) -> list[Media]:
    """The rows of `media_ids` that exist, in the order given."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM media WHERE id = ANY($1::bigint[])", media_ids)
    found = {row["id"]: media_of(row) for row in rows}
    return [found[media_id] for media_id in media_ids if media_id in found]


async def by_token(conn: asyncpg.Connection, token: str) -> Media | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM media WHERE token = $1", token)
    return media_of(row) if row else None


async def lock_owner(conn: asyncpg.Connection, owner_id: int) -> None:
    """One upload of an account is checked against its quota and written at a time (for the
    transaction), so two uploads at once cannot both pass the check."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext('media-owner'), $1::int)", owner_id % 2**31
    )


async def usage_of(conn: asyncpg.Connection, owner_id: int) -> int:
    """Bytes an account's files take in storage (files, thumbnails, uploads being processed or
    refused and not yet deleted), which its quota bounds."""
    used = await conn.fetchval(
        "SELECT coalesce(sum(byte_size + thumbnail_byte_size), 0) FROM media WHERE owner_id = $1",
        owner_id,
    )
    return int(used)


async def mark_ready(
    conn: asyncpg.Connection,
    media_id: int,
    *,
    storage_key: str,
    byte_size: int,
    file_name: str | None = None,
    thumbnail_key: str | None = None,
    thumbnail_byte_size: int = 0,
    width: int | None = None,
    height: int | None = None,
    blurhash: str | None = None,
) -> Media | None:
    """The processed file replaces the upload as received (whose key the trigger queues for
    deletion). None when the row is gone or no longer processing (someone else finished it)."""
    row = await conn.fetchrow(
        f"""
        UPDATE media SET state = 'ready', failure = NULL, storage_key = $2, byte_size = $3,
                         file_name = coalesce($4, file_name), thumbnail_key = $5,
                         thumbnail_byte_size = $6, width = $7, height = $8, blurhash = $9,
                         original_key = NULL
        WHERE id = $1 AND state = 'processing'
        RETURNING {_COLUMNS}
        """,
        media_id,
        storage_key,
        byte_size,
        file_name,
        thumbnail_key,
        thumbnail_byte_size,
        width,
        height,
        blurhash,
    )
    return media_of(row) if row else None


async def mark_failed(conn: asyncpg.Connection, media_id: int, failure: str) -> Media | None:
    """Processing refused the file: the row is kept for the uploader to read why (never shown,
    never attachable), and with it the upload as received, until the row is deleted with the
    other unattached uploads."""
    row = await conn.fetchrow(
        f"""
        UPDATE media SET state = 'failed', failure = $2
        WHERE id = $1 AND state = 'processing'
        RETURNING {_COLUMNS}
        """,
        media_id,
        failure,
    )
    return media_of(row) if row else None


async def update_details(
    conn: asyncpg.Connection,
    media_id: int,
    owner_id: int,
    *,
    description: str | None = None,
    tag: str | None = None,
    licence: str | None = None,
    clear_tag: bool = False,
) -> Media | None:
    """Change what the owner says about a file (None leaves a field as it is; `clear_tag`
    removes the tag). None when the file is not theirs or does not exist."""
    row = await conn.fetchrow(
        f"""
        UPDATE media SET description = coalesce($3, description),
                         tag = CASE WHEN $6 THEN NULL ELSE coalesce($4, tag) END,
                         licence = coalesce($5, licence)
        WHERE id = $1 AND owner_id = $2
        RETURNING {_COLUMNS}
        """,
        media_id,
        owner_id,
        description,
        tag,
        licence,
        clear_tag,
    )
    return media_of(row) if row else None


async def delete(conn: asyncpg.Connection, media_id: int) -> bool:
    """Delete a row; the trigger queues its stored files for deletion."""
    status = await conn.execute("DELETE FROM media WHERE id = $1", media_id)
    return str(status) != "DELETE 0"


async def claim_stuck(
    conn: asyncpg.Connection, limit: int, lease: timedelta, now: datetime | None = None
) -> list[Media]:
    """Rows left in 'processing' past their uploader's time (a crash, a restart): claimed for
    `lease` (SKIP LOCKED: any number of workers share them), their attempts counted."""
    rows = await conn.fetch(
        f"""
        UPDATE media SET process_after = coalesce($3, now()) + $2::interval,
                         processing_attempts = processing_attempts + 1
        WHERE id IN (SELECT id FROM media
                     WHERE state = 'processing' AND process_after <= coalesce($3, now())
                     ORDER BY process_after LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING {_COLUMNS}
        """,
        limit,
        lease,
        now,
    )
    return [media_of(row) for row in rows]


async def give_up_stuck(
    conn: asyncpg.Connection, max_attempts: int, failure: str, now: datetime | None = None
) -> int:
    """Rows due for a sweep that sweeps already took `max_attempts` times: marked 'failed'."""
    status = await conn.execute(
        """
        UPDATE media SET state = 'failed', failure = $2
        WHERE state = 'processing' AND process_after <= coalesce($3, now())
          AND processing_attempts >= $1
        """,
        max_attempts,
        failure,
        now,
    )
    return int(str(status).rsplit(" ", 1)[-1])
