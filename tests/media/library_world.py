"""A community with files in it, for the library's and the file life's tests.

Files are uploaded through the upload service (checked, stored in the app's media storage,
processed) and attached by the post services (an edit of the post by its author), which write
the post's attachment entry and its `post_media` row.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from fedcop.config import Config
from fedcop.services import accounts, post_changes, posts
from fedcop.services.media import receive_upload
from fedcop.services.media.post_files import FileChange
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.posts import Post

PASSWORD = "long enough"


@dataclass(frozen=True)
class World:
    pool: Any
    config: Config
    network: Any
    storage: Any
    community_uri: str


async def make_world(app: Any, config: Config, *, private: bool = False) -> World:
    pool = app.state.pool
    for name in ("fa", "ana", "bo"):
        await accounts.create_user(pool, config, name, PASSWORD)
    await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="fa", private=private
    )
    world = World(
        pool, config, app.state.network, app.state.media_storage, f"{config.base_url}/c/clinic"
    )
    async with pool.acquire() as conn:
        community = await conn.fetchval("SELECT id FROM actors WHERE username = 'clinic'")
        for name in ("ana", "bo"):
            member = await conn.fetchval(
                "SELECT id FROM actors WHERE username = $1 AND domain IS NULL", name
            )
            await follow_store.upsert(
                conn, member, community, f"{config.base_url}/u/{name}#joins", True
            )
    return world


async def thread(world: World, author: str, title: str, text: str = "See the file.") -> Post:
    return await posts.write(
        world.pool, world.config, world.network, author=author,
        community_uri=world.community_uri, content=text, title=title,
    )  # fmt: skip


async def reply(world: World, author: str, to: Post, text: str = "Here is mine.") -> Post:
    return await posts.write(
        world.pool, world.config, world.network, author=author,
        community_uri=world.community_uri, content=text, in_reply_to=to.uri,
    )  # fmt: skip


def document_bytes(byte_size: int) -> bytes:
    """A PDF of exactly `byte_size` bytes (documents are kept as they are sent)."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    tail = b"\n%%EOF\n"
    return head + b"0" * max(0, byte_size - len(head) - len(tail)) + tail


def picture_bytes() -> bytes:
    """A small PNG photo (re-encoded by the upload's processing)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def upload(
    world: World,
    owner: str,
    file_name: str,
    *,
    description: str = "",
    kind: str = "document",
    tag: str | None = None,
    licence: str = "all-rights-reserved",
    byte_size: int = 2048,
) -> int:
    """`owner` uploads a file (a PDF, or a picture when `kind` is "image"), not attached yet;
    its id. Through the upload service: checked, stored, processed."""
    async with world.pool.acquire() as conn:
        owner_id = await conn.fetchval(
            "SELECT id FROM actors WHERE username = $1 AND domain IS NULL", owner
        )
    data = picture_bytes() if kind == "image" else document_bytes(byte_size)
    media = await receive_upload(
        world.pool, world.config, world.storage, owner_id, _chunks(data), file_name,
        description=description, tag=tag, licence=licence,
    )  # fmt: skip
    assert media.state == "ready", media
    return media.id


async def attach(world: World, post: Post, media_id: int) -> None:
    """The upload becomes the post's last file, by an edit of the post by its author (the
    post services store the entry and the post_media row)."""
    async with world.pool.acquire() as conn:
        current = await post_store.find(conn, post.id)
        author = await conn.fetchval("SELECT username FROM actors WHERE id = $1", post.author_id)
        files = [
            row["media_id"]
            for row in await conn.fetch(
                "SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position", post.id
            )
        ]
    assert current is not None
    await post_changes.edit(
        world.pool, world.config, author=author, post_uri=post.uri,
        content=current.source or "See the file.", title=current.title,
        files=FileChange([*files, media_id]),
    )  # fmt: skip


async def shared(
    world: World, author: str, post: Post, file_name: str, **upload_fields: Any
) -> int:
    """`author` uploads a file and attaches it to their `post`; its id."""
    media_id = await upload(world, author, file_name, **upload_fields)
    await attach(world, post, media_id)
    return media_id
