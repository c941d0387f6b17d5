"""The delivery worker: sign and POST queued activities, and decide what happens next.

claim due deliveries (lease, SKIP LOCKED), with the activity body, the signing key and the
signature scheme the host last accepted (hosts.signature_scheme)
  host blocked or unavailable -> given_up
  POST (per-host clients, bounded concurrency per host), signed by the activity's actor with
  that scheme (draft-cavage if unknown); a 401 -> signed with the other scheme and POSTed again
  at once, in the same attempt (federation/double_knock.py)
    -> federation.deliver.next_step: Done -> done        (and the host counts as alive; the
                                                          scheme it accepted is remembered
                                                          if it changed)
                                     GiveUp -> given_up
                                     RetryAt(delay) -> pending at now + delay
                                                       (and a failure day for the host)
once every attempt of the batch has its outcome: all outcomes and host updates are written in
one transaction (a handful of statements per batch, not two round trips and commits per row)
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fedcop.handlers.context import HandlerContext
from fedcop.network import SigningKey
from fedcop.observability import metrics
from fedcop.queues import DELIVERY_BATCH, DELIVERY_LEASE, DeliveryState
from fedcop.store import hosts as host_store
from fedcop.store import outbound as outbound_store
from fedcop.store.outbound import ClaimedDelivery, DeliveryOutcome
from fedcop.workers.loop import run_batches
from federation.deliver import Done, GiveUp, next_step
from federation.double_knock import first_scheme

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(
        self,
        ctx: HandlerContext,
        *,
        rng: random.Random | None = None,
        lease: timedelta = DELIVERY_LEASE,
    ) -> None:
        self.ctx = ctx
        self.rng = rng or random.Random()  # noqa: S311 -- backoff jitter, not a secret
        self.lease = lease
        self.heartbeat = time.monotonic()  # last tick, for /readyz

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and attempt them all; return how many."""
        self.heartbeat = time.monotonic()
        async with self.ctx.pool.acquire() as conn:
            claimed = await outbound_store.claim_deliveries(conn, DELIVERY_BATCH, self.lease)
        if not claimed:
            return 0
        attempts = await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await outbound_store.record_outcomes(conn, [attempt.outcome for attempt in attempts])
            await host_store.record_successes(
                conn, [attempt.host for attempt in attempts if attempt.host_health == "alive"]
            )
            # A failure day counts once per host and day, however many deliveries failed.
            for host in sorted({a.host for a in attempts if a.host_health == "failing"}):
                await host_store.record_failure(conn, host)
            # Written only when a host accepted another scheme than the one remembered for it:
            # the steady state writes nothing here.
            await host_store.remember_signature_schemes(
                conn, {a.host: a.learned_scheme for a in attempts if a.learned_scheme}
            )
        for attempt in attempts:
            metrics.DELIVERIES.labels(attempt.metric_outcome).inc()
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Batch after batch until `stop` is set (the batch under way is finished first)."""
        await run_batches(self.run_once, "delivery worker", stop)

    async def _attempt(self, delivery: ClaimedDelivery) -> _Attempt:
        if delivery.host_blocked or delivery.host_unavailable:
            why = "blocked" if delivery.host_blocked else "unavailable"
            given_up = DeliveryOutcome(delivery.id, DeliveryState.GIVEN_UP, None, f"host {why}")
            return _Attempt(given_up, delivery.host)
        key = SigningKey(delivery.key_id, delivery.private_key_pem)
        remembered = delivery.host_signature_scheme
        result = await self.ctx.network.deliver(
            delivery.inbox_url, delivery.body, key, first_scheme=first_scheme(remembered)
        )
        self.heartbeat = time.monotonic()
        if result.knocks > 1 and result.scheme is not None:
            _count_second_knock(delivery.host, result.scheme, result.delivered)
        decision = next_step(result, delivery.attempts, self.rng)
        if isinstance(decision, Done):
            done = DeliveryOutcome(delivery.id, DeliveryState.DONE, result.status, None)
            accepted = result.accepted_scheme
            learned = accepted if accepted != remembered else None
            return _Attempt(done, delivery.host, "alive", learned)
        if isinstance(decision, GiveUp):
            log.info("delivery to %s given up: %s", delivery.inbox_url, decision.reason)
            given_up = DeliveryOutcome(
                delivery.id, DeliveryState.GIVEN_UP, result.status, decision.reason
            )
            return _Attempt(given_up, delivery.host)
        retry = DeliveryOutcome(
            delivery.id, DeliveryState.PENDING, result.status, result.error, decision.delay
        )
        failing = result.status is None or result.status >= 500
        return _Attempt(retry, delivery.host, "failing" if failing else None)


def _count_second_knock(host: str, scheme: str, accepted: bool) -> None:
    metrics.DELIVERY_SECOND_KNOCKS.labels(scheme, "yes" if accepted else "no").inc()
    if accepted:
        log.info("%s refused the first signature with 401 and accepted %s", host, scheme)


@dataclass(frozen=True)
class _Attempt:
    outcome: DeliveryOutcome
    host: str
    # What the attempt says about the host: answered 2xx, or unreachable / 5xx.
    host_health: Literal["alive", "failing"] | None = None
    # The signature scheme the host accepted, when it is not the one remembered for it.
    learned_scheme: str | None = None

    @property
    def metric_outcome(self) -> str:
        if self.outcome.retry_in is not None:
            return "retry"
        return str(self.outcome.state)
