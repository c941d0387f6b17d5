"""The directory backend (DATA_DIR/media) and `open_storage`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fedcop.config import Config
from fedcop.media.backends import StorageUnavailable, open_storage
from fedcop.media.disk_storage import CHUNK_BYTES, DiskStorage
from fedcop.media.s3_storage import S3Storage
from fedcop.media.storage import StoredFileMissing
from tests.s3_server import S3Server


async def test_put_replaces_whole_files_and_leaves_no_partial_ones(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path / "media")
    source = tmp_path / "source"
    source.write_bytes(b"first version")
    await storage.put("abcdefghijklmnopqrst/file.txt", source, "text/plain")
    source.write_bytes(b"second")
    await storage.put("abcdefghijklmnopqrst/file.txt", source, "text/plain")
    folder = tmp_path / "media" / "abcdefghijklmnopqrst"
    assert [path.name for path in folder.iterdir()] == ["file.txt"]
    assert (folder / "file.txt").read_bytes() == b"second"
    assert await storage.size("abcdefghijklmnopqrst/file.txt") == 6
    assert await storage.size("abcdefghijklmnopqrst/other") is None


async def test_reads_come_in_bounded_chunks_and_honour_the_range(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path / "media")
    data = bytes(index % 251 for index in range(300_000))
    source = tmp_path / "source"
    source.write_bytes(data)
    await storage.put("t/big.bin", source, "application/zip")
    chunks = [chunk async for chunk in storage.read("t/big.bin")]
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) <= CHUNK_BYTES
    part = b"".join([chunk async for chunk in storage.read("t/big.bin", 70_000, 200_000)])
    assert part == data[70_000:200_001]
    with pytest.raises(StoredFileMissing):
        async for _ in storage.read("t/none"):
            pass


async def test_delete_removes_the_file_and_its_empty_folder(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path / "media")
    source = tmp_path / "source"
    source.write_bytes(b"x")
    await storage.put("token123/file", source, "text/plain")
    await storage.delete("token123/file")
    await storage.delete("token123/file")  # nothing there: nothing happens
    assert list((tmp_path / "media").iterdir()) == []


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "a/../../b", ".hidden", "a//b", ""])
async def test_keys_never_leave_the_directory(tmp_path: Path, key: str) -> None:
    storage = DiskStorage(tmp_path / "media")
    with pytest.raises(ValueError, match="not a media storage key"):
        await storage.size(key)


async def test_open_storage_builds_the_configured_backend(
    config: Config, s3_server: S3Server
) -> None:
    storage = await open_storage(config)
    assert isinstance(storage, DiskStorage)
    assert storage.root == config.data_dir / "media"
    bucket = await s3_server.new_bucket()
    in_bucket = await open_storage(
        dataclasses.replace(config, media=s3_server.settings(bucket, config.media))
    )
    assert isinstance(in_bucket, S3Storage)
    await in_bucket.close()
    unknown = dataclasses.replace(config, media=dataclasses.replace(config.media, storage="tape"))
    with pytest.raises(StorageUnavailable, match="FEDCOP_MEDIA_STORAGE"):
        await open_storage(unknown)
