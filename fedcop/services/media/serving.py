"""Which stored file an address names: /media/TOKEN/NAME (the file) or
/media/TOKEN/thumbnail.webp (a picture's thumbnail). Only ready files are served."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.services.media.names import THUMBNAIL_NAME
from fedcop.store.media import rows as media_rows


@dataclass(frozen=True)
class ServedFile:
    key: str
    media_type: str
    file_name: str
    is_picture: bool


async def served_file(pool: Any, token: str, name: str) -> ServedFile | None:
    """The file to send for this address, or None (no such token, or not ready)."""
    async with pool.acquire() as conn:
        media = await media_rows.by_token(conn, token)
    if media is None or media.state != "ready":
        return None
    if name == THUMBNAIL_NAME and media.thumbnail_key is not None:
        return ServedFile(media.thumbnail_key, "image/webp", THUMBNAIL_NAME, True)
    return ServedFile(media.storage_key, media.media_type, media.file_name, media.is_image)
