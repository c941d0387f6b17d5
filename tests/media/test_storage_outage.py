"""When the storage cannot be asked (the object store down after start, a broken disk), serving
a file answers 503 with Retry-After: the file may exist, so it is neither a 404 nor a 500."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiobotocore.session import get_session

from fedcop.config import Config
from fedcop.media.disk_storage import DiskStorage
from fedcop.media.s3_storage import S3Storage, client_config
from fedcop.media.storage import MediaStorage
from fedcop.services.media import receive_upload
from fedcop.store.actors import Actor
from tests.conftest import running_app
from tests.media import samples


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _serve(config: Config, dsn: str, storage: MediaStorage, path: str) -> httpx.Response:
    async with running_app(config, dsn, run_workers=False) as app:
        app.state.media_storage = storage
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as client:
            return await client.get(path)


@pytest.fixture
async def disk(config: Config) -> AsyncIterator[DiskStorage]:
    storage = DiskStorage(config.data_dir / "media")
    yield storage
    await storage.close()


async def test_a_broken_disk_answers_503(
    pool: Any, config: Config, dsn: str, ana: Actor, disk: DiskStorage
) -> None:
    media = await receive_upload(
        pool, config, disk, ana.id, samples.chunks(samples.PDF), "plan.pdf"
    )
    # The file's directory turned into something that is not a directory: stat fails with
    # an error that says nothing about whether the file exists.
    folder = Path(config.data_dir / "media" / media.storage_key).parent
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.write_bytes(b"not a directory")

    answer = await _serve(config, dsn, disk, f"/media/{media.token}/{media.file_name}")

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
    assert "try again" in answer.text


async def test_an_object_store_that_went_down_answers_503(
    pool: Any, config: Config, dsn: str, ana: Actor, disk: DiskStorage
) -> None:
    media = await receive_upload(
        pool, config, disk, ana.id, samples.chunks(samples.PDF), "plan.pdf"
    )
    # The same node, its files in a bucket whose server no longer answers.
    endpoint = f"http://127.0.0.1:{_unused_port()}"
    settings = dataclasses.replace(
        config.media,
        storage="s3",
        s3_endpoint=endpoint,
        s3_bucket="files",
        s3_access_key_id="key",
        s3_secret_access_key="secret",
    )
    async with get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="key",
        aws_secret_access_key="secret",
        config=client_config(),
    ) as client:
        storage = S3Storage(settings, client, "files")
        answer = await _serve(config, dsn, storage, f"/media/{media.token}/{media.file_name}")

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
