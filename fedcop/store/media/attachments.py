"""Which files a post or a knowledge-base page carries (post_media, kb_page_media).

Attaching checks what the database alone can tell: each file is the uploader's own, ready (not
processing, not refused), named once, and the post or page carries no more than the most
allowed. The post's or page's own rules (who may edit it) are its service's.
"""

from __future__ import annotations

import asyncpg

from fedcop.store.media.rows import Media, by_ids


class AttachmentRefused(ValueError):
    """A file cannot be attached (nothing was changed). `reason` says why: "too_many",
    "twice", "not_yours", "processing" or "failed"; `details` the figures and names a
    sentence for the uploader needs (services/media/errors.py writes it)."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


async def attach_to_post(
    conn: asyncpg.Connection,
    post_id: int,
    owner_id: int,
    media_ids: list[int],
    *,
    max_attachments: int,
) -> list[Media]:
    """Make `media_ids` (in this order) the files of the post, replacing those it had; the
    files as attached. Raises AttachmentRefused. Call it inside the post's transaction."""
    files = await _checked(conn, owner_id, media_ids, max_attachments)
    await conn.execute("DELETE FROM post_media WHERE post_id = $1", post_id)
    await conn.execute(
        """
        INSERT INTO post_media (post_id, media_id, position)
        SELECT $1, media_id, position - 1
        FROM unnest($2::bigint[]) WITH ORDINALITY AS chosen (media_id, position)
        """,
        post_id,
        media_ids,
    )
    await _mark_attached(conn, media_ids)
    return files


async def attach_to_page(
    conn: asyncpg.Connection,
    page_id: int,
    owner_id: int,
    media_ids: list[int],
    *,
    max_attachments: int,
) -> list[Media]:
    """Make `media_ids` the files of the knowledge-base page, replacing those it had. The
    owner is the member editing the page: a page's files are added by whoever edits it, so
    files already on the page stay attachable by any editor."""
    kept = {
        row["media_id"]
        for row in await conn.fetch(
            "SELECT media_id FROM kb_page_media WHERE page_id = $1", page_id
        )
    }
    new_ids = [media_id for media_id in media_ids if media_id not in kept]
    await _checked(conn, owner_id, new_ids, max_attachments, total=len(media_ids))
    await conn.execute("DELETE FROM kb_page_media WHERE page_id = $1", page_id)
    await conn.execute(
        """
        INSERT INTO kb_page_media (page_id, media_id, position)
        SELECT $1, media_id, position - 1
        FROM unnest($2::bigint[]) WITH ORDINALITY AS chosen (media_id, position)
        """,
        page_id,
        media_ids,
    )
    await _mark_attached(conn, media_ids)
    return await by_ids(conn, media_ids)


async def of_post(conn: asyncpg.Connection, post_id: int) -> list[Media]:
    """The files a post carries, in order."""
    ids = await conn.fetch(
        "SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position", post_id
    )
    return await by_ids(conn, [row["media_id"] for row in ids])


async def of_page(conn: asyncpg.Connection, page_id: int) -> list[Media]:
    """The files a knowledge-base page carries, in order."""
    ids = await conn.fetch(
        "SELECT media_id FROM kb_page_media WHERE page_id = $1 ORDER BY position", page_id
    )
    return await by_ids(conn, [row["media_id"] for row in ids])


async def _checked(
    conn: asyncpg.Connection,
    owner_id: int,
    media_ids: list[int],
    max_attachments: int,
    *,
    total: int | None = None,
) -> list[Media]:
    count = len(media_ids) if total is None else total
    if count > max_attachments:
        raise AttachmentRefused("too_many", most=max_attachments, extra=count - max_attachments)
    if len(set(media_ids)) != len(media_ids):
        raise AttachmentRefused("twice")
    files = await by_ids(conn, media_ids)
    found = {media.id: media for media in files}
    for media_id in media_ids:
        media = found.get(media_id)
        if media is None or media.owner_id != owner_id:
            raise AttachmentRefused("not_yours", id=media_id)
        if media.state == "processing":
            raise AttachmentRefused("processing", name=media.file_name)
        if media.state != "ready":
            raise AttachmentRefused("failed", name=media.file_name, failure=media.failure)
    return files


async def _mark_attached(conn: asyncpg.Connection, media_ids: list[int]) -> None:
    await conn.execute(
        "UPDATE media SET attached_at = now() WHERE id = ANY($1::bigint[]) AND attached_at IS NULL",
        media_ids,
    )
