"""What only the S3 backend does: parts for big files, the type kept on the object (a CDN serves
it from there), CDN addresses, and a start that names the setting to check when the bucket
cannot be used. The rest of its behaviour is the storage contract (test_storage_contract.py)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest

from fedcop.media.s3_storage import MULTIPART_THRESHOLD, PART_BYTES, S3StorageError, open_s3_storage
from fedcop.media.settings import media_environment
from tests.processes import clean_env, free_port, run_fedcop
from tests.s3_server import S3Server


async def test_a_big_file_goes_up_in_parts_and_leaves_no_unfinished_upload(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = await s3_server.new_bucket()
    storage = await open_s3_storage(s3_server.settings(bucket))
    source = tmp_path / "slides.zip"
    source.write_bytes(os.urandom(2 * PART_BYTES + 1000))
    small = tmp_path / "notes.txt"
    small.write_bytes(b"notes")
    try:
        await storage.put("files/slides", source, "application/zip")
        await storage.put("files/notes", small, "text/plain")
    finally:
        await storage.close()
    assert source.stat().st_size > MULTIPART_THRESHOLD
    async with s3_server.client() as client:
        big = await client.head_object(Bucket=bucket, Key="files/slides")
        little = await client.head_object(Bucket=bucket, Key="files/notes")
        unfinished = await client.list_multipart_uploads(Bucket=bucket)
    # A multipart object's ETag ends with its number of parts
    assert big["ETag"].strip('"').endswith("-3")
    assert "-" not in little["ETag"]
    # The type is kept on the object, and files that are not pictures are downloads (a CDN in
    # front of the bucket serves them as they are)
    assert (big["ContentType"], little["ContentType"]) == ("application/zip", "text/plain")
    assert big["ContentDisposition"] == little["ContentDisposition"] == "attachment"
    assert unfinished.get("Uploads", []) == []
    assert await s3_server.object_keys(bucket) == ["files/notes", "files/slides"]


async def test_pictures_are_shown_and_other_files_downloaded_from_the_bucket(
    s3_server: S3Server, tmp_path: Path
) -> None:
    bucket = await s3_server.new_bucket()
    storage = await open_s3_storage(s3_server.settings(bucket))
    source = tmp_path / "file"
    source.write_bytes(b"<svg onload='alert(1)'/>")
    kinds = {"photo": "image/webp", "drawing": "image/svg+xml", "page": "text/html"}
    try:
        for key, media_type in kinds.items():
            await storage.put(key, source, media_type)
    finally:
        await storage.close()
    async with s3_server.client() as client:
        served = {
            key: (await client.head_object(Bucket=bucket, Key=key))["ContentDisposition"]
            for key in kinds
        }
    assert served == {"photo": "inline", "drawing": "attachment", "page": "attachment"}


async def test_files_are_linked_at_the_public_address_when_one_is_set(
    s3_server: S3Server,
) -> None:
    settings = s3_server.settings(await s3_server.new_bucket())
    plain = await open_s3_storage(settings)
    behind_cdn = await open_s3_storage(replace(settings, public_url="https://cdn.example.org/m"))
    try:
        assert plain.public_url("ab/cd/file") is None
        assert behind_cdn.public_url("ab/cd/file") == "https://cdn.example.org/m/ab/cd/file"
    finally:
        await plain.close()
        await behind_cdn.close()


async def test_a_missing_bucket_is_named_at_start(s3_server: S3Server) -> None:
    with pytest.raises(S3StorageError) as refused:
        await open_s3_storage(s3_server.settings("no-such-bucket"))
    message = str(refused.value)
    assert "'no-such-bucket'" in message and "does not exist" in message
    assert "FEDCOP_S3_BUCKET" in message


async def test_an_unreachable_endpoint_is_named_at_start(s3_server: S3Server) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = replace(s3_server.settings("files"), s3_endpoint=nowhere)
    with pytest.raises(S3StorageError) as refused:
        await open_s3_storage(settings)
    assert f"FEDCOP_S3_ENDPOINT={nowhere}" in str(refused.value)


def test_fedcop_serve_refuses_to_start_naming_the_bucket_to_check(
    s3_server: S3Server, tmp_path: Path
) -> None:
    settings = s3_server.settings("no-such-bucket")
    env = clean_env(FEDCOP_DATA_DIR=str(tmp_path / "data"), **media_environment(settings))
    started = run_fedcop("serve", "--port", str(free_port()), env=env)
    assert started.returncode == 1
    assert "bucket 'no-such-bucket'" in started.stderr
    assert "check FEDCOP_S3_BUCKET" in started.stderr
    assert "Traceback" not in started.stderr
    # Refused before anything started: no database was made in the data directory
    assert not (tmp_path / "data" / "postgres").exists()


async def test_many_downloads_in_progress_leave_room_for_other_requests(
    s3_server: S3Server, tmp_path: Path
) -> None:
    storage = await open_s3_storage(s3_server.settings(await s3_server.new_bucket()))
    source = tmp_path / "slides.pdf"
    source.write_bytes(os.urandom(1024 * 1024))
    try:
        await storage.put("slides", source, "application/pdf")
        # Given 80 readers that took their first chunk and wait (slow clients)
        readers = [storage.read("slides") for _ in range(80)]
        try:
            for reader in readers:
                await asyncio.wait_for(anext(reader), 30)
            # Then another upload and another download still go through
            await asyncio.wait_for(storage.put("notes", source, "application/pdf"), 30)
            assert await asyncio.wait_for(storage.size("notes"), 30) == source.stat().st_size
        finally:
            for reader in readers:
                await reader.aclose()  # type: ignore[attr-defined]
    finally:
        await storage.close()
