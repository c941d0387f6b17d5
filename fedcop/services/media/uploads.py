"""Receiving an upload: limits first, then the type from the bytes, then storage and a row.

    receive_upload(pool, config, storage, owner_id, chunks, file_name, ...)
      -> the account's remaining quota (its files' bytes so far)
      -> bytes streamed to a temporary file in the data directory, counted as they come:
         refused as soon as they pass the file's limit (pictures: max_image_bytes, from their
         first bytes; others: max_file_bytes) or the remaining quota
      -> sniffed (fedcop/media/sniffing.py): refused unless of a kind fedcop takes
      -> under the account's lock: quota checked again, a 'processing' row written
      -> the upload as received put in the storage (a picture under TOKEN/original, a document
         under its final key TOKEN/file.EXT)
      -> documents: ready at once; pictures: processed here (process=True) or by the caller's
         background task and, failing both, the worker's sweep (processing.py)

A refusal raises UploadRefused before anything reaches the storage or the database. A storage
that fails after the row is written removes the row (the trigger queues whatever key it names).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from fedcop.config import Config
from fedcop.i18n.current import _, written_number
from fedcop.media import sniffing
from fedcop.media.licences import DEFAULT_LICENCE, LICENCES, licence_named
from fedcop.media.storage import MediaStorage
from fedcop.services.media import names
from fedcop.services.media.errors import UploadRefused
from fedcop.services.media.processing import PROCESSING_LEASE, process_upload
from fedcop.store.media import Media, NewMedia
from fedcop.store.media import rows as media_rows

READ_CHUNK_BYTES = 64 * 1024
MAX_DESCRIPTION_CHARACTERS = 1500
MAX_TAG_CHARACTERS = 60


class ReadableUpload(Protocol):
    """What starlette's UploadFile offers (and any async file-like object)."""

    async def read(self, size: int = -1) -> bytes: ...


async def chunks_of(upload: ReadableUpload) -> AsyncIterator[bytes]:
    """An uploaded form file's bytes in chunks, for `receive_upload`."""
    while chunk := await upload.read(READ_CHUNK_BYTES):
        yield chunk


def upload_directory(config: Config) -> Path:
    """Where uploads are spooled while they arrive (inside the data directory)."""
    return config.data_dir / "tmp" / "uploads"


async def receive_upload(
    pool: Any,
    config: Config,
    storage: MediaStorage,
    owner_id: int,
    chunks: AsyncIterable[bytes],
    file_name: str | None,
    *,
    description: str = "",
    tag: str | None = None,
    licence: str | None = None,
    process: bool = True,
) -> Media:
    """Store an upload of `owner_id`; the row as it stands (a document ready; a picture ready
    when `process`, else still processing: run `process_upload` for it). Raises UploadRefused."""
    description, tag, licence = _checked_details(description, tag, licence)
    async with pool.acquire() as conn:
        used = await media_rows.usage_of(conn, owner_id)
    remaining = config.media.account_quota_bytes - used
    if remaining <= 0:
        raise _over_quota(config)
    directory = upload_directory(config)
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="upload-", dir=directory)
    os.close(handle)
    spooled = Path(name)
    try:
        size = await _spool(config, chunks, spooled, remaining)
        try:
            sniffed = await asyncio.to_thread(sniffing.sniff, spooled, file_name or "")
        except sniffing.UnacceptedFile as error:
            raise UploadRefused(str(error)) from error
        media = await _store(
            pool,
            config,
            storage,
            owner_id,
            spooled,
            size,
            sniffed,
            file_name,
            description=description,
            tag=tag,
            licence=licence,
        )
    finally:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(spooled.unlink)
    if media.kind == "image" and process:
        finished = await process_upload(pool, config, storage, media.id)
        if finished is None or finished.state != "ready":
            failure = finished.failure if finished is not None else None
            async with pool.acquire() as conn:
                await media_rows.delete(conn, media.id)
            raise UploadRefused(failure or "This picture could not be processed; send another.")
        return finished
    return media


