"""The storage contract: every backend keeps and gives back files the same way.

Each test runs against the directory backend (the data directory) and the S3 backend (a bucket
of a real S3-protocol server, tests/s3_server.py), both built by `open_storage(config)` as the
web processes and workers build theirs.
"""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fedcop.media.storage import MediaStorage, StoredFileMissing
from tests.conftest import make_config
from tests.media.storages import BACKENDS, open_test_storage

CHUNK_LIMIT = 64 * 1024
BIG = 20 * 1024 * 1024 + 12345  # several multipart parts, the last one short


@pytest.fixture(params=BACKENDS)
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MediaStorage]:
    config = make_config(data_dir=tmp_path / "data")
    async with open_test_storage(request.param, config, request) as opened:
        yield opened


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


async def read_all(
    storage: MediaStorage, key: str, start: int = 0, end: int | None = None
) -> bytes:
    chunks = [chunk async for chunk in storage.read(key, start, end)]
    assert all(0 < len(chunk) <= CHUNK_LIMIT for chunk in chunks)
    return b"".join(chunks)


async def test_a_stored_file_comes_back_whole_with_its_size(
    storage: MediaStorage, tmp_path: Path
) -> None:
    data = os.urandom(200_000)
    await storage.put("ab/cd/file", write(tmp_path / "upload", data), "application/pdf")
    assert await storage.size("ab/cd/file") == len(data)
    assert await read_all(storage, "ab/cd/file") == data


async def test_ranges_give_exactly_the_bytes_asked_for(
    storage: MediaStorage, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 1000
    await storage.put("ranged", write(tmp_path / "upload", data), "text/plain")
    assert await read_all(storage, "ranged", 0, 0) == data[:1]
    assert await read_all(storage, "ranged", 100, 199) == data[100:200]
    assert await read_all(storage, "ranged", 70_000) == data[70_000:]
    assert await read_all(storage, "ranged", len(data) - 1) == data[-1:]
    assert await read_all(storage, "ranged", 1000, len(data) + 500) == data[1000:]
    # A range starting past the end holds nothing
    assert await read_all(storage, "ranged", len(data)) == b""


async def test_an_empty_file_is_kept(storage: MediaStorage, tmp_path: Path) -> None:
    await storage.put("empty", write(tmp_path / "upload", b""), "text/plain")
    assert await storage.size("empty") == 0
    assert await read_all(storage, "empty") == b""


async def test_a_missing_key_has_no_size_cannot_be_read_and_deletes_quietly(
    storage: MediaStorage,
) -> None:
    assert await storage.size("never/stored") is None
    with pytest.raises(StoredFileMissing):
        await read_all(storage, "never/stored")
    with pytest.raises(StoredFileMissing):
        await read_all(storage, "never/stored", 10, 20)
    await storage.delete("never/stored")


async def test_putting_again_replaces_the_file(storage: MediaStorage, tmp_path: Path) -> None:
    await storage.put("same", write(tmp_path / "first", b"first version, longer"), "text/plain")
    await storage.put("same", write(tmp_path / "second", b"second"), "text/plain")
    assert await storage.size("same") == len(b"second")
    assert await read_all(storage, "same") == b"second"


async def test_a_deleted_file_is_gone_and_deleting_again_is_harmless(
    storage: MediaStorage, tmp_path: Path
) -> None:
    await storage.put("doomed", write(tmp_path / "upload", b"bytes"), "text/plain")
    await storage.put("kept", write(tmp_path / "other", b"other"), "text/plain")
    await storage.delete("doomed")
    await storage.delete("doomed")
    assert await storage.size("doomed") is None
    with pytest.raises(StoredFileMissing):
        await read_all(storage, "doomed")
    assert await read_all(storage, "kept") == b"other"


async def test_a_big_file_goes_in_and_streams_back_out(
    storage: MediaStorage, tmp_path: Path
) -> None:
    source = tmp_path / "big"
    with source.open("wb") as out:
        for _ in range(BIG // (1024 * 1024) + 1):
            out.write(os.urandom(1024 * 1024))
        out.truncate(BIG)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    # Stored without being held in memory whole (nor a multipart part of it)
    tracemalloc.start()
    try:
        await storage.put("big/file", source, "application/zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BIG // 4
    assert await storage.size("big/file") == BIG

    # Read back whole, chunk by chunk: what the reader holds at once stays far below the file
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        async for chunk in storage.read("big/file"):
            assert 0 < len(chunk) <= CHUNK_LIMIT
            digest.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == expected
    assert peak < BIG // 4

    # A range across the boundaries of the parts it went up in, and one up to the last byte
    whole = source.read_bytes()
    start, end = 8 * 1024 * 1024 - 10, 16 * 1024 * 1024 + 9
    assert await read_all(storage, "big/file", start, end) == whole[start : end + 1]
    assert await read_all(storage, "big/file", BIG - 70_000) == whole[BIG - 70_000 :]


async def test_storing_a_file_does_not_read_it_whole_into_memory(
    storage: MediaStorage, tmp_path: Path
) -> None:
    size = 6 * 1024 * 1024  # sent in one request by the S3 backend (parts start past 8 MiB)
    source = write(tmp_path / "upload", os.urandom(size))
    tracemalloc.start()
    try:
        await storage.put("sent/whole", source, "application/pdf")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size // 2
    assert await storage.size("sent/whole") == size


async def test_a_reader_that_stops_early_leaves_the_storage_usable(
    storage: MediaStorage, tmp_path: Path
) -> None:
    data = os.urandom(1024 * 1024)
    await storage.put("partly", write(tmp_path / "upload", data), "image/png")
    # A client that goes away after the first chunk, many times over
    for _ in range(60):
        reader = storage.read("partly")
        assert isinstance(reader, AsyncIterator)
        first = await anext(reader)
        assert data.startswith(first)
        await reader.aclose()  # type: ignore[attr-defined]
    assert await read_all(storage, "partly") == data
