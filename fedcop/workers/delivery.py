"""The delivery worker: sign and POST queued activities, and decide what happens next.

claim due deliveries (lease, SKIP LOCKED; at most DELIVERY_CLAIM_PER_HOST of one host; none of a
host the circuit breaker holds off), with the activity body, the signing key and the signature
scheme the host last accepted (hosts.signature_scheme)
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
as attempts finish: the outcomes of those finished together and their hosts' updates are
written in one transaction (a handful of statements, not two round trips and commits per row);
failed attempts count towards the host's circuit breaker (store/host_breaker.py), which
postpones a dead host's deliveries instead of letting them hold slots
run_forever keeps `in_flight` deliveries under way and claims more as slots free up, hosts
that answered last time first, and at most half the slots for hosts that are failing: each
delivery is bounded by its deadline (FEDCOP config delivery_deadline_seconds), and no delivery
waits for another to finish
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from fedcop.handlers.context import HandlerContext
from fedcop.network import SigningKey
from fedcop.observability import metrics
from fedcop.queues import (
    DELIVERY_BATCH,
    DELIVERY_BREAKER,
    DELIVERY_CLAIM_HORIZON,
    DELIVERY_CLAIM_PER_HOST,
    DELIVERY_LEASE,
    DeliveryBreaker,
    DeliveryState,
)
from fedcop.store import host_breaker
from fedcop.store import hosts as host_store
from fedcop.store import outbound as outbound_store
from fedcop.store.outbound import ClaimedDelivery, DeliveryOutcome
from fedcop.workers.loop import IDLE_SLEEP_SECONDS
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
        breaker: DeliveryBreaker = DELIVERY_BREAKER,
        in_flight: int = DELIVERY_BATCH,
    ) -> None:
        """`in_flight`: how many deliveries `run_forever` keeps under way at once."""
        self.ctx = ctx
        self.rng = rng or random.Random()  # noqa: S311 -- backoff jitter, not a secret
        self.lease = lease
        self.breaker = breaker
        self.in_flight = in_flight
        # Of those, at most this many to hosts whose last attempts failed: the rest of the
        # slots stay free for hosts that answer.
        self.failing_in_flight = max(1, in_flight // 2)
        # run_forever's deliveries under way, by host, and how many to failing hosts.
        self._hosts_under_way: Counter[str] = Counter()
        self._failing_under_way = 0
        self.heartbeat = time.monotonic()  # last tick, for /readyz

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and attempt them all; return how many. Each outcome
        is written as soon as it is known, not when the slowest of the batch is done."""
        self.heartbeat = time.monotonic()
        claimed = await self._claim(DELIVERY_BATCH)
        pending = {asyncio.create_task(self._attempt_safely(delivery)) for delivery in claimed}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await self._record([task.result() for task in done])
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Keep up to `in_flight` deliveries under way until `stop` is set, claiming more as
        slots free up: a delivery that waits out its deadline holds one slot, never a batch.
        When `stop` is set, what is under way is finished (and recorded) first."""
        stop = stop or asyncio.Event()
        under_way: set[asyncio.Task[_Attempt]] = set()
        while not stop.is_set():
            self.heartbeat = time.monotonic()
            free = self.in_flight - len(under_way)
            claimed: list[ClaimedDelivery] = []
            wanted = 0
            try:
                # Hosts that answered last time first; hosts that are failing get what is
                # left of their share, so they can never fill every slot.
                if free > 0:
                    wanted += min(free, DELIVERY_BATCH)
                    claimed = await self._claim(wanted, self._busy_hosts(), failing_hosts=False)
                failing_free = min(
                    free - len(claimed), self.failing_in_flight - self._failing_under_way
                )
                if failing_free > 0:
                    wanted += min(failing_free, DELIVERY_BATCH)
                    claimed += await self._claim(
                        min(failing_free, DELIVERY_BATCH), self._busy_hosts(), failing_hosts=True
                    )
            except Exception:
                log.exception("delivery worker claim failed")
            for delivery in claimed:
                self._hosts_under_way[delivery.host] += 1
                self._failing_under_way += delivery.host_failing
            under_way |= {asyncio.create_task(self._attempt_safely(d)) for d in claimed}
            if claimed and len(claimed) == wanted:
                continue  # maybe more is due, and there is room for it
            if not under_way:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SLEEP_SECONDS)
                continue
            # Wait for the first to finish (or a while, then look for newly due rows).
            done, under_way = await asyncio.wait(
                under_way, timeout=IDLE_SLEEP_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            await self._record_safely([task.result() for task in done])
        while under_way:
            done, under_way = await asyncio.wait(under_way, return_when=asyncio.FIRST_COMPLETED)
            await self._record_safely([task.result() for task in done])

    async def _claim(
        self,
        limit: int,
        busy_hosts: list[str] | None = None,
        *,
        failing_hosts: bool | None = None,
    ) -> list[ClaimedDelivery]:
        async with self.ctx.pool.acquire() as conn:
            return await outbound_store.claim_deliveries(
                conn,
                limit,
                self.lease,
                per_host=DELIVERY_CLAIM_PER_HOST,
                horizon=DELIVERY_CLAIM_HORIZON,
                busy_hosts=busy_hosts or (),
                failing_hosts=failing_hosts,
            )

    def _busy_hosts(self) -> list[str]:
        """Hosts with a claim's worth of deliveries under way: no more of theirs for now, so
        a host that does not answer holds DELIVERY_CLAIM_PER_HOST slots, never all of them."""
        return sorted(
            host for host, n in self._hosts_under_way.items() if n >= DELIVERY_CLAIM_PER_HOST
        )

    async def _record_safely(self, attempts: list[_Attempt]) -> None:
        for attempt in attempts:
            self._failing_under_way -= attempt.host_was_failing
            self._hosts_under_way[attempt.host] -= 1
            if self._hosts_under_way[attempt.host] <= 0:
                del self._hosts_under_way[attempt.host]
        try:
            await self._record(attempts)
        except Exception:  # the rows' leases bring them back; the loop must go on
            log.exception("delivery worker could not record %d outcomes", len(attempts))

    async def _record(self, attempts: list[_Attempt]) -> None:
        """Write the outcomes of finished attempts and what they say about their hosts, in one
        transaction (a handful of statements however many attempts finished together)."""
        if not attempts:
            return
        alive = {a.host for a in attempts if a.host_health == "alive"}
        failed_attempts = Counter(
            a.host for a in attempts if a.host_health == "failing" and a.host not in alive
        )
        async with self.ctx.pool.acquire() as conn, conn.transaction():
            await outbound_store.record_outcomes(conn, [attempt.outcome for attempt in attempts])
            await host_store.record_successes(conn, alive)
            # A failure day counts once per host and day, however many deliveries failed.
            for host in sorted(failed_attempts):
                await host_store.record_failure(conn, host)
            suspended = await host_breaker.record_failed_attempts(
                conn, failed_attempts, self.breaker
            )
            # Written only when a host accepted another scheme than the one remembered for it:
            # the steady state writes nothing here.
            await host_store.remember_signature_schemes(
                conn, {a.host: a.learned_scheme for a in attempts if a.learned_scheme}
            )
        for suspension in suspended:
            log.warning(
                "%s failed %d deliveries in a row: its deliveries wait until %s",
                suspension.host,
                suspension.consecutive_failures,
                suspension.until.isoformat(timespec="seconds"),
            )
            metrics.HOST_SUSPENSIONS.inc()
        for attempt in attempts:
            metrics.DELIVERIES.labels(attempt.metric_outcome).inc()

    async def _attempt_safely(self, delivery: ClaimedDelivery) -> _Attempt:
        """`_attempt`, with a bug in it (never the network: that is a result) logged and the
        delivery tried again later instead of the worker stopping."""
        try:
            attempt = await self._attempt(delivery)
            return dataclasses.replace(attempt, host_was_failing=delivery.host_failing)
        except Exception as error:
            log.exception("delivery %d to %s failed", delivery.id, delivery.inbox_url)
            retry = DeliveryOutcome(
                delivery.id,
                DeliveryState.PENDING,
                None,
                f"{type(error).__name__}: {error}",
                self.lease.total_seconds(),
            )
            return _Attempt(retry, delivery.host, host_was_failing=delivery.host_failing)

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
    # The host's last attempts had failed when this delivery was claimed.
    host_was_failing: bool = False

    @property
    def metric_outcome(self) -> str:
        if self.outcome.retry_in is not None:
            return "retry"
        return str(self.outcome.state)
