"""Deleting stored files whose rows are gone (`media_files_to_delete`, filled by a trigger).

claim a batch (SKIP LOCKED, in a transaction) -> delete each key's bytes from the storage
  -> remove the keys from the queue, committing with the claim
a storage that fails -> the transaction rolls back: the keys wait for the next pass
"""

from __future__ import annotations

from typing import Any

from fedcop.media.storage import MediaStorage
from fedcop.store.media import deletions

DRAIN_BATCH = 100


async def drain_deleted_files(pool: Any, storage: MediaStorage, *, batch: int = DRAIN_BATCH) -> int:
    """Delete one batch of queued files from the storage; how many."""
    async with pool.acquire() as conn, conn.transaction():
        keys = await deletions.claim(conn, batch)
        for key in keys:
            await storage.delete(key)
        if keys:
            await deletions.remove(conn, keys)
    return len(keys)
