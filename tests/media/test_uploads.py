"""Receiving uploads: the type from the bytes, limits before storage, processing, the sweep and
the drain. Backend-agnostic: only the `media_storage` fixture and `stored_keys` see the backend."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from fedcop.config import Config
from fedcop.media.storage import MediaStorage
from fedcop.services.media import (
    UploadRefused,
    attachment_entry,
    drain_deleted_files,
    process_in_background,
    receive_upload,
)
from fedcop.store.actors import Actor
from fedcop.store.media import Media
from fedcop.store.media import rows as media_rows
from fedcop.workers.media import MediaWorker
from tests.media import samples
from tests.media.conftest import stored_bytes, stored_keys, with_media


async def _upload(
    pool: Any,
    config: Config,
    storage: MediaStorage,
    owner: Actor,
    data: bytes,
    name: str,
    **options: Any,
) -> Any:
    return await receive_upload(
        pool, config, storage, owner.id, samples.chunks(data), name, **options
    )


async def _row_count(pool: Any) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM media"))


async def test_a_document_is_stored_as_sent_and_ready_at_once(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    # Given a PDF, when Ana uploads it under a name with a path in it
    media = await _upload(
        pool,
        config,
        media_storage,
        ana,
        samples.PDF,
        "../../etc/Triage checklist.pdf",
        description="Checklist for triage",
        tag="checklists",
        licence="cc-by-4.0",
    )
    # Then it is ready, kept byte for byte, with a safe name and the type from its bytes
    assert media.state == "ready" and media.kind == "document"
    assert media.media_type == "application/pdf"
    assert media.file_name == "Triage checklist.pdf"
    assert media.byte_size == len(samples.PDF)
    assert (media.description, media.tag, media.licence) == (
        "Checklist for triage",
        "checklists",
        "cc-by-4.0",
    )
    assert await stored_bytes(media_storage, media.storage_key) == samples.PDF
    assert await stored_keys(media_storage) == {media.storage_key}
    # And its stored attachment entry is a Document at its address here
    entry = attachment_entry(config, media)
    assert entry["type"] == "Document"
    assert entry["url"] == f"https://alpha.test/media/{media.token}/Triage%20checklist.pdf"
    assert entry["mediaType"] == "application/pdf"
    assert entry["name"] == "Checklist for triage"
    assert entry["media_id"] == media.id and entry["size"] == len(samples.PDF)
    assert "preview_url" not in entry and "width" not in entry


async def test_a_photo_comes_back_upright_and_without_its_location(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    # Given a phone's photo stored sideways (orientation 6) with GPS tags, 64 x 32 as stored
    photo = samples.photo_with_location(64, 32)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(samples.GPS_IFD)
    # When Ana uploads it
    media = await _upload(pool, config, media_storage, ana, photo, "IMG_0001.JPG")
    # Then it is ready, upright (32 wide, 64 high), still a JPEG
    assert media.state == "ready" and media.kind == "image"
    assert media.media_type == "image/jpeg"
    assert (media.width, media.height) == (32, 64)
    stored = await stored_bytes(media_storage, media.storage_key)
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG" and picture.size == (32, 64)
    # turned clockwise: the red left half is now on top
    red, blue = picture.convert("RGB").getpixel((16, 8)), picture.convert("RGB").getpixel((16, 56))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]
    # And it carries no EXIF at all (no location, no camera, no orientation), nor XMP
    assert "exif" not in picture.info and len(picture.getexif()) == 0
    assert b"Exif" not in stored and b"PhoneMaker" not in stored and b"xmp" not in stored.lower()
    # And it has a thumbnail and a blurhash; the upload as received is queued for deletion
    assert media.thumbnail_key is not None and media.blurhash
    thumbnail = Image.open(io.BytesIO(await stored_bytes(media_storage, media.thumbnail_key)))
    assert thumbnail.format == "WEBP" and "exif" not in thumbnail.info
    assert media.original_key is None
    await drain_deleted_files(pool, media_storage)
    assert await stored_keys(media_storage) == {media.storage_key, media.thumbnail_key}
    entry = attachment_entry(config, media)
    assert entry["type"] == "Image"
    assert (entry["width"], entry["height"], entry["blurhash"]) == (32, 64, media.blurhash)
    assert entry["preview_url"] == f"https://alpha.test/media/{media.token}/thumbnail.webp"


async def test_a_png_named_pdf_is_stored_as_a_png(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.png(), "report.pdf")
    assert media.kind == "image" and media.media_type == "image/png"
    assert media.file_name == "report.png"
    assert media.state == "ready" and (media.width, media.height) == (20, 10)


@pytest.mark.parametrize(
    ("data", "name", "media_type"),
    [
        (samples.HTML, "cat.png", "text/html"),
        (samples.SVG, "logo.png", "image/svg+xml"),
    ],
)
async def test_markup_named_as_a_picture_is_kept_as_what_it_is(
    pool: Any,
    config: Config,
    media_storage: MediaStorage,
    ana: Actor,
    data: bytes,
    name: str,
    media_type: str,
) -> None:
    media = await _upload(pool, config, media_storage, ana, data, name)
    # a document (a download), never a picture: nothing decodes or shows it
    assert media.kind == "document" and media.media_type == media_type
    assert not media.file_name.endswith(".png")
    assert attachment_entry(config, media)["type"] == "Document"


async def test_an_unaccepted_kind_is_refused_naming_the_accepted_ones(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    program = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
    with pytest.raises(UploadRefused, match="PDF, office documents") as refusal:
        await _upload(pool, config, media_storage, ana, program, "notes.txt")
    assert not refusal.value.too_large
    assert await _row_count(pool) == 0 and await stored_keys(media_storage) == set()


async def test_a_file_over_its_limit_is_refused_before_storage(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    config = with_media(config, max_file_bytes=4000, max_image_bytes=2000)
    # Given a 5000-byte text file over the 4000-byte limit for files
    with pytest.raises(UploadRefused, match="at most") as refusal:
        await _upload(pool, config, media_storage, ana, b"a" * 5000, "notes.txt")
    assert refusal.value.too_large
    # And a picture over the (smaller) limit for pictures, though under the one for files
    picture = samples.png(40, 40) + b"\x00" * 3000
    with pytest.raises(UploadRefused, match="A picture may weigh at most"):
        await _upload(pool, config, media_storage, ana, picture, "board.png")
    # Then nothing reached the storage, no row was written, and no spooled copy is left
    assert await _row_count(pool) == 0 and await stored_keys(media_storage) == set()
    assert list((config.data_dir / "tmp" / "uploads").iterdir()) == []


async def test_a_file_over_the_account_quota_is_refused_before_storage(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    config = with_media(config, account_quota_bytes=1000)
    kept = await _upload(pool, config, media_storage, ana, b"x" * 600, "first.txt")
    # When Ana uploads a file that would take her past her 1000 bytes
    with pytest.raises(UploadRefused, match="storage space") as refusal:
        await _upload(pool, config, media_storage, ana, b"y" * 600, "second.txt")
    assert refusal.value.too_large
    # Then only her first file is stored
    assert await _row_count(pool) == 1
    assert await stored_keys(media_storage) == {kept.storage_key}
    # And once she is full, even a small file is refused
    await _upload(pool, config, media_storage, ana, b"z" * 400, "third.txt")
    with pytest.raises(UploadRefused, match="storage space"):
        await _upload(pool, config, media_storage, ana, b"w", "fourth.txt")


async def test_a_damaged_picture_is_refused_and_leaves_nothing(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    damaged = samples.png()[:40]
    with pytest.raises(UploadRefused, match="damaged"):
        await _upload(pool, config, media_storage, ana, damaged, "board.png")
    assert await _row_count(pool) == 0
    await drain_deleted_files(pool, media_storage)
    assert await stored_keys(media_storage) == set()


async def test_deleting_a_row_makes_the_drain_remove_its_bytes(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    picture = await _upload(pool, config, media_storage, ana, samples.png(), "board.png")
    document = await _upload(pool, config, media_storage, ana, samples.PDF, "notes.pdf")
    await drain_deleted_files(pool, media_storage)  # the picture's upload as received
    assert await stored_keys(media_storage) == {
        picture.storage_key,
        picture.thumbnail_key,
        document.storage_key,
    }
    # When the picture's row is deleted
    async with pool.acquire() as conn:
        assert await media_rows.delete(conn, picture.id)
    # Then the drain removes its file and thumbnail, and only those
    assert await drain_deleted_files(pool, media_storage) == 2
    assert await stored_keys(media_storage) == {document.storage_key}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media_files_to_delete") == 0


async def test_a_picture_left_in_processing_is_finished_by_the_sweep(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    # Given a picture received but not processed (its process died right after storing it)
    photo = samples.photo_with_location(40, 20)
    media = await _upload(pool, config, media_storage, ana, photo, "board.jpg", process=False)
    assert media.state == "processing"
    assert await stored_keys(media_storage) == {media.original_key}
    worker = MediaWorker(pool, config, media_storage)
    # When the worker sweeps before the uploader's time is up, it leaves the row alone
    assert await worker.run_once() == 0
    # And when it sweeps after
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await worker.run_once(now=later) >= 1
    async with pool.acquire() as conn:
        finished = await media_rows.by_id(conn, media.id)
    # Then the picture is ready, upright, and the upload as received is gone
    assert finished is not None and finished.state == "ready"
    assert (finished.width, finished.height) == (20, 40)
    await worker.run_once(now=later)
    assert await stored_keys(media_storage) == {finished.storage_key, finished.thumbnail_key}


async def test_an_upload_whose_bytes_never_arrived_is_failed_by_the_sweep(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.png(), "a.png", process=False)
    await media_storage.delete(media.storage_key)  # as if the process died before storing it
    await MediaWorker(pool, config, media_storage).run_once(
        now=datetime.now(UTC) + timedelta(minutes=5)
    )
    async with pool.acquire() as conn:
        failed = await media_rows.by_id(conn, media.id)
    assert failed is not None and failed.state == "failed"
    assert failed.failure is not None and "send it again" in failed.failure


async def test_two_uploads_at_once_cannot_both_pass_the_quota(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    config = with_media(config, account_quota_bytes=1000)
    results = await asyncio.gather(
        _upload(pool, config, media_storage, ana, b"a" * 600, "one.txt"),
        _upload(pool, config, media_storage, ana, b"b" * 600, "two.txt"),
        return_exceptions=True,
    )
    kept = [result for result in results if isinstance(result, Media)]
    refused = [result for result in results if isinstance(result, UploadRefused)]
    assert len(kept) == 1 and len(refused) == 1
    assert await stored_keys(media_storage) == {kept[0].storage_key}


async def test_a_picture_processed_in_the_background(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.png(), "a.png", process=False)
    finished = await process_in_background(pool, config, media_storage, media.id)
    assert finished is not None and finished.state == "ready"
    # what the owner says about it can change; someone else's word cannot
    async with pool.acquire() as conn:
        changed = await media_rows.update_details(
            conn, media.id, ana.id, description="The board", tag="boards", licence="cc0-1.0"
        )
        assert changed is not None
        assert (changed.description, changed.tag, changed.licence) == (
            "The board",
            "boards",
            "cc0-1.0",
        )
        assert await media_rows.update_details(conn, media.id, ana.id + 1, description="x") is None
        assert await media_rows.usage_of(conn, ana.id) == (
            finished.byte_size + finished.thumbnail_byte_size
        )
