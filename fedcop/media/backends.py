"""The one place that builds the configured media storage: `open_storage(config)`.

Each process holds one storage, opened when it starts and closed when it stops: the web app in
its lifespan (`app.state.media_storage`), `fedcop worker` in `run_queue_workers`. Services take
it as an argument; nothing opens a storage of its own.
"""

from __future__ import annotations

from fedcop.config import Config
from fedcop.media.disk_storage import DiskStorage
from fedcop.media.storage import MediaStorage


class StorageUnavailable(RuntimeError):
    """The configured storage cannot be opened; the message says what to do."""


def open_storage(config: Config) -> MediaStorage:
    """The storage `config.media.storage` names ("disk": DATA_DIR/media; "s3": the bucket)."""
    if config.media.storage == "disk":
        return DiskStorage(config.data_dir / "media")
    raise StorageUnavailable(
        f"FEDCOP_MEDIA_STORAGE={config.media.storage!r}: this fedcop has no such media storage; "
        "use 'disk' (files in the data directory)"
    )
