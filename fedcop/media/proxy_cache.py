"""The media proxy's cache of pictures from elsewhere: files in DATA_DIR/media-proxy.

```
DATA_DIR/media-proxy/
  ab/abXYZ...           a picture, named by its proxy token; mtime = when fetched,
                        atime = when last served (set explicitly, whatever the mount's atime)
  ab/abXYZ....failed    a refusal or failure remembered: "UNTIL_EPOCH\nreason"
  locks/abXYZ...        held (flock) by the one process fetching that token
  tmp/                  files being written; renamed into place when whole and checked
                        (one a crashed process left is deleted by the next trim, after an hour)
```

Several web processes share the directory safely: a file appears by an atomic rename once it is
complete and checked, so a reader sees a whole picture or none; deleting one that is being served
is harmless (the reader holds it open). A picture older than `max_age` is fetched again. After
each new picture the cache is trimmed to `max_bytes`, least recently served first.

Nothing here touches the network or the database (fedcop.services.media.proxy does both).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from fedcop.media.proxy_pictures import HEAD_BYTES, picture_type

# A token as services/media/received.py makes them (url-safe base64); anything else is no file.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_FAILED = ".failed"
# A file being fetched this long is one a crashed process left (a fetch's deadline is 20 s).
ABANDONED_SECONDS = 3600.0


def valid_token(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


@dataclass(frozen=True)
class CachedPicture:
    path: Path
    media_type: str
    size: int


class ProxyCache:
    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int,
        max_age_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self._clock = clock

    def _path(self, token: str) -> Path:
        if not valid_token(token):
            raise ValueError(f"{token!r} is not a proxy token")
        return self.root / token[:2] / token

    def open(self, token: str) -> tuple[BinaryIO, CachedPicture] | None:
        """The cached picture, opened (so trimming cannot take it away mid-answer), or None
        when it is absent or expired. Marks it as just used."""
        path = self._path(token)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return None
        try:
            stat = os.fstat(handle.fileno())
            media_type = picture_type(handle.read(HEAD_BYTES))
            now = self._clock()
            if media_type is None or now - stat.st_mtime > self.max_age_seconds:
                handle.close()
                return None
            handle.seek(0)
            with contextlib.suppress(OSError):
                os.utime(path, (now, stat.st_mtime))
            return handle, CachedPicture(path, media_type, stat.st_size)
        except BaseException:
            handle.close()
            raise

    # -- failures remembered -----------------------------------------------------------------

    def failure(self, token: str) -> str | None:
        """The reason the token's file was refused or failed, while that is remembered."""
        path = self._path(token).with_name(token + _FAILED)
        try:
            until, _, reason = path.read_text(encoding="utf-8").partition("\n")
            if float(until) > self._clock():
                return reason
        except (OSError, ValueError):
            return None
        return None

    def remember_failure(self, token: str, reason: str, seconds: float) -> None:
        path = self._path(token).with_name(token + _FAILED)
        self._write_atomically(path, f"{self._clock() + seconds}\n{reason}".encode())

    def forget_failure(self, token: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(token).with_name(token + _FAILED).unlink()

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[tuple[IO[bytes], Path]]:
        """A new temporary file to fetch into; removed afterwards unless `keep` renamed it."""
        directory = self.root / "tmp"
        directory.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=directory, delete=False)  # noqa: SIM115
        path = Path(handle.name)
        try:
            yield handle, path
        finally:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def keep(self, token: str, temporary: Path) -> None:
        """Put a fetched and checked picture in place (atomically), then trim the cache."""
        path = self._path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Fetched now (mtime) and served now (atime), by the cache's own clock.
        now = self._clock()
        os.utime(temporary, (now, now))
        os.replace(temporary, path)
        self.trim()

    def _write_atomically(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.writing() as (handle, temporary):
            handle.write(data)
            handle.flush()
            os.replace(temporary, path)

    def lock_fetch(self, token: str) -> int:
        """Wait for, then hold, the right to fetch `token` among every process sharing the
        directory; returns the lock's descriptor for `unlock_fetch`. Blocks: call it off the
        event loop."""
        directory = self.root / "locks"
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(directory / self._path(token).name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor

    @staticmethod
    def unlock_fetch(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)

    # -- bounds ------------------------------------------------------------------------------

    def trim(self) -> None:
        """Delete expired pictures and old failure notes, then the least recently served
        pictures until the cache weighs at most `max_bytes`."""
        now = self._clock()
        pictures: list[tuple[float, int, Path]] = []
        for shard in self._shards():
            for entry in _scan(shard):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                path = Path(entry.path)
                if entry.name.endswith(_FAILED):
                    name = entry.name.removesuffix(_FAILED)
                    if not valid_token(name) or self.failure(name) is None:
                        _remove(path)
                elif now - stat.st_mtime > self.max_age_seconds:
                    _remove(path)
                else:
                    pictures.append((stat.st_atime, stat.st_size, path))
        for entry in _scan(self.root / "tmp"):
            with contextlib.suppress(FileNotFoundError):
                if now - entry.stat().st_mtime > ABANDONED_SECONDS:
                    _remove(Path(entry.path))
        for entry in _scan(self.root / "locks"):
            # A lock left by a fetch long done (at worst, a file is then fetched twice).
            with contextlib.suppress(FileNotFoundError):
                if now - entry.stat().st_mtime > self.max_age_seconds:
                    _remove(Path(entry.path))
        total = sum(size for _, size, _ in pictures)
        for _, size, path in sorted(pictures):
            if total <= self.max_bytes:
                break
            _remove(path)
            total -= size

    def size(self) -> int:
        """What the cached pictures weigh together, in bytes."""
        return sum(
            entry.stat().st_size
            for shard in self._shards()
            for entry in _scan(shard)
            if not entry.name.endswith(_FAILED)
        )

    def _shards(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [
            Path(entry.path)
            for entry in _scan(self.root)
            if entry.is_dir() and len(entry.name) == 2
        ]


def _scan(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return [entry for entry in entries if entry.is_file() or entry.is_dir()]
    except FileNotFoundError:
        return []


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
