"""Files a member attaches to a post they write here (uploaded before, through the web composer
or a Mastodon app's `POST /api/v2/media`).

    media_ids -> each the writer's own upload, processed and ready, at most
                 config.media.max_attachments (else InvalidInput, nothing written)
              -> one entry per file in posts.attachments (the shape in fedcop/media/__init__.py),
                 and a post_media row, in the transaction that stores the post
    an edit   -> the files it lists now, in that order; a file no longer listed leaves the post
                 (its upload is kept: the author may attach it again), a description given with
                 the edit becomes the file's alt text (the upload's, wherever it is attached)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.media.entries import is_upload
from fedcop.services.errors import InvalidInput
from fedcop.services.media import attachment_entry
from fedcop.services.media.errors import attachment_refused
from fedcop.services.media.uploads import MAX_DESCRIPTION_CHARACTERS
from fedcop.store.media import AttachmentRefused, Media, attach_to_post
from fedcop.store.media import rows as media_rows

# Mastodon's description_limit, announced in the instance documents (the upload service's own).
MAX_DESCRIPTION = MAX_DESCRIPTION_CHARACTERS


@dataclass(frozen=True)
class FileChange:
    """An edit's files: the uploads the post carries afterwards, in order, and new alt text for
    any of them (by upload id)."""

    media_ids: Sequence[int]
    descriptions: Mapping[int, str] = field(default_factory=dict)


def checked_ids(config: Config, media_ids: Sequence[int] | None) -> list[int]:
    """The ids once each, in the order given, no more than a post may carry."""
    chosen = list(dict.fromkeys(media_ids or []))
    limit = config.media.max_attachments
    if len(chosen) > limit:
        raise InvalidInput(
            _(
                "a post carries at most %(limit)s files: remove %(extra)s",
                limit=limit,
                extra=len(chosen) - limit,
            )
        )
    return chosen


def checked_description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            _(
                "a file's description is too long: at most %(limit)s characters",
                limit=MAX_DESCRIPTION,
            )
        )
    return text.strip()


async def chosen(
    conn: asyncpg.Connection, config: Config, owner_id: int, media_ids: Sequence[int] | None
) -> list[Media]:
    """The uploads `media_ids` name, checked: the writer's own, and ready to be shown."""
    wanted = checked_ids(config, media_ids)
    found = {media.id: media for media in await media_rows.by_ids(conn, wanted)}
    files = []
    for media_id in wanted:
        media = found.get(media_id)
        if media is None or media.owner_id != owner_id:
            raise InvalidInput(
                _("there is no upload %(id)s of yours: upload the file again", id=media_id)
            )
        if media.state == "processing":
            raise InvalidInput(
                _(
                    "%(file)s is still being processed: wait a moment and post again",
                    file=media.file_name,
                )
            )
        if media.state != "ready":
            raise InvalidInput(
                _(
                    "%(file)s could not be used: %(reason)s",
                    file=media.file_name,
                    reason=media.failure,
                )
                if media.failure
                else _("%(file)s could not be used", file=media.file_name)
            )
        files.append(media)
    return files


def entries(config: Config, files: Sequence[Media], *, sensitive: bool) -> list[dict[str, Any]]:
    """The stored entries of a post's uploads, hidden behind a click when the post is
    sensitive."""
    return [{**attachment_entry(config, media), "sensitive": sensitive} for media in files]


async def attach(
    conn: asyncpg.Connection,
    config: Config,
    post_id: int,
    owner_id: int,
    files: Sequence[Media],
    *,
    replacing: bool = False,
) -> None:
    """The post_media rows of a post's uploads, in their order (`replacing`: an edit, whose
    files replace those the post had, none included)."""
    if not files and not replacing:
        return
    try:
        await attach_to_post(
            conn,
            post_id,
            owner_id,
            [media.id for media in files],
            max_attachments=config.media.max_attachments,
        )
    except AttachmentRefused as refusal:
        raise attachment_refused(refusal) from None


async def changed(
    conn: asyncpg.Connection,
    config: Config,
    *,
    owner_id: int,
    post_id: int,
    attachments: list[dict[str, Any]],
    change: FileChange | None,
    sensitive: bool,
) -> list[dict[str, Any]]:
    """A post's attachments after an edit: its links as they were, then the uploads `change`
    lists (with any new descriptions); None keeps the uploads it has. The post_media rows
    follow."""
    links = [item for item in attachments if not is_upload(item)]
    if change is None:
        return [
            {**item, "sensitive": sensitive} if is_upload(item) else item for item in attachments
        ]
    wanted = checked_ids(config, change.media_ids)
    for media_id, text in change.descriptions.items():
        if media_id not in wanted:
            raise InvalidInput(_("upload %(id)s is not among the post's files", id=media_id))
        described = await media_rows.update_details(
            conn, media_id, owner_id, description=checked_description(text)
        )
        if described is None:
            raise InvalidInput(
                _("there is no upload %(id)s of yours: upload the file again", id=media_id)
            )
    files = await chosen(conn, config, owner_id, wanted)
    await attach(conn, config, post_id, owner_id, files, replacing=True)
    return [*entries(config, files, sensitive=sensitive), *links]
