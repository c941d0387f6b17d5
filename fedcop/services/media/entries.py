"""The stored attachment entry of an upload (the shape is in fedcop/media/__init__.py)."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.services.media.names import media_url, thumbnail_path
from fedcop.store.media import Media


def attachment_entry(config: Config, media: Media) -> dict[str, Any]:
    """What `posts.attachments` keeps for this upload: the wire fields (type, url, mediaType,
    name, blurhash, width, height, size) and this node's own (media_id, preview_url,
    file_name, sensitive), which entries.LOCAL_KEYS keeps off the wire."""
    entry: dict[str, Any] = {
        "type": "Image" if media.is_image else "Document",
        "url": media_url(config, media),
        "mediaType": media.media_type,
        "name": media.description,
        "sensitive": False,
        "size": media.byte_size,
        "media_id": media.id,
        "file_name": media.file_name,
    }
    if media.blurhash is not None:
        entry["blurhash"] = media.blurhash
    if media.width is not None and media.height is not None:
        entry["width"] = media.width
        entry["height"] = media.height
    preview = thumbnail_path(media)
    if preview is not None:
        entry["preview_url"] = config.base_url + preview
    return entry
