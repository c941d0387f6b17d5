"""The storage backends the media tests run against, each opened by `open_storage` as fedcop's
processes open theirs.

    "disk": DATA_DIR/media of the test's configuration
    "s3":   a new bucket of the session's S3-protocol server (tests/s3_server.py)
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator

import pytest

from fedcop.config import Config
from fedcop.media.backends import open_storage
from fedcop.media.storage import MediaStorage
from tests.s3_server import S3Server

BACKENDS = ["disk", "s3"]


async def backend_config(backend: str, config: Config, request: pytest.FixtureRequest) -> Config:
    """`config` keeping its files in `backend` (the S3 server is started only when asked)."""
    if backend == "disk":
        return dataclasses.replace(config, media=dataclasses.replace(config.media, storage="disk"))
    server: S3Server = request.getfixturevalue("s3_server")
    return dataclasses.replace(
        config, media=server.settings(await server.new_bucket(), config.media)
    )


@contextlib.asynccontextmanager
async def open_test_storage(
    backend: str, config: Config, request: pytest.FixtureRequest
) -> AsyncIterator[MediaStorage]:
    storage = await open_storage(await backend_config(backend, config, request))
    try:
        yield storage
    finally:
        await storage.close()
