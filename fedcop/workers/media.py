"""The media worker: uploads a crash left in processing, and stored files whose rows are gone.

    every pass (at most one each PASS_EVERY_SECONDS, or at once when the last pass was busy):
      sweep_stuck          rows 'processing' past their uploader's lease -> processed or failed
      drain_deleted_files  media_files_to_delete -> bytes deleted from the storage, row removed

It runs beside the inbox worker (in `fedcop serve`, and in `fedcop worker --inbox`), with that
process's one storage. Both halves claim with SKIP LOCKED, so any number of processes share them.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from fedcop.config import Config
from fedcop.media.storage import MediaStorage
from fedcop.services.media import drain_deleted_files, sweep_stuck
from fedcop.workers.loop import run_batches

PASS_EVERY_SECONDS = 30.0


class MediaWorker:
    def __init__(self, pool: Any, config: Config, storage: MediaStorage) -> None:
        self.pool = pool
        self.config = config
        self.storage = storage
        self._last_pass = float("-inf")
        self.heartbeat = time.monotonic()

    async def run_once(self, now: datetime | None = None) -> int:
        """One sweep and one drain; how many rows and files were handled. `now` stands in for
        the present when choosing which processing rows are stuck (tests)."""
        self.heartbeat = time.monotonic()
        swept = await sweep_stuck(self.pool, self.config, self.storage, now)
        drained = await drain_deleted_files(self.pool, self.storage)
        return swept + drained

    async def _pass_when_due(self) -> int:
        self.heartbeat = time.monotonic()
        if self.heartbeat - self._last_pass < PASS_EVERY_SECONDS:
            return 0
        handled = await self.run_once()
        # A busy pass (a full batch) is followed by another at once; a quiet one waits.
        self._last_pass = float("-inf") if handled else self.heartbeat
        return handled

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        await run_batches(self._pass_when_due, "media worker", stop)