async def _spool(
    config: Config, chunks: AsyncIterable[bytes], spooled: Path, remaining: int
) -> int:
    """Write the chunks to `spooled`, refusing as soon as a limit is passed; the size."""
    size = 0
    head = b""
    limit: int | None = None
    file = await asyncio.to_thread(spooled.open, "wb")
    try:
        async for chunk in chunks:
            size += len(chunk)
            if limit is None:
                head += chunk
                if len(head) >= 16:
                    limit = _file_limit(config, head)
            if limit is not None and size > limit:
                raise _too_large(config, head)
            if size > remaining:
                raise _over_quota(config)
            await asyncio.to_thread(file.write, chunk)
    finally:
        await asyncio.to_thread(file.close)
    if limit is None and size > _file_limit(config, head):
        raise _too_large(config, head)
    if size == 0:
        raise UploadRefused(_("The file is empty; choose a file with something in it."))
    return size


def _file_limit(config: Config, head: bytes) -> int:
    if sniffing.picture_type(head) is not None:
        return config.media.max_image_bytes
    return config.media.max_file_bytes


def _megabytes(size: int) -> str:
    """Megabytes to three significant digits, written the reader's way ("1.5", "1,5")."""
    return written_number(float(format(size / (1024 * 1024), ".3g")))


def _too_large(config: Config, head: bytes) -> UploadRefused:
    if sniffing.picture_type(head) is not None:
        sentence = _(
            "A picture may weigh at most %(size)s MB here; this one is larger. Send a smaller one.",
            size=_megabytes(config.media.max_image_bytes),
        )
    else:
        sentence = _(
            "A file may weigh at most %(size)s MB here; this one is larger. Send a smaller one.",
            size=_megabytes(config.media.max_file_bytes),
        )
    return UploadRefused(sentence, too_large=True)


def _over_quota(config: Config) -> UploadRefused:
    return UploadRefused(
        _(
            "Your files would pass your storage space (%(size)s MB in all); delete some of "
            "your files, or ask this server's admins for more room.",
            size=_megabytes(config.media.account_quota_bytes),
        ),
        too_large=True,
    )


def _checked_details(
    description: str, tag: str | None, licence: str | None
) -> tuple[str, str | None, str]:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_CHARACTERS:
        raise UploadRefused(
            _(
                "A description holds at most %(most)s characters; shorten it.",
                most=MAX_DESCRIPTION_CHARACTERS,
            )
        )
    tag = (tag or "").strip() or None
    if tag is not None and len(tag) > MAX_TAG_CHARACTERS:
        raise UploadRefused(
            _("A tag holds at most %(most)s characters; shorten it.", most=MAX_TAG_CHARACTERS)
        )
    chosen = (licence or "").strip() or DEFAULT_LICENCE
    if licence_named(chosen) is None:
        raise UploadRefused(
            _(
                "Unknown licence '%(licence)s'; choose one of: %(choices)s.",
                licence=chosen,
                choices=", ".join(choice.code for choice in LICENCES),
            )
        )
    return description, tag, chosen


async def _store(
    pool: Any,
    config: Config,
    storage: MediaStorage,
    owner_id: int,
    spooled: Path,
    size: int,
    sniffed: sniffing.Sniffed,
    sent_name: str | None,
    *,
    description: str,
    tag: str | None,
    licence: str,
) -> Media:
    token = names.new_token()
    file_name = names.safe_file_name(sent_name, sniffed.extension)
    if file_name == names.THUMBNAIL_NAME:
        file_name = "picture.webp"  # the thumbnail's address is /media/TOKEN/thumbnail.webp
    if sniffed.kind == "image":
        key = names.original_key(token)
        original: str | None = key
    else:
        key = names.file_key(token, sniffed.extension)
        original = None
    new = NewMedia(
        owner_id=owner_id,
        token=token,
        kind=sniffed.kind,
        media_type=sniffed.media_type,
        file_name=file_name,
        byte_size=size,
        storage_key=key,
        original_key=original,
        description=description,
        tag=tag,
        licence=licence,
    )
    async with pool.acquire() as conn, conn.transaction():
        await media_rows.lock_owner(conn, owner_id)
        if await media_rows.usage_of(conn, owner_id) + size > config.media.account_quota_bytes:
            raise _over_quota(config)
        media = await media_rows.insert(conn, new, lease=PROCESSING_LEASE)
    try:
        await storage.put(key, spooled, sniffed.media_type)
    except BaseException:
        async with pool.acquire() as conn:
            await media_rows.delete(conn, media.id)
        raise
    if media.kind == "image":
        return media
    async with pool.acquire() as conn:
        ready = await media_rows.mark_ready(conn, media.id, storage_key=key, byte_size=size)
    return ready or media
