"""The files a knowledge-base page carries (kb_page_media): set with an edit (or the page's
first version), shown under the page, and sent as the Article's `attachment`.

A page's files belong to the page, not to one version: whoever edits it keeps, adds or removes
them (an editor adds their own uploads; the files already there stay attachable by any editor:
store.media.attach_to_page). They are set in the edit's transaction before its version is
committed, so the Create/Update the community sends carries them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from fedcop.config import Config
from fedcop.documents.attachments import attachment_on_wire
from fedcop.services.media import attachment_entry
from fedcop.services.media.errors import attachment_refused
from fedcop.services.media.names import media_path
from fedcop.store.media import AttachmentRefused, Media, attach_to_page
from fedcop.store.media import attachments as attachment_store


async def set_files(
    conn: asyncpg.Connection,
    config: Config,
    page_id: int,
    editor_id: int,
    media_ids: Sequence[int],
) -> list[Media]:
    """Make `media_ids` (in order) the page's files; InvalidInput says why not."""
    chosen = list(dict.fromkeys(media_ids))
    try:
        return await attach_to_page(
            conn, page_id, editor_id, chosen, max_attachments=config.media.max_attachments
        )
    except AttachmentRefused as refusal:
        raise attachment_refused(refusal) from None


async def files_of(conn: asyncpg.Connection, page_id: int) -> list[Media]:
    """The page's files that are shown (ready), in order."""
    return [media for media in await attachment_store.of_page(conn, page_id) if media.is_ready]


def entries(config: Config, files: Sequence[Media]) -> list[dict[str, Any]]:
    """The files as stored attachment entries (the shape in fedcop/media/__init__.py)."""
    return [attachment_entry(config, media) for media in files]


async def wire_attachments(conn: asyncpg.Connection, page_id: int, page_uri: str) -> list[Any]:
    """The page's files as the Article's `attachment`, at this node's addresses (the page's
    own origin: a page with files is always one of a community here)."""
    parts = urlsplit(page_uri)
    origin = f"{parts.scheme}://{parts.netloc}"
    wire = []
    for media in await files_of(conn, page_id):
        entry: dict[str, Any] = {
            "type": "Image" if media.is_image else "Document",
            "url": origin + media_path(media),
            "mediaType": media.media_type,
            "name": media.description,
            "size": media.byte_size,
        }
        if media.blurhash:
            entry["blurhash"] = media.blurhash
        if media.width and media.height:
            entry["width"], entry["height"] = media.width, media.height
        wire.append(attachment_on_wire(entry))
    return wire
