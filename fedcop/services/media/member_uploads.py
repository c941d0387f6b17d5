"""A member's uploads, as the web composers and the client API use them (over services.media,
which checks the limits, reads the type from the bytes, stores and processes).

    upload   -> services.media.receive_upload; a picture processed before the answer
    receive     (`wait`), or in the background while the app polls (the worker's sweep
                finishes it if the process dies)
    own      -> an upload of the member's (NotFound for anyone else's: as if it did not exist)
    describe -> its alt text changed
    discard  -> uploads of a refused submission deleted (the trigger queues their bytes)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Sequence
from typing import Any

from starlette.datastructures import UploadFile

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.media.storage import MediaStorage
from fedcop.services.errors import NotFound
from fedcop.services.media import (
    UploadRefused,
    attachment_entry,
    chunks_of,
    process_in_background,
    receive_upload,
)
from fedcop.store.media import Media
from fedcop.store.media import rows as media_rows

# How long an app's upload waits for its picture to be processed before it is answered
# "still processing" (202).
QUICK_SECONDS = 5.0


async def upload(
    pool: Any,
    config: Config,
    state: Any,
    *,
    owner_id: int,
    file: UploadFile,
    description: str = "",
    tag: str | None = None,
    licence: str | None = None,
    wait: bool = True,
) -> Media:
    """Store a form's uploaded file of `owner_id` (see `receive`)."""
    return await receive(
        pool, config, state, owner_id=owner_id, chunks=chunks_of(file), file_name=file.filename,
        description=description, tag=tag, licence=licence, wait=wait,
    )  # fmt: skip


async def receive(
    pool: Any,
    config: Config,
    state: Any,
    *,
    owner_id: int,
    chunks: AsyncIterable[bytes],
    file_name: str | None,
    description: str = "",
    tag: str | None = None,
    licence: str | None = None,
    wait: bool = True,
) -> Media:
    """Store an uploaded file of `owner_id` as its bytes arrive (`state`: the app's, holding
    `media_storage`). With `wait`, a picture comes back processed; without, it is processed in
    the background, and comes back processed if that took less than QUICK_SECONDS (as Mastodon
    answers a small picture at once), else still processing. Raises
    services.media.UploadRefused (nothing stored)."""
    storage: MediaStorage = state.media_storage
    media = await receive_upload(
        pool, config, storage, owner_id, chunks, file_name,
        description=description, tag=tag, licence=licence, process=wait,
    )  # fmt: skip
    if media.state != "processing":
        return media
    task = process_in_background(pool, config, storage, media.id)
    await asyncio.wait({task}, timeout=QUICK_SECONDS)
    if not task.done():
        return media
    async with pool.acquire() as conn:
        finished = await media_rows.by_id(conn, media.id)
        if finished is not None and finished.state == "failed":
            await media_rows.delete(conn, media.id)
            raise UploadRefused(finished.failure or _("This picture could not be processed."))
    return finished or media


async def find(pool: Any, media_id: int) -> Media | None:
    """Any upload (a page's files are kept by whoever edits it: store.media.attach_to_page
    checks who may attach what)."""
    async with pool.acquire() as conn:
        return await media_rows.by_id(conn, media_id)


async def own(pool: Any, owner_id: int, media_id: int) -> Media:
    async with pool.acquire() as conn:
        media = await media_rows.by_id(conn, media_id)
    if media is None or media.owner_id != owner_id:
        raise NotFound(_("there is no upload %(id)s of yours: upload the file again", id=media_id))
    return media


async def describe(pool: Any, *, owner_id: int, media_id: int, description: str) -> Media:
    """The member's new alt text for their upload."""
    async with pool.acquire() as conn:
        media = await media_rows.update_details(
            conn, media_id, owner_id, description=description.strip()
        )
    if media is None:
        raise NotFound(_("Record not found"))
    return media


async def discard(pool: Any, owner_id: int, media_ids: Sequence[int]) -> None:
    """Delete uploads of the member's that no post uses (those of a refused submission)."""
    async with pool.acquire() as conn:
        for media in await media_rows.by_ids(conn, list(media_ids)):
            if media.owner_id == owner_id and media.attached_at is None:
                await media_rows.delete(conn, media.id)


def entry_of(config: Config, media: Media) -> dict[str, Any]:
    """The stored attachment entry the upload would have in a post."""
    return attachment_entry(config, media)
