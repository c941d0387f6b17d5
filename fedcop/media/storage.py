"""Where uploaded files' bytes live: the interface both backends implement.

`disk_storage.py` keeps them in a directory of the data directory (the default, nothing to set
up); `s3_storage.py` in a bucket of S3-compatible object storage, for nodes whose web
processes run on several machines. Keys are opaque strings made by fedcop (letters, digits,
`-`, `_`, `.` and `/`), never from a file's name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol


class StoredFileMissing(LookupError):
    """The key names no stored file."""


class StorageUnavailable(OSError):
    """The storage could not be asked (a bucket gone or refusing, the object store down): the
    file may well exist, so this is no answer about it."""


class MediaStorage(Protocol):
    async def put(self, key: str, source: Path, media_type: str) -> None:
        """Store the file at `source` (a finished temporary file) under `key`, replacing any."""

    async def size(self, key: str) -> int | None:
        """The stored file's size in bytes, or None when there is none under `key`. Raises
        OSError (StorageUnavailable from object storage) when the storage cannot be asked."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes from `start` up to and including `end` (None: the last), in chunks of at
        most 64 KiB, so that serving a file never holds it in memory. Raises StoredFileMissing."""

    async def delete(self, key: str) -> None:
        """Remove the file under `key`; nothing happens when there is none."""

    def public_url(self, key: str) -> str | None:
        """An address that serves the file directly (a CDN in front of the bucket), or None
        when fedcop serves it itself."""

    async def close(self) -> None:
        """Release connections; the storage is not used afterwards."""
