"""Processing an uploaded picture, and the sweep that finishes those a crash left behind.

    process_upload(pool, config, storage, media_id)
      a document       -> 'ready' if its bytes are stored whole (else 'failed')
      row 'processing' -> the upload as received (TOKEN/original) read from the storage into a
                          temporary file of the data directory
                       -> fedcop/media/images.py, in a thread: upright, re-encoded without its
                          EXIF, scaled down if huge, a thumbnail, a blurhash
                       -> TOKEN/file.EXT and TOKEN/thumbnail.webp put in the storage
                       -> the row 'ready' naming them (the trigger queues TOKEN/original)
                       -> a picture Pillow refuses: 'failed', with the reason
    sweep_stuck(...)   rows still 'processing' past PROCESSING_LEASE (their process died):
                       claimed (SKIP LOCKED, SWEEP_LEASE), processed as above; after
                       MAX_SWEEPS claims, 'failed'

The keys are the same whoever processes a row, so two processes finishing one row at once
write the same files and only one marks it ready.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import N_
from fedcop.media import images
from fedcop.media.sniffing import EXTENSIONS
from fedcop.media.storage import MediaStorage, StoredFileMissing
from fedcop.services.media import names
from fedcop.store.media import Media
from fedcop.store.media import deletions as deletion_store
from fedcop.store.media import rows as media_rows

log = logging.getLogger(__name__)

# How long the process that received an upload has to process it before a sweep may.
PROCESSING_LEASE = timedelta(minutes=2)
# How long a sweeping worker has a row it claimed.
SWEEP_LEASE = timedelta(minutes=10)
SWEEP_BATCH = 4
MAX_SWEEPS = 3
# Kept on the row in English (the sweep runs outside any request); translated where shown.
_GIVEN_UP = N_("processing this picture failed several times; send it again, or another copy")
_INTERRUPTED = N_("the upload was interrupted before it was stored; send it again")


async def process_upload(
    pool: Any, config: Config, storage: MediaStorage, media_id: int
) -> Media | None:
    """Process the picture of row `media_id` if it is still processing; the row afterwards
    (ready or failed), or None when it is gone."""
    async with pool.acquire() as conn:
        media = await media_rows.by_id(conn, media_id)
    if media is None or media.state != "processing":
        return media
    if media.kind != "image":
        return await _finish_document(pool, storage, media)
    work_dir = Path(
        await asyncio.to_thread(tempfile.mkdtemp, prefix="picture-", dir=_work_root(config))
    )
    try:
        return await _process(pool, storage, media, work_dir)
    finally:
        await asyncio.to_thread(shutil.rmtree, work_dir, True)


# Background processings under way in this process: held so that none is garbage-collected
# half-way (asyncio keeps only weak references to tasks).
_under_way: set[asyncio.Task[Media | None]] = set()


def process_in_background(
    pool: Any, config: Config, storage: MediaStorage, media_id: int
) -> asyncio.Task[Media | None]:
    """Start `process_upload` without waiting for it (the client API's asynchronous upload
    answers 202 at once). Should this process stop first, the worker's sweep finishes it."""
    task = asyncio.create_task(process_upload(pool, config, storage, media_id))
    _under_way.add(task)
    task.add_done_callback(_finished_in_background)
    return task


def _finished_in_background(task: asyncio.Task[Media | None]) -> None:
    _under_way.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("processing an upload failed; the sweep tries again", exc_info=task.exception())


def _work_root(config: Config) -> Path:
    root = config.data_dir / "tmp" / "processing"
    root.mkdir(parents=True, exist_ok=True)
    return root


async def _process(pool: Any, storage: MediaStorage, media: Media, work_dir: Path) -> Media | None:
    source = work_dir / "original"
    try:
        await _fetch(storage, media.original_key or media.storage_key, source)
    except StoredFileMissing:
        return await _fail(pool, media, _INTERRUPTED)
    try:
        picture = await images.process_picture_off_loop(source, media.media_type, work_dir)
    except images.PictureRefused as error:
        return await _fail(pool, media, str(error))
    extension = EXTENSIONS.get(media.media_type, "")
    file_key = names.file_key(media.token, extension)
    thumbnail_key = names.thumbnail_key(media.token)
    await storage.put(file_key, picture.file, media.media_type)
    await storage.put(thumbnail_key, picture.thumbnail, "image/webp")
    async with pool.acquire() as conn, conn.transaction():
        ready = await media_rows.mark_ready(
            conn,
            media.id,
            storage_key=file_key,
            byte_size=picture.file.stat().st_size,
            thumbnail_key=thumbnail_key,
            thumbnail_byte_size=picture.thumbnail.stat().st_size,
            width=picture.width,
            height=picture.height,
            blurhash=picture.blurhash,
        )
        if ready is not None:
            return ready
        now = await media_rows.by_id(conn, media.id)
        if now is None:
            # Deleted while being processed: what was just stored is nobody's.
            await deletion_store.queue(conn, [file_key, thumbnail_key])
        return now


async def _finish_document(pool: Any, storage: MediaStorage, media: Media) -> Media | None:
    """A document whose process died between writing its row and marking it ready: ready if
    its bytes reached the storage whole, else failed."""
    if await storage.size(media.storage_key) != media.byte_size:
        return await _fail(pool, media, _INTERRUPTED)
    async with pool.acquire() as conn:
        ready = await media_rows.mark_ready(
            conn, media.id, storage_key=media.storage_key, byte_size=media.byte_size
        )
        return ready or await media_rows.by_id(conn, media.id)


async def _fetch(storage: MediaStorage, key: str, target: Path) -> None:
    file = await asyncio.to_thread(target.open, "wb")
    try:
        async for chunk in storage.read(key):
            await asyncio.to_thread(file.write, chunk)
    finally:
        await asyncio.to_thread(file.close)


async def _fail(pool: Any, media: Media, failure: str) -> Media | None:
    log.info("media %d refused by processing: %s", media.id, failure)
    async with pool.acquire() as conn:
        failed = await media_rows.mark_failed(conn, media.id, failure)
        return failed or await media_rows.by_id(conn, media.id)


async def sweep_stuck(
    pool: Any, config: Config, storage: MediaStorage, now: datetime | None = None
) -> int:
    """Finish rows left in processing (a batch at most); how many were taken."""
    async with pool.acquire() as conn:
        given_up = await media_rows.give_up_stuck(conn, MAX_SWEEPS, _GIVEN_UP, now)
        claimed = await media_rows.claim_stuck(conn, SWEEP_BATCH, SWEEP_LEASE, now)
    for media in claimed:
        try:
            await process_upload(pool, config, storage, media.id)
        except Exception:
            # Left for a later sweep (its claim runs out); MAX_SWEEPS bounds the tries.
            log.exception("processing media %d failed; a later sweep tries again", media.id)
    return given_up + len(claimed)
