"""A community with files in it, for the library's and the file life's tests.

Files are put in place as the upload and post services leave them: a `media` row (ready,
attached), its `post_media` (or `kb_page_media`) row, and the post's attachment entry in
`posts.attachments` (fedcop/media/__init__.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.services import accounts, posts
from fedcop.store import follows as follow_store
from fedcop.store.posts import Post

PASSWORD = "long enough"


@dataclass(frozen=True)
class World:
    pool: Any
    config: Config
    network: Any
    community_uri: str


async def make_world(app: Any, config: Config, *, private: bool = False) -> World:
    pool = app.state.pool
    for name in ("fa", "ana", "bo"):
        await accounts.create_user(pool, config, name, PASSWORD)
    await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="fa", private=private
    )
    world = World(pool, config, app.state.network, f"{config.base_url}/c/clinic")
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


async def upload(
    world: World,
    owner: str,
    file_name: str,
    *,
    description: str = "",
    kind: str = "document",
    media_type: str = "application/pdf",
    tag: str | None = None,
    licence: str = "all-rights-reserved",
    byte_size: int = 2048,
) -> int:
    """A ready upload of `owner`, not attached yet; its id."""
    token = secrets.token_urlsafe(16)
    async with world.pool.acquire() as conn:
        media_id = await conn.fetchval(
            """INSERT INTO media (owner_id, token, kind, state, media_type, file_name,
                                      byte_size, description, tag, licence, storage_key,
                                      thumbnail_key, thumbnail_byte_size)
                   VALUES ((SELECT id FROM actors WHERE username = $1 AND domain IS NULL),
                           $2, $3, 'ready', $4, $5, $6, $7, $8, $9, $2 || '/file',
                           CASE WHEN $3 = 'image' THEN $2 || '/thumb' END,
                           CASE WHEN $3 = 'image' THEN 100 ELSE 0 END)
                   RETURNING id""",
            owner, token, kind, media_type, file_name, byte_size, description, tag, licence,
        )  # fmt: skip
    return int(media_id)


async def attach(world: World, post: Post, media_id: int) -> None:
    """The upload becomes one of the post's files, as the post services store it."""
    async with world.pool.acquire() as conn, conn.transaction():
        media = await conn.fetchrow("SELECT * FROM media WHERE id = $1", media_id)
        position = await conn.fetchval(
            "SELECT count(*) FROM post_media WHERE post_id = $1", post.id
        )
        await conn.execute(
            "INSERT INTO post_media (post_id, media_id, position) VALUES ($1, $2, $3)",
            post.id, media_id, position,
        )  # fmt: skip
        await conn.execute(
            "UPDATE media SET attached_at = coalesce(attached_at, now()) WHERE id = $1", media_id
        )
        base = f"{world.config.base_url}/media/{media['token']}"
        entry = {
            "type": "Image" if media["kind"] == "image" else "Document",
            "url": f"{base}/{media['file_name']}",
            "mediaType": media["media_type"],
            "name": media["description"],
            "size": media["byte_size"],
            "media_id": media_id,
            "file_name": media["file_name"],
        }
        await conn.execute(
            "UPDATE posts SET attachments = attachments || $2::jsonb WHERE id = $1",
            post.id, [entry],
        )  # fmt: skip


async def shared(
    world: World, author: str, post: Post, file_name: str, **upload_fields: Any
) -> int:
    """`author` uploads a file and attaches it to `post`; its id."""
    media_id = await upload(world, author, file_name, **upload_fields)
    await attach(world, post, media_id)
    return media_id
