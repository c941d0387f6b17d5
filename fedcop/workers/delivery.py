"""The delivery worker: sign and POST queued activities, and decide what happens next.

claim due deliveries (lease, SKIP LOCKED), with the activity body and the signing key
  host blocked or unavailable -> given_up
  POST (per-host clients, bounded concurrency per host), signed by the activity's actor
    -> federation.deliver.next_step: Done -> done        (and the host counts as alive)
                                     GiveUp -> given_up
                                     RetryAt(delay) -> pending at now + delay
                                                       (and a failure day for the host)
"""

from __future__ import annotations

import asyncio
import logging
import random

from fedcop.handlers.context import HandlerContext
from fedcop.network import SigningKey
from fedcop.queues import DELIVERY_BATCH, DELIVERY_LEASE, DeliveryState
from fedcop.store import hosts as host_store
from fedcop.store import outbound as outbound_store
from fedcop.store.outbound import ClaimedDelivery
from federation.deliver import Done, GiveUp, next_step

log = logging.getLogger(__name__)
IDLE_SLEEP_SECONDS = 0.5


class DeliveryWorker:
    def __init__(self, ctx: HandlerContext, *, rng: random.Random | None = None) -> None:
        self.ctx = ctx
        self.rng = rng or random.Random()  # noqa: S311 -- backoff jitter, not a secret

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and attempt them all; return how many."""
        async with self.ctx.pool.acquire() as conn:
            claimed = await outbound_store.claim_deliveries(conn, DELIVERY_BATCH, DELIVERY_LEASE)
        await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        return len(claimed)

    async def run_forever(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("delivery worker pass failed")
                claimed = 0
            if claimed == 0:
                await asyncio.sleep(IDLE_SLEEP_SECONDS)

    async def _attempt(self, delivery: ClaimedDelivery) -> None:
        if delivery.host_blocked or delivery.host_unavailable:
            why = "blocked" if delivery.host_blocked else "unavailable"
            await self._finish(delivery, DeliveryState.GIVEN_UP, None, f"host {why}")
            return
        key = SigningKey(delivery.key_id, delivery.private_key_pem)
        result = await self.ctx.network.deliver(delivery.inbox_url, delivery.body, key)
        decision = next_step(result, delivery.attempts, self.rng)
        async with self.ctx.pool.acquire() as conn:
            if isinstance(decision, Done):
                await host_store.record_success(conn, delivery.host)
                await outbound_store.finish_delivery(
                    conn, delivery.id, DeliveryState.DONE, result.status, None
                )
            elif isinstance(decision, GiveUp):
                log.info("delivery to %s given up: %s", delivery.inbox_url, decision.reason)
                await outbound_store.finish_delivery(
                    conn, delivery.id, DeliveryState.GIVEN_UP, result.status, decision.reason
                )
            else:
                if result.status is None or result.status >= 500:
                    await host_store.record_failure(conn, delivery.host)
                await outbound_store.retry_delivery(
                    conn, delivery.id, decision.delay, result.status, result.error
                )

    async def _finish(
        self, delivery: ClaimedDelivery, state: DeliveryState, status: int | None, error: str
    ) -> None:
        async with self.ctx.pool.acquire() as conn:
            await outbound_store.finish_delivery(conn, delivery.id, state, status, error)
