"""The end of a file's life, and how much storage files use.

Deleting a `media` row is all it takes to delete a file: a trigger queues its bytes for the
storage worker (migration 0044). The rows go by themselves when their last use goes (a post
deleted or removed, a page deleted: triggers of migration 0047) and with their owner's
account (ON DELETE CASCADE); what is left here is the upload nobody attached, and the counts.

Storage use is read from `media_usage` (one row per account that uploaded, kept by a trigger
on `media`), never by summing every file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg


@dataclass(frozen=True)
class AccountUsage:
    actor_id: int
    username: str
    files: int
    bytes: int


@dataclass(frozen=True)
class StorageTotals:
    files: int
    bytes: int
    # How many accounts have files stored.
    accounts: int


async def delete_unattached(conn: asyncpg.Connection, older_than: timedelta, limit: int) -> int:
    """Delete up to `limit` unattached uploads (never attached, or taken off by an edit) that
    have been so for longer than `older_than`, oldest first (media_unattached index); how many.
    A row being attached at this moment is locked by its attachment and skipped; the condition
    is checked again on the locked rows, so one attached meanwhile stays."""
    result = await conn.execute(
        """
        DELETE FROM media
        WHERE id IN (SELECT id FROM media
                     WHERE attached_at IS NULL
                       AND coalesce(detached_at, created_at) < now() - $1::interval
                     ORDER BY created_at LIMIT $2
                     FOR UPDATE SKIP LOCKED)
          AND attached_at IS NULL
        """,
        older_than,
        limit,
    )
    return int(result.split()[-1])


async def totals(conn: asyncpg.Connection) -> StorageTotals:
    row = await conn.fetchrow(
        """
        SELECT coalesce(sum(files), 0)::bigint AS files, coalesce(sum(bytes), 0)::bigint AS bytes,
               count(*) FILTER (WHERE files > 0) AS accounts
        FROM media_usage
        """
    )
    return StorageTotals(files=row["files"], bytes=row["bytes"], accounts=row["accounts"])


async def top_accounts(conn: asyncpg.Connection, limit: int) -> list[AccountUsage]:
    """The accounts using the most storage, most first."""
    rows = await conn.fetch(
        """
        SELECT u.owner_id, a.username, u.files, u.bytes
        FROM media_usage u JOIN actors a ON a.id = u.owner_id
        WHERE u.files > 0
        ORDER BY u.bytes DESC, a.username LIMIT $1
        """,
        limit,
    )
    return [
        AccountUsage(row["owner_id"], row["username"], row["files"], row["bytes"]) for row in rows
    ]
