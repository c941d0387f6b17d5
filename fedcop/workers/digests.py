"""The digest job: every minute or so, queue the daily and weekly digests that are due.

Which periods were handled lives in the database (mail_digests_sent), so any number of worker
processes may run it, and a restart resumes where the last pass stopped.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from fedcop.handlers.context import HandlerContext
from fedcop.services.mail import digests
from fedcop.workers.loop import run_batches

PASS_EVERY_SECONDS = 60.0


class DigestWorker:
    def __init__(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        self._last_pass = float("-inf")
        self.heartbeat = time.monotonic()

    async def run_once(self, now: datetime | None = None) -> int:
        """Queue every digest due at `now` (default: the present); how many periods handled."""
        self.heartbeat = time.monotonic()
        handled = 0
        while batch := await digests.run_once(self.ctx.pool, self.ctx.config, now):
            handled += batch
        return handled

    async def _pass_when_due(self) -> int:
        self.heartbeat = time.monotonic()
        if self.heartbeat - self._last_pass < PASS_EVERY_SECONDS:
            return 0
        self._last_pass = self.heartbeat
        await self.run_once()
        return 0  # then idle: the next pass is a minute away

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        await run_batches(self._pass_when_due, "digest worker", stop)
