"""The default media storage: a directory of the data directory (DATA_DIR/media).

    put(key, source)  -> copied beside its final place (a temporary name in the same
                         directory), then os.replace: a reader sees the old file or the whole
                         new one, never half of one, and a crash leaves no partial file under
                         the key
    read(key, range)  -> the bytes of the range, in chunks of at most 64 KiB

Keys are made by fedcop (`TOKEN/file.jpg`), but are checked all the same: a key that would leave
the directory is refused. The blocking file work runs in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from fedcop.media.storage import StoredFileMissing

CHUNK_BYTES = 64 * 1024
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


class DiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        """Where the file under `key` lives (keys never hold `..`, nor start with `/` or `.`)."""
        if not _KEY.fullmatch(key) or len(key) > 512:
            raise ValueError(f"not a media storage key: {key!r}")
        return self.root / key

    async def put(self, key: str, source: Path, media_type: str) -> None:
        await asyncio.to_thread(self._put, self.path_of(key), source)

    @staticmethod
    def _put(target: Path, source: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.part")
        try:
            shutil.copyfile(source, temporary)
            with temporary.open("rb+") as written:
                os.fsync(written.fileno())
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    async def size(self, key: str) -> int | None:
        try:
            stat = await asyncio.to_thread(self.path_of(key).stat)
        except FileNotFoundError:
            return None
        return stat.st_size

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error
        try:
            await asyncio.to_thread(file.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                wanted = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
                chunk = await asyncio.to_thread(file.read, wanted)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(file.close)

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)
        # The key's directory (TOKEN/) goes with its last file; another file's arrival in
        # between only makes the removal fail, which is fine.
        with contextlib.suppress(OSError):
            if path.parent != self.root:
                await asyncio.to_thread(path.parent.rmdir)

    def public_url(self, key: str) -> str | None:
        return None

    async def close(self) -> None:
        return None
