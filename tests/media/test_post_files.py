"""Posts carry their writer's uploads: one entry per file in posts.attachments and a post_media
row, written with the post; edits add, remove and re-describe them; anything refused writes
nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from fedcop.config import Config
from fedcop.services import accounts, follows, post_changes, posts
from fedcop.services.errors import InvalidInput
from fedcop.services.media import receive_upload
from fedcop.services.media.post_files import FileChange
from fedcop.store import posts as post_store
from fedcop.store.media import Media


def picture(width: int = 32, height: int = 24, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, kind)
    return out.getvalue()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def upload(
    app: Any, owner_id: int, data: bytes, name: str, *, description: str = "", process: bool = True
) -> Media:
    return await receive_upload(
        app.state.pool,
        app.state.config,
        app.state.media_storage,
        owner_id,
        _chunks(data),
        name,
        description=description,
        process=process,
    )


@pytest.fixture
async def scene(app: Any, config: Config) -> dict[str, Any]:
    pool, network = app.state.pool, app.state.network
    ann = await accounts.create_user(pool, config, "ann", "correct horse battery")
    bob = await accounts.create_user(pool, config, "bob", "correct horse battery")
    community = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="ann"
    )
    await follows.join(pool, config, network, "bob", community.uri)
    return {"ann": ann, "bob": bob, "community": community}


async def _post_media(app: Any, post_id: int) -> list[int]:
    async with app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position", post_id
        )
    return [row["media_id"] for row in rows]


async def _count(app: Any, sql: str) -> int:
    async with app.state.pool.acquire() as conn:
        return int(await conn.fetchval(sql))


async def test_a_thread_carries_its_writers_uploads(
    app: Any, config: Config, scene: dict[str, Any]
) -> None:
    board = await upload(
        app, scene["ann"].id, picture(), "board.png", description="The whiteboard after triage"
    )
    checklist = await upload(app, scene["ann"].id, b"1. Sort\n2. Label\n", "checklist.txt")
    thread = await posts.write(
        app.state.pool, config, app.state.network, author="ann",
        community_uri=scene["community"].uri, title="Triage day", content="Our notes.",
        links=["https://example.org/guide"], media_ids=[board.id, checklist.id],
    )  # fmt: skip
    async with app.state.pool.acquire() as conn:
        stored = await post_store.find(conn, thread.id)
    assert stored is not None
    entries = stored.attachments
    assert [(e["type"], e["mediaType"], e["name"], e.get("media_id")) for e in entries] == [
        ("Image", "image/png", "The whiteboard after triage", board.id),
        ("Document", "text/plain", "", checklist.id),
        ("Link", "", "", None),
    ]
    assert entries[0]["url"].startswith(f"{config.base_url}/media/{board.token}/")
    assert (entries[0]["width"], entries[0]["height"]) == (32, 24)
    assert entries[0]["blurhash"]
    assert entries[0]["preview_url"].startswith(f"{config.base_url}/media/{board.token}/")
    assert entries[1]["file_name"] == "checklist.txt"
    assert await _post_media(app, thread.id) == [board.id, checklist.id]
    # A reply with a picture and no text is a post too
    reply = await posts.write(
        app.state.pool, config, app.state.network, author="ann",
        community_uri=scene["community"].uri, content="", in_reply_to=thread.uri,
        media_ids=[board.id],
    )  # fmt: skip
    assert [e["media_id"] for e in reply.attachments] == [board.id]
    assert await _post_media(app, reply.id) == [board.id]


async def test_refused_files_write_nothing(app: Any, config: Config, scene: dict[str, Any]) -> None:
    mine = await upload(app, scene["ann"].id, picture(), "mine.png")
    theirs = await upload(app, scene["bob"].id, picture(), "theirs.png")
    waiting = await upload(app, scene["ann"].id, picture(), "waiting.png", process=False)
    threads_before = await _count(app, "SELECT count(*) FROM posts")

    async def write(media_ids: list[int]) -> None:
        await posts.write(
            app.state.pool, config, app.state.network, author="ann",
            community_uri=scene["community"].uri, title="Files", content="See.",
            media_ids=media_ids,
        )  # fmt: skip

    with pytest.raises(InvalidInput, match="no upload"):
        await write([mine.id, theirs.id])
    with pytest.raises(InvalidInput, match="still being processed"):
        await write([waiting.id])
    with pytest.raises(InvalidInput, match="no upload"):
        await write([987654321])
    with pytest.raises(InvalidInput, match=f"at most {config.media.max_attachments} files"):
        await write([mine.id, *range(1, config.media.max_attachments + 1)])
    assert await _count(app, "SELECT count(*) FROM posts") == threads_before
    assert await _count(app, "SELECT count(*) FROM post_media") == 0
    assert await _count(app, "SELECT count(*) FROM media WHERE attached_at IS NOT NULL") == 0


async def test_an_edit_adds_removes_and_redescribes_files(
    app: Any, config: Config, scene: dict[str, Any]
) -> None:
    first = await upload(app, scene["ann"].id, picture(), "first.png")
    second = await upload(app, scene["ann"].id, picture(40, 40), "second.png")
    thread = await posts.write(
        app.state.pool, config, app.state.network, author="ann",
        community_uri=scene["community"].uri, title="Shelves", content="Before and after.",
        links=["https://example.org/shelves"], media_ids=[first.id],
    )  # fmt: skip
    edited = await post_changes.edit(
        app.state.pool, config, author="ann", post_uri=thread.uri, content="Before and after.",
        title="Shelves",
        files=FileChange([second.id, first.id], {first.id: "The shelves before"}),
    )  # fmt: skip
    assert [(e.get("media_id"), e["name"]) for e in edited.attachments] == [
        (second.id, ""),
        (first.id, "The shelves before"),
        (None, ""),
    ]
    assert await _post_media(app, thread.id) == [second.id, first.id]
    removed = await post_changes.edit(
        app.state.pool, config, author="ann", post_uri=thread.uri, content="After only.",
        title="Shelves", files=FileChange([second.id]),
    )  # fmt: skip
    assert [e.get("media_id") for e in removed.attachments] == [second.id, None]
    assert await _post_media(app, thread.id) == [second.id]
    # The removed upload is still the member's, to attach again
    assert await _count(app, f"SELECT count(*) FROM media WHERE id = {first.id}") == 1
    # An edit that says nothing about files keeps them
    kept = await post_changes.edit(
        app.state.pool, config, author="ann", post_uri=thread.uri, content="After, kept.",
        title="Shelves",
    )  # fmt: skip
    assert [e.get("media_id") for e in kept.attachments] == [second.id, None]
    # Someone else's upload cannot be slipped in by an edit
    theirs = await upload(app, scene["bob"].id, picture(), "theirs.png")
    with pytest.raises(InvalidInput):
        await post_changes.edit(
            app.state.pool, config, author="ann", post_uri=thread.uri, content="Again.",
            title="Shelves", files=FileChange([second.id, theirs.id]),
        )  # fmt: skip
    assert await _post_media(app, thread.id) == [second.id]
