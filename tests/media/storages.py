"""The storage backends the media tests run against, each opened as fedcop opens it.

"disk": a directory of the test's own data directory
"s3":   a new bucket of the session's S3-protocol server (tests/s3_server.py)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fedcop.media.s3_storage import open_s3_storage
from fedcop.media.storage import MediaStorage
from tests.s3_server import S3Server

BACKENDS = ["s3"]


@contextlib.asynccontextmanager
async def open_test_storage(
    backend: str, data_dir: Path, s3_server: S3Server
) -> AsyncIterator[MediaStorage]:
    settings = s3_server.settings(await s3_server.new_bucket())
    storage = await open_s3_storage(settings)
    try:
        yield storage
    finally:
        await storage.close()
