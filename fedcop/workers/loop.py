"""The loop every queue worker runs: claim a batch, handle it, and idle briefly when none is due.

    while not stop:  run_once() -> n rows handled
                     n == 0 -> wait IDLE_SLEEP_SECONDS (or until stop is set)
                     raises -> logged, then idle as above (the rows' leases bring them back)

`stop` is checked between batches only: a batch once claimed is finished (or, if the process
dies, its rows come back when their lease ends), so a SIGTERM never abandons work half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
IDLE_SLEEP_SECONDS = 0.5


async def run_batches(
    run_once: Callable[[], Awaitable[int]], what: str, stop: asyncio.Event | None = None
) -> None:
    """Call `run_once` until `stop` is set (forever when there is none)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            claimed = await run_once()
        except Exception:
            log.exception("%s pass failed", what)
            claimed = 0
        if claimed == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_SLEEP_SECONDS)
