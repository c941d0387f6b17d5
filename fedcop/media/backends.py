"""The one place that builds the configured media storage: `open_storage(config)`.

Each process holds one storage, opened when it starts and closed when it stops: the web app in
its lifespan (`app.state.media_storage`), `fedcop worker` in `run_queue_workers`. Services take
it as an argument; nothing opens a storage of its own.
"""

from __future__ import annotations

import asyncio

from fedcop.config import Config, ConfigError
from fedcop.media.disk_storage import DiskStorage
from fedcop.media.storage import MediaStorage


class StorageUnavailable(ConfigError):
    """The configured storage cannot be opened; the message says what to do."""


async def open_storage(config: Config) -> MediaStorage:
    """The storage `config.media.storage` names ("disk": DATA_DIR/media; "s3": the bucket,
    checked to exist and to accept the keys before it is used)."""
    if config.media.storage == "disk":
        return DiskStorage(config.data_dir / "media")
    if config.media.storage == "s3":
        # Imported here: the S3 client library takes ~0.5 s to load, for nodes that use it.
        from fedcop.media.s3_storage import S3StorageError, open_s3_storage

        try:
            return await open_s3_storage(config.media)
        except S3StorageError as error:
            raise StorageUnavailable(f"media storage: {error}") from None
    raise StorageUnavailable(
        f"FEDCOP_MEDIA_STORAGE={config.media.storage!r}: this fedcop has no such media storage; "
        "use 'disk' (files in the data directory) or 's3'"
    )


def check_storage(config: Config) -> None:
    """Open and close the configured storage once, before a process starts serving: a bucket
    that is missing or unreachable stops `fedcop serve` with StorageUnavailable (naming the
    setting to check) instead of failing inside the web server's start-up."""

    async def open_and_close() -> None:
        storage = await open_storage(config)
        await storage.close()

    if config.media.storage != "disk":
        asyncio.run(open_and_close())
