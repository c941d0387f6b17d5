"""Who runs the embedded cluster of a data directory: a `serve`, or a one-off admin command.

    data_dir/fedcop.lock   flock()ed by its holder, and names it: "serve PID" or "admin PID"

`serve` owns the cluster for its whole life and stops it on exit. An admin command run while
`serve` holds the lock uses serve's cluster and leaves it running; run alone, it takes the lock,
starts the cluster, and stops it again when done. Two `serve`s on one data dir are refused.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO, Literal

Role = Literal["serve", "admin"]
WAIT_FOR_ADMIN_SECONDS = 120


class DataDirBusy(RuntimeError):
    pass


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "fedcop.lock"
        self._file: IO[str] | None = None

    def holder(self) -> str:
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""

    def try_acquire(self, role: Role) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{role} {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def acquire_for_serve(self) -> None:
        """Take the lock for `serve`; wait out a running admin command, refuse a second serve."""
        deadline = time.monotonic() + WAIT_FOR_ADMIN_SECONDS
        while not self.try_acquire("serve"):
            holder = self.holder()
            if holder.startswith("serve") or time.monotonic() > deadline:
                raise DataDirBusy(
                    f"another fedcop process ({holder or 'unknown'}) is using {self.path.parent}: "
                    "stop it first, or give this one its own --data-dir"
                )
            time.sleep(0.2)

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
