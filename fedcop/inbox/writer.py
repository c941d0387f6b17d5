"""Group commit for the inbox queue.

Each accepted request hands its row to the writer and waits; one task takes every row waiting at
that moment and inserts them all in one transaction, then wakes the requests. Under load one
commit carries hundreds of activities; when idle a lone request is committed at once. Every 202
is still sent only after its row is durable.

    request --put(row)--> [queue] --> writer task: take all waiting -> INSERT ... (one commit)
       ^                                                 |
       +------------------- future resolved ------------+
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from fedcop.db.outage import database_unavailable, discard_pooled_connections
from fedcop.store import inbound as inbound_store
from fedcop.store.inbound import NewInbound

log = logging.getLogger(__name__)
MAX_BATCH = 500


class InboxWriter:
    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self._queue: asyncio.Queue[tuple[NewInbound, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fedcop-inbox-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def write(self, row: NewInbound) -> None:
        """Return once `row` is committed; raise if the commit failed."""
        if self._task is None:  # not started (e.g. a one-off script): commit directly
            async with self.pool.acquire() as conn:
                await inbound_store.insert_many(conn, [row])
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((row, future))
        await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[NewInbound, asyncio.Future[None]]]) -> None:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await inbound_store.insert_many(conn, [row for row, _ in batch])
        except asyncpg.PostgresError as error:
            outage = database_unavailable(error)
            if outage:
                await discard_pooled_connections(self.pool, error)
            if len(batch) == 1 or outage:  # in an outage every row would fail alike
                _fail(batch, error)
                return
            # The server refused a row: commit the rows one by one, so that only the request
            # that brought it fails.
            for item in batch:
                await self._commit([item])
        except Exception as error:  # a failed commit fails every request in it (5xx -> retried)
            if database_unavailable(error):
                await discard_pooled_connections(self.pool, error)
            _fail(batch, error)
        else:
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


def _fail(batch: list[tuple[NewInbound, asyncio.Future[None]]], error: Exception) -> None:
    log.error("inbox commit of %d activities failed", len(batch), exc_info=error)
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
