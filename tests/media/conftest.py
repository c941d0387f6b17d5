"""Fixtures of the media tests.

`media_storage` is the storage under test: the directory backend, then the S3 backend. Tests
written against it (test_uploads.py, test_serving.py, test_attachments.py) use only the
MediaStorage interface and `stored_keys`, so they run against every backend.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.media.disk_storage import DiskStorage
from fedcop.media.s3_storage import S3Storage
from fedcop.media.storage import MediaStorage
from fedcop.services import accounts
from fedcop.store.actors import Actor
from tests.conftest import make_config
from tests.media.storages import BACKENDS, open_test_storage


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The node's config, with its data directory (where uploads are spooled) in tmp_path."""
    return make_config(data_dir=tmp_path / "data")


@pytest.fixture(params=BACKENDS)
async def media_storage(
    request: pytest.FixtureRequest, config: Config
) -> AsyncIterator[MediaStorage]:
    """Each test using it runs against the directory backend and against a bucket of the
    session's S3-protocol server (tests/media/storages.py)."""
    async with open_test_storage(request.param, config, request) as storage:
        yield storage


async def stored_keys(storage: MediaStorage) -> set[str]:
    """Every key the storage holds a file under (the test's view of the whole backend)."""
    if isinstance(storage, DiskStorage):
        if not storage.root.exists():
            return set()
        return {
            path.relative_to(storage.root).as_posix()
            for path in storage.root.rglob("*")
            if path.is_file()
        }
    if isinstance(storage, S3Storage):
        return {key async for key in storage.list_keys()}
    raise NotImplementedError(f"stored_keys does not know {type(storage).__name__} yet")


async def stored_bytes(storage: MediaStorage, key: str) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key)])


def with_media(config: Config, **limits: Any) -> Config:
    return dataclasses.replace(config, media=dataclasses.replace(config.media, **limits))


@pytest.fixture
async def ana(pool: Any, config: Config) -> Actor:
    return await accounts.create_user(pool, config, "ana", "long enough")
