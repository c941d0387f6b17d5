"""The media cleanup job: every few minutes, delete the uploads nobody attached within a day
(services/media_lifecycle.sweep). It rides with the delivery worker, in `fedcop serve` and in
`fedcop worker --delivery`; any number of processes may run it (rows are claimed with SKIP
LOCKED, and deleting what another pass deleted is nothing)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fedcop.services.media import lifecycle as media_lifecycle
from fedcop.workers.loop import run_batches

PASS_EVERY_SECONDS = 600.0


class MediaCleanupWorker:
    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self._last_pass = float("-inf")
        self.heartbeat = time.monotonic()

    async def run_once(self) -> int:
        """Delete the unattached uploads over a day old; how many."""
        self.heartbeat = time.monotonic()
        return await media_lifecycle.sweep(self.pool)

    async def _pass_when_due(self) -> int:
        self.heartbeat = time.monotonic()
        if self.heartbeat - self._last_pass < PASS_EVERY_SECONDS:
            return 0
        self._last_pass = self.heartbeat
        await self.run_once()
        return 0  # then idle: the next pass is minutes away

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        await run_batches(self._pass_when_due, "media cleanup", stop)
