"""The picture beside a name: an avatar a person uploaded, a community's icon chosen by a
facilitator, or one generated from the name.

    GET /avatars/ACTOR_ID   an uploaded picture: a redirect to its file (its thumbnail when
                            there is one); otherwise an SVG with the name's initials on a
                            colour drawn from the name (the same name, the same picture)
    choose(...)             through the media upload service (services.member_uploads): a
                            picture only (JPEG, PNG, GIF, WebP, AVIF as the service reads the
                            bytes); the one it replaces is deleted
    icon(...)               the actor document's `icon` (an Image with url and mediaType, as
                            Mastodon and Lemmy read it), for uploaded pictures only
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.documents.context import PUBLIC
from fedcop.i18n.current import N_, _
from fedcop.services import outbox
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.media import UploadRefused, member_uploads
from fedcop.services.media.names import media_path, media_url, thumbnail_path
from fedcop.store import actor_icons, remote_icons
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store.media import rows as media_rows
from fedcop.urls import Urls

NOT_A_PICTURE = N_("choose a picture (JPEG, PNG, GIF or WebP) for the avatar or icon")


@dataclass(frozen=True)
class Picture:
    path: str | None  # an uploaded picture's file here
    svg: str | None  # else the generated one


def initials(name: str) -> str:
    """Up to two letters: the first of the first two words (`Ana Lopes` -> `AL`)."""
    words = [word for word in name.replace("_", " ").replace(".", " ").split() if word]
    letters = "".join(word[0] for word in words[:2]).upper()
    return letters or "?"


def colour(name: str) -> str:
    """A colour for the name, dark enough for white letters (contrast above 4.5:1)."""
    hue = int.from_bytes(hashlib.sha256(name.encode()).digest()[:2], "big") % 360
    return f"hsl({hue}, 55%, 32%)"


def generated_svg(name: str) -> str:
    letters = html.escape(initials(name))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" rx="8" fill="{colour(name)}"/>'
        '<text x="32" y="33" text-anchor="middle" dominant-baseline="middle" '
        'font-family="system-ui, sans-serif" font-size="26" font-weight="600" fill="#fff">'
        f"{letters}</text></svg>"
    )


async def picture(pool: Any, actor_id: int) -> Picture:
    async with pool.acquire() as conn:
        proxied = await remote_icons.token_of(conn, actor_id)
        if proxied is not None:  # an actor elsewhere: its icon, through the media proxy
            return Picture(path=f"/media/proxy/{proxied}", svg=None)
        uploaded = await actor_icons.of(conn, actor_id)
        if uploaded is not None and uploaded.is_ready:
            return Picture(path=thumbnail_path(uploaded) or media_path(uploaded), svg=None)
        actor = await actor_store.find_by_id(conn, actor_id)
    if actor is None:
        raise NotFound(_("there is no such person or community here"))
    return Picture(path=None, svg=generated_svg(actor.display_name or actor.username))


async def choose(
    pool: Any, config: Config, state: Any, *, actor_id: int, uploader_id: int, file: UploadFile
) -> None:
    """`file` becomes the picture of `actor_id` (the uploader's own, or a community's)."""
    try:
        media = await member_uploads.upload(
            pool, config, state, owner_id=uploader_id, file=file, wait=True
        )
    except UploadRefused as error:
        raise InvalidInput(str(error)) from error
    async with pool.acquire() as conn, conn.transaction():
        if not media.is_image or not media.is_ready:
            await media_rows.delete(conn, media.id)
            raise InvalidInput(_(NOT_A_PICTURE))
        replaced = await actor_icons.choose(conn, actor_id, media.id)
        if replaced is not None:
            await media_rows.delete(conn, replaced)


async def forget(pool: Any, actor_id: int) -> None:
    """Back to the generated picture."""
    async with pool.acquire() as conn, conn.transaction():
        media_id = await actor_icons.forget(conn, actor_id)
        if media_id is not None:
            await media_rows.delete(conn, media_id)


async def icon(conn: Any, config: Config, actor_id: int) -> dict[str, Any] | None:
    """The `icon` of the actor's document, when it uploaded one."""
    uploaded = await actor_icons.of(conn, actor_id)
    if uploaded is None or not uploaded.is_ready:
        return None
    return {"type": "Image", "mediaType": uploaded.media_type, "url": media_url(config, uploaded)}


async def announce(pool: Any, config: Config, actor_id: int) -> None:
    """Send the actor's document with its new picture to the servers that keep a copy: its
    followers' (a community's members') and, for a person, those of whom they follow."""
    async with pool.acquire() as conn, conn.transaction():
        actor = await actor_store.find_by_id(conn, actor_id)
        local = await actor_store.find_local(conn, actor.username) if actor else None
        if local is None or not local.actor.is_local:
            return
        document = actor_document(local, Urls(config), await icon(conn, config, actor_id))
        document.pop("@context")
        inboxes = await follow_store.follower_inboxes(conn, actor_id)
        if local.actor.actor_type == "Person":
            inboxes += await follow_store.followed_inboxes(conn, actor_id)
        await outbox.publish(
            conn, config, local.actor,
            {"type": "Update", "object": document, "to": [PUBLIC]},
            sorted(set(inboxes)),
        )  # fmt: skip
