"""Attaching uploads to a post or a knowledge-base page: only one's own ready files, each once,
no more than the most allowed. Backend-agnostic (uploads go to the `media_storage` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.media.storage import MediaStorage
from fedcop.services import accounts, posts
from fedcop.services.knowledge import pages
from fedcop.services.media import receive_upload
from fedcop.services.media.errors import attachment_refused
from fedcop.store.media import AttachmentRefused, Media, attach_to_page, attach_to_post, attachments
from tests.conftest import running_app
from tests.media import samples


@pytest.fixture
async def app(config: Config, dsn: str) -> AsyncIterator[Any]:
    async with running_app(config, dsn, run_workers=False) as application:
        yield application


async def _upload(
    app: Any, storage: MediaStorage, owner_id: int, data: bytes, name: str, **options: Any
) -> Media:
    return await receive_upload(
        app.state.pool, app.state.config, storage, owner_id, samples.chunks(data), name,
        **options,
    )  # fmt: skip


async def test_a_post_carries_its_authors_ready_files_in_order(
    app: Any, config: Config, media_storage: MediaStorage
) -> None:
    pool = app.state.pool
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    ben = await accounts.create_user(pool, config, "ben", "long enough")
    library = await accounts.create_community(pool, config, "lib", title="Lib", owner="ana")
    post = await posts.write(
        pool, config, app.state.network, author="ana", community_uri=library.uri,
        title="Whiteboard", content="<p>From today</p>",
    )  # fmt: skip
    board = await _upload(app, media_storage, ana.id, samples.png(), "board.png")
    notes = await _upload(app, media_storage, ana.id, samples.PDF, "notes.pdf")
    bens = await _upload(app, media_storage, ben.id, samples.PDF, "bens.pdf")
    waiting = await _upload(app, media_storage, ana.id, samples.png(), "w.png", process=False)
    assert board.attached_at is None
    async with pool.acquire() as conn:
        # Ana attaches her two files, the document first
        attached = await attach_to_post(
            conn, post.id, ana.id, [notes.id, board.id], max_attachments=4
        )
        assert [media.id for media in attached] == [notes.id, board.id]
        assert [media.id for media in await attachments.of_post(conn, post.id)] == [
            notes.id,
            board.id,
        ]
        stamped = await attachments.of_post(conn, post.id)
        assert all(media.attached_at is not None for media in stamped)
        # Ben's file, a file still processing, a file twice, too many: refused, nothing changed
        for media_ids, reason, said in (
            ([notes.id, bens.id], "not_yours", "not one of your uploads"),
            ([waiting.id], "processing", "still being processed"),
            ([notes.id, notes.id], "twice", "twice"),
            ([notes.id, board.id], "too_many", "At most 1 file can be attached; remove 1."),
        ):
            limit = 1 if reason == "too_many" else 4
            with pytest.raises(AttachmentRefused) as refused:
                async with conn.transaction():
                    await attach_to_post(conn, post.id, ana.id, media_ids, max_attachments=limit)
            assert refused.value.reason == reason
            assert said in str(attachment_refused(refused.value))  # the sentence the uploader reads
            assert [media.id for media in await attachments.of_post(conn, post.id)] == [
                notes.id,
                board.id,
            ]
        # An edit leaving one file keeps that one only
        await attach_to_post(conn, post.id, ana.id, [board.id], max_attachments=4)
        assert [media.id for media in await attachments.of_post(conn, post.id)] == [board.id]


async def test_a_page_keeps_files_any_editor_added(
    app: Any, config: Config, media_storage: MediaStorage
) -> None:
    pool = app.state.pool
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    ben = await accounts.create_user(pool, config, "ben", "long enough")
    await accounts.create_community(pool, config, "lib", title="Lib", owner="ana")
    change = await pages.create(
        pool, config, community="lib", by="ana", title="Templates", markdown="Our templates"
    )
    anas = await _upload(app, media_storage, ana.id, samples.docx(), "template.docx")
    bens = await _upload(app, media_storage, ben.id, samples.odt(), "other.odt")
    async with pool.acquire() as conn:
        await attach_to_page(conn, change.page.id, ana.id, [anas.id], max_attachments=4)
        # Ben, editing the page later, keeps Ana's file and adds his own
        await attach_to_page(conn, change.page.id, ben.id, [anas.id, bens.id], max_attachments=4)
        assert [media.id for media in await attachments.of_page(conn, change.page.id)] == [
            anas.id,
            bens.id,
        ]
        # but cannot add a file of Ana's the page did not carry
        other = await _upload(app, media_storage, ana.id, samples.PDF, "more.pdf")
        with pytest.raises(AttachmentRefused) as refused:
            await attach_to_page(
                conn, change.page.id, ben.id, [anas.id, other.id], max_attachments=4
            )
        assert refused.value.reason == "not_yours" and refused.value.details == {"id": other.id}
