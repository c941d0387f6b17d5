"""The loop every queue worker runs: claim a batch, handle it, and idle briefly when none is due.

    while not stop:  run_once() -> n rows handled
                     n == 0 -> wait IDLE_SLEEP_SECONDS (or until stop is set)
                     raises, the database is away -> one warning line, then wait, doubling the
                                wait after each failed pass up to OUTAGE_MAX_WAIT_SECONDS; the
                                first pass that works again says so and resets it
                     raises, anything else -> logged with its traceback, then idle as above
                     (either way the rows' leases bring claimed work back)

The loop never ends on an error: only `stop` ends it. `stop` is checked between batches only: a
batch once claimed is finished (or, if the process dies, its rows come back when their lease
ends), so a SIGTERM never abandons work half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from fedcop.db.outage import database_unavailable

log = logging.getLogger(__name__)
IDLE_SLEEP_SECONDS = 0.5
# Well under operations.WORKER_STALE_AFTER, so a worker waiting out an outage never looks stuck
# to /readyz once the database is back.
OUTAGE_MAX_WAIT_SECONDS = 30.0


def outage_wait(failed_passes: int) -> float:
    """Seconds to wait after `failed_passes` passes in a row found the database away."""
    doublings = max(failed_passes - 1, 0)
    return min(IDLE_SLEEP_SECONDS * float(2**doublings), OUTAGE_MAX_WAIT_SECONDS)


async def run_batches(
    run_once: Callable[[], Awaitable[int]], what: str, stop: asyncio.Event | None = None
) -> None:
    """Call `run_once` until `stop` is set (forever when there is none)."""
    stop = stop or asyncio.Event()
    failed_passes = 0
    while not stop.is_set():
        wait = IDLE_SLEEP_SECONDS
        try:
            claimed = await run_once()
        except Exception as error:
            claimed = 0
            if database_unavailable(error):
                failed_passes += 1
                wait = outage_wait(failed_passes)
                log.warning(
                    "%s: the database is unavailable (%s), trying again in %.1f s",
                    what,
                    type(error).__name__,
                    wait,
                )
            else:
                log.exception("%s pass failed", what)
        else:
            if failed_passes:
                log.warning("%s: the database is back, resuming", what)
                failed_passes = 0
        if claimed == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
